// Draws the overview's charts from the JSON the page carries; the tables stay as they are.
(function () {
  "use strict";
  if (!window.Chart) { return; }  // the chart library is not installed: tables only
  var data = JSON.parse(document.getElementById("overview-data").textContent);
  var label = JSON.parse(document.getElementById("overview-labels").textContent);
  var colours = { online: "#2f6fde", offline: "#d9822b", both: "#7b4fc9" };
  function yuan(fen) { return "¥" + (fen / 100).toLocaleString(undefined, { maximumFractionDigits: 0 }); }
  function lines(id, key, format) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.days,
        datasets: ["online", "offline"].map(function (c) {
          return { label: label[c], data: data[key][c], borderColor: colours[c],
                   backgroundColor: colours[c], tension: 0.25, pointRadius: 0, borderWidth: 2 };
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { callback: format } } },
        plugins: { tooltip: { callbacks: { label: function (ctx) {
          return ctx.dataset.label + ": " + (format ? format(ctx.parsed.y) : ctx.parsed.y);
        } } } }
      }
    });
  }
  lines("chart-revenue", "revenue", yuan);
  lines("chart-customers", "customers", null);
  var mix = document.getElementById("chart-mix");
  if (mix) {
    var keys = ["online_only", "both", "offline_only"];
    new window.Chart(mix, {
      type: "doughnut",
      data: {
        labels: keys.map(function (k) { return label[k]; }),
        datasets: [{ data: keys.map(function (k) { return data.mix[k]; }),
                     backgroundColor: [colours.online, colours.both, colours.offline] }]
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false }
    });
  }
  document.documentElement.setAttribute("data-charts", "drawn");
})();
