// Draws a budget's last 12 periods (spent as bars, the limit as a line) with Chart.js from
// the JSON the page embeds (json_script). Amounts arrive as strings; numbers only for drawing.
(function () {
  "use strict";
  var node = document.getElementById("budget-history-data");
  var canvas = document.getElementById("budget-history-chart");
  if (!node || !canvas || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  // Colours are read again at every draw: a theme change, or printing (paper is light
  // whatever the screen's theme, app.css), redraws the chart in the new ones.
  var color = function (name, fallback) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
  };
  var text = function () { return color("--text-muted", "#555"); };
  var grid = function () { return color("--chart-grid", "rgba(128,128,128,.2)"); };
  var axis = { ticks: { color: text }, grid: { color: grid }, border: { color: grid } };
  var money = window.BillfoldNumbers.money(data.currency); // the user's number format
  var spent = data.spent.map(Number);
  var limit = data.limit.map(Number);
  var bars = function (ctx) {
    var i = ctx.dataIndex;
    return spent[i] > limit[i] ? color("--danger", "#c81e1e") : color("--chart-1", "#4f46e5");
  };
  var limitColor = function () { return color("--chart-6", "#ca8a04"); };
  var chart = new Chart(canvas, {
    data: {
      labels: data.labels,
      datasets: [
        { type: "bar", label: "Spent", data: spent, backgroundColor: bars, borderRadius: 4,
          pointStyle: "rectRounded" },
        { type: "line", label: "Limit", data: limit, borderColor: limitColor,
          backgroundColor: limitColor, borderDash: [6, 4], pointRadius: 0, stepped: "middle", pointStyle: "line" },
      ],
    },
    options: {
      maintainAspectRatio: false,
      plugins: {
        // Point-style keys: the limit's key is a line, not a box drawn with its dashes.
        legend: { labels: { usePointStyle: true, color: text() } },
        tooltip: { callbacks: { label: function (ctx) {
          return ctx.dataset.label + ": " + money.format(ctx.parsed.y);
        } } },
      },
      scales: {
        x: axis,
        y: { beginAtZero: true, grid: axis.grid, border: axis.border,
             ticks: { color: text, callback: function (v) { return money.format(v); } } },
      },
    },
  });
  var redraw = function () {
    chart.options.plugins.legend.labels.color = text(); // the legend's colour is not scriptable
    chart.update("none");
  };
  document.addEventListener("billfold:themechange", redraw);
  window.addEventListener("beforeprint", redraw);
  window.addEventListener("afterprint", redraw);
  if (window.matchMedia) { window.matchMedia("print").addEventListener("change", redraw); }
})();
