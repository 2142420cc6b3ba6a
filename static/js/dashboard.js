// The dashboard's charts (templates/rakornis/dashboard.html). The numbers come from the page itself
// ({{ chart|json_script:"dashboard-data" }}), never from an inline script, which the Content-Security-Policy
// refuses; the same numbers are in the table beside or under each chart, which is what print and screen readers use.
(function () {
  "use strict";
  const source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  // The names (typed by people) come from the tables' rows, as HTML escaped them; the script element holds numbers.
  function labels(tableId) {
    return Array.prototype.map.call(document.querySelectorAll("#" + tableId + " tbody tr[data-label]"),
      function (row) { return row.dataset.label; });
  }
  const regionLabels = labels("region-table");
  // The series' names are the tables' column headings (`data-series`), in the page's language.
  function series(key, fallback) {
    const heading = document.querySelector('th[data-series="' + key + '"]');
    return heading ? heading.textContent.trim() : fallback;
  }
  const count = new Intl.NumberFormat("id-ID");
  // Rupiah on the axis in short form (miliar/juta), in the tooltip in full, as the tables write them.
  function rupiah(value) { return "Rp " + count.format(value); }
  // The abbreviations come from the page (`data-unit-*`), in its language: Indonesian "M" (miliar) is a billion.
  const units = (document.getElementById("dashboard-figures") || {dataset: {}}).dataset;
  function shortRupiah(value) {
    const abs = Math.abs(value);
    if (abs >= 1e12) return count.format(Math.round(value / 1e11) / 10) + " " + (units.unitTrillion || "T");
    if (abs >= 1e9) return count.format(Math.round(value / 1e8) / 10) + " " + (units.unitBillion || "M");
    if (abs >= 1e6) return count.format(Math.round(value / 1e5) / 10) + " " + (units.unitMillion || "jt");
    return count.format(value);
  }
  const BLUE = "#0d6efd", GREEN = "#198754", GREY = "#6c757d", ORANGE = "#fd7e14", CYAN = "#0dcaf0";
  const charts = [];
  function chart(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    // A horizontal chart grows with its rows (one kabupaten/kota is one short band, thirteen are not squeezed).
    if (config.options && config.options.indexAxis === "y" && canvas.parentElement.classList.contains("dashboard-chart-tall")) {
      canvas.parentElement.style.height = Math.max(160, 56 * config.data.labels.length + 90) + "px";
    }
    config.options = Object.assign({responsive: true, maintainAspectRatio: false, animation: false}, config.options);
    charts.push(new window.Chart(canvas, config));
  }
  function moneyOptions(horizontal) {
    const value = horizontal ? "x" : "y";
    const scales = {};
    scales[value] = {beginAtZero: true, ticks: {callback: function (v) { return shortRupiah(v); }}};
    return {
      indexAxis: horizontal ? "y" : "x",
      scales: scales,
      plugins: {tooltip: {callbacks: {label: function (c) { return c.dataset.label + ": " + rupiah(c.parsed[value]); }}}}
    };
  }
  chart("chart-funnel", {
    type: "bar",
    data: {labels: data.funnel.labels, datasets: [{label: series("count", "Usulan"), data: data.funnel.counts,
      backgroundColor: [GREY, BLUE, CYAN, ORANGE, GREEN]}]},
    options: {indexAxis: "y", plugins: {legend: {display: false}},
      scales: {x: {beginAtZero: true, ticks: {precision: 0}}}}
  });
  chart("chart-regions", {
    type: "bar",
    data: {labels: regionLabels, datasets: [
      {label: series("proposed", "Pagu usulan"), data: data.regions.proposed, backgroundColor: BLUE},
      {label: series("agreed", "Pagu disepakati"), data: data.regions.agreed, backgroundColor: GREEN}
    ]},
    options: moneyOptions(true)
  });
  chart("chart-schemes", {
    type: "bar",
    data: {labels: labels("scheme-table"), datasets: [
      {label: series("proposed", "Pagu usulan"), data: data.schemes.proposed, backgroundColor: BLUE},
      {label: series("agreed", "Pagu disepakati"), data: data.schemes.agreed, backgroundColor: GREEN}
    ]},
    options: moneyOptions(false)
  });
  chart("chart-progress", {
    type: "bar",
    data: {labels: regionLabels, datasets: [
      {label: series("drafts", "Draf tersisa"), data: data.progress.drafts, backgroundColor: GREY},
      {label: series("returned", "Dikembalikan"), data: data.progress.returned, backgroundColor: ORANGE},
      {label: series("submitted", "Menunggu verifikasi"), data: data.progress.submitted, backgroundColor: BLUE},
      {label: series("verified", "Lolos verifikasi"), data: data.progress.verified, backgroundColor: GREEN}
    ]},
    options: {indexAxis: "y", scales: {x: {stacked: true, beginAtZero: true, ticks: {precision: 0}}, y: {stacked: true}}}
  });
  // Print the charts at the page's width rather than the screen's.
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
})();
