// The trajectory chart of an indicator's page: baseline, target and realisation per year, and the gap still to
// close. The numbers come from the page itself ({{ chart|json_script:"indicator-chart-data" }}), never from an
// inline script, which the Content-Security-Policy refuses; the same numbers are in the table below the chart.
(function () {
  "use strict";
  const canvas = document.getElementById("indicator-chart");
  const source = document.getElementById("indicator-chart-data");
  if (!canvas || !source || typeof window.Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const number = new Intl.NumberFormat("id-ID", {maximumFractionDigits: 4});
  // The series' names are the table's column headings (`data-series`), in the page's language.
  function series(key, fallback) {
    const heading = document.querySelector('#trajectory-table th[data-series="' + key + '"]');
    return heading ? heading.textContent.trim() : fallback;
  }
  const chart = new window.Chart(canvas, {
    data: {
      labels: data.years,
      datasets: [
        {type: "bar", label: series("realisation", "Realisasi"), data: data.realisation, backgroundColor: "#0d6efd", stack: "capaian", order: 2},
        {type: "bar", label: series("gap", "Selisih ke target"), data: data.gap, backgroundColor: "#f8c4c4", stack: "capaian", order: 3},
        {type: "line", label: series("target", "Target"), data: data.target, borderColor: "#198754", backgroundColor: "#198754",
          borderDash: [6, 4], spanGaps: true, stack: "target", order: 1},
        {type: "line", label: series("baseline", "Baseline"), data: data.baseline, borderColor: "#6c757d", backgroundColor: "#6c757d",
          pointStyle: "rectRot", pointRadius: 6, showLine: false, stack: "baseline", order: 0}
      ]
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        title: {display: true, text: data.title},
        tooltip: {callbacks: {label: function (c) {
          return c.dataset.label + ": " + (c.parsed.y === null ? "—" : number.format(c.parsed.y) + " " + data.unit);
        }}}
      },
      scales: {
        x: {stacked: true},
        y: {stacked: true, beginAtZero: true, title: {display: true, text: data.unit},
          ticks: {callback: function (v) { return number.format(v); }}}
      }
    }
  });
  // Realisation and the gap stack up to the target; target and baseline, each a stack of their own, do not add.
  // Print the chart at the page's width rather than the screen's.
  window.addEventListener("beforeprint", function () { chart.resize(); });
})();
