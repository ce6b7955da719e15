// Draws a budget's last 12 periods (spent as bars, the limit as a line) with Chart.js from
// the JSON the page embeds (json_script). Amounts arrive as strings; numbers only for drawing.
(function () {
  "use strict";
  var node = document.getElementById("budget-history-data");
  var canvas = document.getElementById("budget-history-chart");
  if (!node || !canvas || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var css = getComputedStyle(document.documentElement);
  var color = function (name, fallback) { return css.getPropertyValue(name).trim() || fallback; };
  Chart.defaults.color = color("--text-muted", "#555");
  Chart.defaults.borderColor = color("--chart-grid", "rgba(128,128,128,.2)");
  var money;
  try {
    money = new Intl.NumberFormat(undefined, { style: "currency", currency: data.currency });
  } catch (e) {
    money = new Intl.NumberFormat();
  }
  var spent = data.spent.map(Number);
  var limit = data.limit.map(Number);
  var bars = spent.map(function (value, i) {
    return value > limit[i] ? color("--danger", "#c81e1e") : color("--chart-1", "#4f46e5");
  });
  new Chart(canvas, {
    data: {
      labels: data.labels,
      datasets: [
        { type: "bar", label: "Spent", data: spent, backgroundColor: bars, borderRadius: 4,
          pointStyle: "rectRounded" },
        { type: "line", label: "Limit", data: limit, borderColor: color("--chart-6", "#ca8a04"),
          backgroundColor: color("--chart-6", "#ca8a04"), borderDash: [6, 4], pointRadius: 0, stepped: "middle", pointStyle: "line" },
      ],
    },
    options: {
      maintainAspectRatio: false,
      plugins: {
        // Point-style keys: the limit's key is a line, not a box drawn with its dashes.
        legend: { labels: { usePointStyle: true } },
        tooltip: { callbacks: { label: function (ctx) {
          return ctx.dataset.label + ": " + money.format(ctx.parsed.y);
        } } },
      },
      scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return money.format(v); } } } },
    },
  });
})();
