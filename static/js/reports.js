// Reports: a bar chart of the biggest lines per currency, and the print button.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var node = document.getElementById("report-data");
  if (!node || typeof window.Chart === "undefined") { return; }
  var charts = JSON.parse(node.textContent);
  Object.keys(charts).forEach(function (currency) {
    var data = charts[currency];
    var canvas = document.querySelector('[data-chart="report-' + currency + '"]');
    if (!canvas || !data.labels.length) { if (canvas) { canvas.parentNode.hidden = true; } return; }
    var money = new Intl.NumberFormat(undefined, { style: "currency", currency: currency });
    new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ label: "Spent", data: data.values.map(Number), backgroundColor: "#6366f1" }] },
      options: {
        maintainAspectRatio: false,
        indexAxis: "y",
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (ctx) { return money.format(ctx.parsed.x); } } } },
      },
    });
  });
})();
