// Review queue: keyboard shortcuts. j/k (or arrows) move between rows, a accepts the
// suggestion of the current row, c focuses its category picker, Enter in it saves.
(function () {
  "use strict";
  var table = document.querySelector("[data-review]");
  if (!table) { return; }
  var rows = Array.prototype.slice.call(table.querySelectorAll("[data-review-row]"));
  var current = 0;

  function focusRow(i) {
    if (!rows.length) { return; }
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, n) { r.classList.toggle("is-current", n === current); });
    rows[current].focus();
  }

  rows.forEach(function (row, n) {
    row.addEventListener("click", function () { current = n; });
    var select = row.querySelector("[data-category]");
    if (select) {
      select.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && select.value) { e.preventDefault(); select.form.submit(); }
      });
    }
  });

  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea" || e.ctrlKey || e.metaKey || e.altKey) {
      return;
    }
    var row = rows[current];
    if (e.key === "j" || e.key === "ArrowDown") { e.preventDefault(); focusRow(current + 1); }
    else if (e.key === "k" || e.key === "ArrowUp") { e.preventDefault(); focusRow(current - 1); }
    else if (e.key === "a" && row) {
      var accept = row.querySelector("[data-accept]");
      if (accept) { e.preventDefault(); accept.form.submit(); }
    } else if (e.key === "c" && row) {
      var select = row.querySelector("[data-category]");
      if (select) { e.preventDefault(); select.focus(); }
    }
  });
  focusRow(0);
})();
