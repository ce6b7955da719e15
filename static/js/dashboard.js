// Draws the dashboard charts with Chart.js from the JSON the page embeds (json_script).
// Amounts arrive as strings (exact decimals) and become numbers only here, for drawing.
(function () {
  "use strict";
  var node = document.getElementById("dashboard-data");
  if (!node || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var num = function (list) { return list.map(Number); };
  var css = getComputedStyle(document.documentElement);
  var text = css.getPropertyValue("--text").trim() || "#444";
  var grid = css.getPropertyValue("--border").trim() || "rgba(128,128,128,.2)";
  Chart.defaults.color = text;
  Chart.defaults.borderColor = grid;
  Chart.defaults.maintainAspectRatio = false;
  // Amounts in the user's number format (numbers.js), like the rest of the page.
  var numbers = window.BillfoldNumbers;
  var money = numbers.money(data.currency);
  var amountTicks = function () { return { callback: function (v) { return numbers.number(v); } }; };
  var tooltip = { callbacks: { label: function (ctx) {
    var v = ctx.parsed.y !== undefined ? ctx.parsed.y : (ctx.parsed.x !== undefined ? ctx.parsed.x : ctx.parsed);
    return (ctx.dataset.label ? ctx.dataset.label + ": " : (ctx.label ? ctx.label + ": " : "")) + money.format(v);
  } } };

  var drawn = [];
  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) { drawn.push(new Chart(canvas, config)); }
  }

  // The legend is the page's own list of links; its swatches take the slices' colours here
  // (a style attribute in the HTML would break the content security policy).
  document.querySelectorAll(".legend .swatch[data-color]").forEach(function (el) {
    el.style.background = el.dataset.color;
  });
  var cat = data.categories;
  draw("chart-categories", {
    type: "doughnut",
    data: { labels: cat.labels, datasets: [{ data: num(cat.values), backgroundColor: cat.colors, borderColor: css.getPropertyValue("--surface").trim() || "#fff" }] },
    options: {
      cutout: "60%",
      plugins: { legend: { display: false }, tooltip: tooltip },
      // A click on a slice opens the transactions behind it (links built by the server).
      onClick: function (event, elements) {
        if (elements.length && cat.links[elements[0].index]) {
          window.location.assign(cat.links[elements[0].index]);
        }
      },
      onHover: function (event, elements) {
        event.native.target.style.cursor = elements.length ? "pointer" : "default";
      },
    },
  });

  var months = data.months;
  draw("chart-months", {
    data: {
      labels: months.labels,
      datasets: [
        { type: "bar", label: "Income", data: num(months.income), backgroundColor: "#22c55e" },
        { type: "bar", label: "Spending", data: num(months.expenses), backgroundColor: "#f97316" },
        { type: "line", label: "Net", data: num(months.net), borderColor: "#6366f1", backgroundColor: "#6366f1", tension: 0.3 },
      ],
    },
    options: { plugins: { tooltip: tooltip }, scales: { y: { beginAtZero: true, ticks: amountTicks() } } },
  });

  var cum = data.cumulative;
  draw("chart-cumulative", {
    type: "line",
    data: {
      labels: cum.labels,
      datasets: [
        { label: "This month", data: num(cum.this), borderColor: "#6366f1", backgroundColor: "#6366f1", pointRadius: 0, tension: 0.2 },
        { label: "Last month", data: num(cum.last), borderColor: "#94a3b8", backgroundColor: "#94a3b8", borderDash: [6, 4], pointRadius: 0, tension: 0.2 },
      ],
    },
    options: {
      plugins: {
        // Each legend entry is a sample of its line (dashed for last month), not a box. With
        // point styles the legend takes the points' style, so the line's dash is copied in.
        legend: { labels: {
          usePointStyle: true, pointStyle: "line", pointStyleWidth: 32,
          generateLabels: function (chart) {
            return Chart.defaults.plugins.legend.labels.generateLabels(chart).map(function (item) {
              var dataset = chart.data.datasets[item.datasetIndex];
              item.lineDash = dataset.borderDash || [];
              item.lineWidth = 2;
              item.strokeStyle = dataset.borderColor;
              return item;
            });
          },
        } },
        tooltip: tooltip,
      },
      scales: { y: { beginAtZero: true, ticks: amountTicks() } },
    },
  });

  var payees = data.payees;
  draw("chart-payees", {
    type: "bar",
    data: { labels: payees.labels, datasets: [{ label: "Spent", data: num(payees.values), backgroundColor: "#0ea5e9" }] },
    options: {
      indexAxis: "y",
      plugins: { legend: { display: false }, tooltip: tooltip },
      scales: { x: { ticks: amountTicks() }, y: { ticks: { autoSkip: false, callback: function (value) {
        var label = this.getLabelForValue(value);
        return label.length > 18 ? label.slice(0, 17) + "…" : label;
      } } } },
    },
  });

  // The theme switch (or the system's, when followed): the same charts in the new colours.
  // Each chart copied the defaults' colours into its axes when drawn, so they are set there.
  document.addEventListener("billfold:themechange", function () {
    var now = getComputedStyle(document.documentElement);
    var newText = now.getPropertyValue("--text").trim() || "#444";
    var newGrid = now.getPropertyValue("--border").trim() || "rgba(128,128,128,.2)";
    Chart.defaults.color = newText;
    Chart.defaults.borderColor = newGrid;
    drawn.forEach(function (chart) {
      var options = chart.config.options;
      Object.keys(options.scales || {}).forEach(function (id) {
        var scale = options.scales[id];
        scale.ticks.color = newText;
        scale.grid.color = newGrid;
        scale.border.color = newGrid;
      });
      if (chart.config.type === "doughnut") {
        chart.data.datasets[0].borderColor = now.getPropertyValue("--surface").trim() || "#fff";
      }
      chart.update("none");
    });
  });

  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
})();
