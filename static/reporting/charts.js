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

  // "8 h 19 min" for a number of minutes: durations read in hours and minutes (opsportal/timefmt.py).
  function durationText(minutes) {
    if (minutes === null || minutes === undefined) { return ""; }
    var sign = minutes < 0 ? "-" : "", total = Math.round(Math.abs(minutes));
    var hours = Math.floor(total / 60), rest = total % 60;
    if (hours === 0) { return sign + rest + " min"; }
    return sign + hours + " h" + (rest ? " " + (rest < 10 ? "0" : "") + rest + " min" : "");
  }

  function barChart(canvas, spec) {
    var format = spec.duration ? durationText : function (value) { return value + " " + (spec.unit || ""); };
    var datasets = [{ label: spec.duration ? "mean" : (spec.unit || "value"), data: spec.values,
                      backgroundColor: "rgba(13,110,253,.55)", borderColor: LINE, borderWidth: 1 }];
    if (spec.target !== null && spec.target !== undefined) {
      datasets.push({ type: "line", label: "target", data: spec.labels.map(function () { return spec.target; }),
                      borderColor: TARGET, borderDash: [6, 4], pointRadius: 0, fill: false });
    }
    var chart = new Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
                 plugins: { legend: { display: false },
                            tooltip: { callbacks: { label: function (item) { return item.dataset.label + ": " + format(item.raw); } } } },
                 scales: { y: { beginAtZero: true, ticks: { maxTicksLimit: 5, callback: function (value) { return format(value); } } } } }
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
      var operational = {};
      (data.operational || []).forEach(function (spec) { operational[spec.slug] = spec; });
      forEachCanvas(function (canvas, slug) {
        var kpi = bySlug[slug];
        if (kpi) { lineChart(canvas, data.labels, kpi.values, kpi.target, kpi.unit); }
        else if (operational[slug]) { barChart(canvas, operational[slug]); }
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
