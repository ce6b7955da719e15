// Reports: a bar chart of the biggest lines per currency, and the print button.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // Show the date fields the chosen period uses: a month for month/quarter/year, two dates
  // for a custom range (all of them stay in the form without JavaScript).
  var period = document.getElementById("period");
  function showPeriodFields() {
    var custom = period.value === "custom";
    document.querySelectorAll("[data-period-field]").forEach(function (field) {
      field.hidden = (field.dataset.periodField === "custom") !== custom;
    });
  }
  if (period) { period.addEventListener("change", showPeriodFields); showPeriodFields(); }
  var node = document.getElementById("report-data");
  if (!node || typeof window.Chart === "undefined") { return; }
  var charts = JSON.parse(node.textContent);
  var drawn = [];
  var palette = {};
  function themeColors() {
    var css = getComputedStyle(document.documentElement);
    palette.text = css.getPropertyValue("--text").trim() || "#444";
    palette.grid = css.getPropertyValue("--border").trim() || "rgba(128,128,128,.2)";
  }
  themeColors();
  // Read at every draw, so a redraw after a theme change (printing) takes the new colours.
  var axis = {
    ticks: { color: function () { return palette.text; } },
    grid: { color: function () { return palette.grid; } },
    border: { color: function () { return palette.grid; } },
  };
  // Paper is light whatever the screen's theme (insights.css), and the theme switch changes
  // the screen's: redraw in the new colours.
  function redraw() {
    themeColors();
    drawn.forEach(function (chart) { chart.update("none"); });
  }
  if (window.matchMedia) { window.matchMedia("print").addEventListener("change", redraw); }
  document.addEventListener("billfold:themechange", redraw);
  Object.keys(charts).forEach(function (currency) {
    var data = charts[currency];
    var canvas = document.querySelector('[data-chart="report-' + currency + '"]');
    if (!canvas || !data.labels.length) { if (canvas) { canvas.parentNode.hidden = true; } return; }
    var money = window.BillfoldNumbers.money(currency); // the user's number format
    // One bar per line: the chart grows with the lines instead of squeezing or fattening them.
    canvas.parentNode.style.height = Math.max(120, 40 + data.labels.length * 30) + "px";
    canvas.parentNode.style.minHeight = "0";
    drawn.push(new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ label: "Spent", data: data.values.map(Number), backgroundColor: "#6366f1", maxBarThickness: 22 }] },
      options: {
        maintainAspectRatio: false,
        indexAxis: "y",
        scales: {
          x: { ticks: { color: axis.ticks.color, callback: function (v) {
            return window.BillfoldNumbers.number(v);
          } }, grid: axis.grid, border: axis.border },
          y: {
            grid: axis.grid,
            border: axis.border,
            ticks: { color: axis.ticks.color, autoSkip: false, callback: function (value) {
              var label = this.getLabelForValue(value);
              return label.length > 24 ? label.slice(0, 23) + "…" : label;
            } },
          },
        },
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (ctx) { return money.format(ctx.parsed.x); } } } },
      },
    }));
  });
})();
