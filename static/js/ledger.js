// Ledger pages: bulk selection on the transactions list, the split editor's remainder,
// and the quick-add kind toggle. Loaded with `defer`; no inline scripts (strict CSP).
(function () {
  "use strict";

  // --- Transactions list: select all, selected count, show the right bulk field ---------
  function setupBulk(form) {
    var all = form.querySelector("[data-select-all]");
    var checks = function () { return form.querySelectorAll("[data-row-check]"); };
    var counter = form.querySelector("[data-selected-count]");
    var action = form.querySelector("[data-bulk-action]");

    function refresh() {
      var boxes = checks();
      var n = 0;
      boxes.forEach(function (b) { if (b.checked) { n += 1; } });
      if (counter) { counter.textContent = n ? "(" + n + ")" : ""; }
      if (all) {
        all.checked = n > 0 && n === boxes.length;
        all.indeterminate = n > 0 && n < boxes.length;
      }
    }

    function showFieldsFor(value) {
      form.querySelectorAll("[data-bulk-for]").forEach(function (el) {
        var wanted = el.getAttribute("data-bulk-for").split(" ");
        el.hidden = wanted.indexOf(value) === -1;
      });
    }

    if (all) {
      all.addEventListener("change", function () {
        checks().forEach(function (b) { b.checked = all.checked; });
        refresh();
      });
    }
    form.addEventListener("change", function (event) {
      if (event.target.matches("[data-row-check]")) { refresh(); }
    });
    form.addEventListener("submit", function (event) {
      var any = Array.prototype.some.call(checks(), function (b) { return b.checked; });
      if (!any) {
        event.preventDefault();
        window.alert("Select at least one transaction first.");
      }
    });
    if (action) {
      action.addEventListener("change", function () { showFieldsFor(action.value); });
      showFieldsFor(action.value);
    }
    refresh();
  }

  // --- Split editor: live "left to assign" and adding rows --------------------------------
  function parseAmount(text) {
    // Same shape the server accepts: optional sign, digits with optional thousands commas.
    var s = (text || "").trim().replace(/[\s$€£¥]/g, "");
    if (!s) { return 0; }
    if (!/^[+-]?(\d+|\d{1,3}(,\d{3})+)?(\.\d*)?$/.test(s)) { return NaN; }
    return Number(s.replace(/,/g, ""));
  }

  function setupSplit(form) {
    var total = Number(form.getAttribute("data-split-total"));
    var decimals = Number(form.getAttribute("data-split-decimals") || "2");
    var factor = Math.pow(10, decimals);
    var out = form.querySelector("[data-split-remainder]");
    var rows = form.querySelector("[data-split-rows]");
    var template = document.getElementById("split-empty-row");
    var totalForms = form.querySelector("input[name$='-TOTAL_FORMS']");
    var addButton = form.querySelector("[data-split-add]");

    function refresh() {
      // Work in minor units (integers) so 0.1 + 0.2 adds up exactly.
      var sum = 0;
      var bad = false;
      form.querySelectorAll("[data-split-amount]").forEach(function (input) {
        var value = parseAmount(input.value);
        if (isNaN(value)) { bad = true; } else { sum += Math.round(value * factor); }
      });
      var left = Math.round(total * factor) - sum;
      if (bad) {
        out.textContent = "check the amounts";
      } else {
        out.textContent = (left / factor).toFixed(decimals);
      }
      out.classList.toggle("neg", bad || left !== 0);
      out.classList.toggle("pos", !bad && left === 0);
    }

    form.addEventListener("input", function (event) {
      if (event.target.matches("[data-split-amount]")) { refresh(); }
    });
    if (addButton && template && totalForms) {
      addButton.addEventListener("click", function () {
        var index = Number(totalForms.value);
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        rows.insertAdjacentHTML("beforeend", html);
        totalForms.value = String(index + 1);
        var inputs = rows.lastElementChild.querySelectorAll("select, input");
        if (inputs.length) { inputs[0].focus(); }
        refresh();
      });
    }
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var bulk = document.getElementById("bulk-form");
    if (bulk) { setupBulk(bulk); }
    var split = document.getElementById("split-form");
    if (split) { setupSplit(split); }
  });
})();
