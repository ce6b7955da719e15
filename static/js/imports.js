// Statement import pages: drop zone and new-account fields (upload), live mapping preview
// (mapping), progress bar polling (batch page). Every page works without this script.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- upload page ---------------------------------------------------------------------
  function initUpload(form) {
    var select = form.querySelector("select[name=account]");
    var newAccount = form.querySelector("[data-new-account]");
    function toggleNewAccount() {
      if (select && newAccount) newAccount.hidden = select.value !== "new";
    }
    if (select) select.addEventListener("change", toggleNewAccount);
    toggleNewAccount();

    var zone = form.querySelector("[data-dropzone]");
    var input = zone && zone.querySelector("input[type=file]");
    var nameOut = zone && zone.querySelector("[data-dropzone-name]");
    var limitNote = zone && zone.querySelector("[data-dropzone-limit]");
    if (!zone || !input) return;
    var maxBytes = parseInt(input.getAttribute("data-max-bytes") || "0", 10);
    function showName() {
      var file = input.files && input.files[0];
      if (!nameOut) return;
      nameOut.textContent = file ? file.name : "";
      if (file && maxBytes && file.size > maxBytes && limitNote) {
        nameOut.textContent = file.name + " — " + limitNote.getAttribute("data-limit-message");
      }
    }
    input.addEventListener("change", showName);
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("is-over");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () {
        zone.classList.remove("is-over");
      });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        showName();
      }
    });
  }

  // --- mapping page --------------------------------------------------------------------
  function initMapping(form) {
    var url = form.getAttribute("data-preview-url");
    var target = form.querySelector("[data-mapping-preview]");
    var button = form.querySelector("[data-preview-button]");
    var timer = null;
    var pending = null;

    function styleValue() {
      var checked = form.querySelector("input[name=amount_style]:checked");
      return checked ? checked.value : "signed";
    }
    function toggleStyles() {
      var style = styleValue();
      form.querySelectorAll("[data-style]").forEach(function (el) {
        el.hidden = el.getAttribute("data-style").split(" ").indexOf(style) === -1;
      });
    }
    function refresh() {
      if (!url || !target) return;
      if (pending) pending.abort();
      pending = new AbortController();
      var body = new FormData(form);
      body.delete("continue");
      fetch(url, {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": csrfToken(form), "X-Requested-With": "fetch" },
        credentials: "same-origin",
        signal: pending.signal,
      })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          target.innerHTML = html;
        })
        .catch(function (error) {
          if (error.name !== "AbortError") target.setAttribute("data-stale", "true");
        });
    }
    form.addEventListener("change", function () {
      toggleStyles();
      clearTimeout(timer);
      timer = setTimeout(refresh, 150);
    });
    form.addEventListener("input", function (event) {
      if (event.target && event.target.type === "text" && event.target.name !== "profile_name") {
        clearTimeout(timer);
        timer = setTimeout(refresh, 400);
      }
    });
    if (button) button.hidden = true; // the preview follows every change
    toggleStyles();
  }

  // --- batch page: progress ------------------------------------------------------------
  function initProgress(box) {
    var url = box.getAttribute("data-status-url");
    var bar = box.querySelector("progress");
    var label = box.querySelector("[data-progress-label]");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json();
        })
        .then(function (status) {
          // Saving happens in one database transaction; where its count cannot be seen
          // before the end (SQLite), the bar keeps moving without a number.
          var counting = !(status.stage === "committing" && status.progress_done === 0);
          if (bar && counting) {
            bar.max = Math.max(status.progress_total, status.progress_done, 1);
            bar.value = status.progress_done;
          } else if (bar) {
            bar.removeAttribute("value");
          }
          if (label) {
            // Grouped like the page's own counts (numbers.js): 5.500 in the "eu" format.
            var count = window.BillfoldNumbers.count;
            label.textContent = counting
              ? count(status.progress_done) + " of about " + count(status.progress_total) + " rows"
              : "Saving about " + count(status.progress_total) + " rows in one go…";
          }
          if (status.state === "processing") {
            setTimeout(poll, 1000);
          } else {
            window.location.assign(status.url);
          }
        })
        .catch(function () {
          setTimeout(poll, 3000);
        });
    }
    setTimeout(poll, 500);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-import-upload]").forEach(initUpload);
    document.querySelectorAll("[data-mapping-form]").forEach(initMapping);
    document.querySelectorAll("[data-import-progress]").forEach(initProgress);
  });
})();
