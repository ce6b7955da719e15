// Rule editor: the "test this rule" panel posts the conditions being edited and lists the
// recent transactions they match. Loaded with `defer`; no inline scripts (strict CSP).
(function () {
  "use strict";
  var form = document.querySelector("[data-rule-form]");
  if (!form) { return; }
  var button = form.querySelector("[data-rule-test]");
  var status = form.querySelector("[data-rule-test-status]");
  var table = form.querySelector("[data-rule-test-table]");
  var warning = form.querySelector("[data-rule-test-warning]");
  var body = table.querySelector("tbody");

  function cell(text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    return td;
  }

  function show(data) {
    body.textContent = "";
    warning.textContent = data.warning || "";
    warning.hidden = !data.warning;
    if (data.error) {
      status.textContent = data.error;
      table.hidden = true;
      return;
    }
    var n = data.matches.length;
    status.textContent = n ? "Recent matches (up to 20):" : "No recent transaction matches these conditions.";
    data.matches.forEach(function (m) {
      var tr = document.createElement("tr");
      tr.appendChild(cell(m.date, "nowrap"));
      tr.appendChild(cell(m.payee || m.description));
      // Written like the page's amounts, in the user's number format (numbers.js).
      var amount = window.BillfoldNumbers.money(m.currency).format(Number(m.amount));
      tr.appendChild(cell(amount, "amount " + (m.amount.charAt(0) === "-" ? "neg" : "pos")));
      tr.appendChild(cell(m.category || "—"));
      body.appendChild(tr);
    });
    table.hidden = n === 0;
  }

  button.addEventListener("click", function () {
    status.textContent = "Looking…";
    fetch(form.getAttribute("data-test-url"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    })
      .then(function (r) { return r.json(); })
      .then(show)
      .catch(function () { status.textContent = "Could not test the rule; try again."; });
  });
})();
