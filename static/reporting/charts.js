// Charts of the Reports area, drawn with the vendored Chart.js (never a CDN).
(function () {
  "use strict";
  var GOOD = "#198754", LINE = "#0d6efd", TARGET = "#b02a37";

  function readJson(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function lineChart(canvas, labels, values, target, unit) {
    var datasets = [{ label: unit || "value", data: values, borderColor: LINE, backgroundColor: "rgba(13,110,253,.12)",
                      fill: true, pointRadius: values.length > 40 ? 0 : 2, spanGaps: true, tension: 0.25 }];
    if (target !== null && target !== undefined) {
      datasets.push({ label: "target", data: labels.map(function () { return target; }), borderColor: TARGET,
                      borderDash: [6, 4], pointRadius: 0, fill: false });
    }
    var chart = new Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
                 plugins: { legend: { display: false } },
                 scales: { x: { ticks: { maxTicksLimit: 6, autoSkip: true } }, y: { ticks: { maxTicksLimit: 5 } } } }
    });
    canvas.setAttribute("data-rendered", "true");
    return chart;
  }

  function forEachCanvas(callback) {
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      callback(canvas, canvas.getAttribute("data-chart"));
    });
  }

  window.OpsReports = {
    dashboard: function (id) {
      var data = readJson(id);
      if (!data || typeof Chart === "undefined") { return; }
      var bySlug = {};
      data.kpis.forEach(function (kpi) { bySlug[kpi.slug] = kpi; });
      forEachCanvas(function (canvas, slug) {
        var kpi = bySlug[slug];
        if (kpi) { lineChart(canvas, data.labels, kpi.values, kpi.target, kpi.unit); }
      });
    },
    report: function (id) {
      var charts = readJson(id);
      if (!charts || typeof Chart === "undefined") { return; }
      var bySlug = {};
      charts.forEach(function (chart) { bySlug[chart.slug] = chart; });
      forEachCanvas(function (canvas, slug) {
        var chart = bySlug[slug];
        if (!chart) { return; }
        lineChart(canvas, chart.points.map(function (p) { return p[0]; }), chart.points.map(function (p) { return p[1]; }),
                  chart.target, chart.unit);
      });
    },
    colours: { good: GOOD }
  };

  // Draw the page's charts from its JSON data block (no inline script: strict CSP).
  document.addEventListener("DOMContentLoaded", function () {
    if (document.getElementById("dashboard-data")) { window.OpsReports.dashboard("dashboard-data"); }
    if (document.getElementById("report-charts")) { window.OpsReports.report("report-charts"); }
  });
})();
