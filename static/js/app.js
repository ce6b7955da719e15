// Billfold's small page behaviours: theme toggle, phone navigation drawer, dismissible
// messages, menus that close on outside click / Escape, and confirmation dialogs for forms
// marked data-confirm. No inline handlers anywhere (strict CSP); everything is delegated.
(function () {
  "use strict";

  var THEME_KEY = "billfold-theme";
  var root = document.documentElement;

  // --- Theme: system / light / dark -----------------------------------------------------
  function savedTheme() {
    try {
      var value = window.localStorage.getItem(THEME_KEY);
      return value === "light" || value === "dark" ? value : "system";
    } catch (e) {
      return "system";
    }
  }

  function applyTheme(choice) {
    if (choice === "light" || choice === "dark") {
      root.setAttribute("data-theme", choice);
    } else {
      root.removeAttribute("data-theme");
    }
    try {
      if (choice === "system") {
        window.localStorage.removeItem(THEME_KEY);
      } else {
        window.localStorage.setItem(THEME_KEY, choice);
      }
    } catch (e) {
      // Storage blocked: the choice lasts for this page only.
    }
    document.querySelectorAll("[data-theme-choice]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.themeChoice === choice));
    });
    document.dispatchEvent(new CustomEvent("billfold:themechange", { detail: { theme: choice } }));
  }

  // --- Phone navigation drawer ----------------------------------------------------------
  function setNav(open) {
    var sidebar = document.getElementById("sidebar");
    if (!sidebar) return;
    document.body.classList.toggle("nav-open", open);
    document.querySelectorAll(".nav-toggle").forEach(function (button) {
      button.setAttribute("aria-expanded", String(open));
    });
    var backdrop = document.querySelector(".sidebar-backdrop");
    if (backdrop) backdrop.hidden = !open;
    if (open) {
      var first = sidebar.querySelector("a, button");
      if (first) first.focus();
    }
  }

  // --- Confirmation dialog for forms with data-confirm ----------------------------------
  function confirmThenSubmit(form, submitter) {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(form.dataset.confirm)) submitConfirmed(form, submitter);
      return;
    }
    dialog.querySelector("[data-confirm-message]").textContent = form.dataset.confirm;
    var ok = dialog.querySelector("[data-confirm-ok]");
    ok.textContent = form.dataset.confirmLabel || "Delete";
    ok.classList.toggle("danger", form.dataset.confirmDanger !== "false");
    ok.classList.toggle("primary", form.dataset.confirmDanger === "false");
    dialog.returnValue = "";
    dialog.addEventListener(
      "close",
      function () {
        if (dialog.returnValue === "confirm") submitConfirmed(form, submitter);
      },
      { once: true }
    );
    dialog.showModal();
  }

  function submitConfirmed(form, submitter) {
    form.dataset.confirmed = "true";
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(submitter || undefined);
    } else {
      form.submit();
    }
  }

  // --- Wiring ---------------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;

    var themeButton = target.closest("[data-theme-choice]");
    if (themeButton) {
      applyTheme(themeButton.dataset.themeChoice);
      return;
    }
    if (target.closest(".nav-toggle")) {
      setNav(!document.body.classList.contains("nav-open"));
      return;
    }
    if (target.closest("[data-nav-close]")) {
      setNav(false);
      return;
    }
    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      var message = dismiss.closest(".message");
      if (message) message.remove();
      return;
    }
    // A click outside an open <details class="menu"> closes it.
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(target)) menu.removeAttribute("open");
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
    if (document.body.classList.contains("nav-open")) {
      setNav(false);
      var toggle = document.querySelector(".topbar .nav-toggle");
      if (toggle) toggle.focus();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (form.dataset.confirmed === "true") {
      delete form.dataset.confirmed;
      return;
    }
    event.preventDefault();
    confirmThenSubmit(form, event.submitter);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var choice = savedTheme();
    document.querySelectorAll("[data-theme-choice]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.themeChoice === choice));
    });
  });

  // The OS switching light/dark matters to charts too when the user follows the system.
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
    if (savedTheme() === "system") {
      document.dispatchEvent(new CustomEvent("billfold:themechange", { detail: { theme: "system" } }));
    }
  });

  // For page scripts (e.g. charts): colours from the CSS variables of the current theme.
  // Redraw on the "billfold:themechange" event of document.
  function cssVar(name) {
    return getComputedStyle(root).getPropertyValue(name).trim();
  }
  window.Billfold = {
    cssVar: cssVar,
    chartColors: function () {
      return {
        series: [1, 2, 3, 4, 5, 6].map(function (i) {
          return cssVar("--chart-" + i);
        }),
        text: cssVar("--text"),
        muted: cssVar("--text-muted"),
        grid: cssVar("--chart-grid"),
        surface: cssVar("--surface"),
        neg: cssVar("--neg"),
        pos: cssVar("--pos"),
      };
    },
  };

  // Closing the drawer when the window grows to desktop width keeps the layout sane.
  window.matchMedia("(min-width: 960px)").addEventListener("change", function (query) {
    if (query.matches) setNav(false);
  });
})();
