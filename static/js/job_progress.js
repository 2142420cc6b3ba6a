// A background job's page (export or import): draws the progress bar and polls the job's status until it is done
// or failed. The bar's width is set here, from data-percent, rather than by a style attribute in the markup, which
// the Content-Security-Policy forbids.
(function () {
  "use strict";
  const box = document.getElementById("job");
  if (!box) return;
  const bar = document.getElementById("job-bar");
  bar.style.width = bar.dataset.percent + "%";
  if (box.dataset.status === "done" || box.dataset.status === "failed") return;
  function show(id, on) { document.getElementById(id).hidden = !on; }
  function poll() {
    fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}, cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        const pct = s.status === "failed" ? 100 : s.percent;
        bar.style.width = pct + "%";
        bar.textContent = s.percent + "%";
        bar.parentElement.setAttribute("aria-valuenow", s.percent);
        document.getElementById("job-status-text").textContent = s.status_display;
        document.getElementById("job-rows").textContent = s.rows_total
          ? s.rows_done.toLocaleString("id-ID") + " / " + s.rows_total.toLocaleString("id-ID") + " " + (box.dataset.rows || "baris")
          : s.rows_done.toLocaleString("id-ID") + " " + (box.dataset.rowsRead || "baris dibaca");
        show("job-hint", s.status === "queued");
        if (s.status === "done" && box.dataset.reloadWhenDone) {
          // An import's check: the page itself becomes the preview.
          window.location.reload();
        } else if (s.status === "done") {
          bar.className = "progress-bar bg-success";
          document.getElementById("job-summary").textContent = s.summary;
          if (s.download_url) { const a = document.getElementById("job-download"); a.href = s.download_url; a.hidden = false; }
          show("job-done", true);
        } else if (s.status === "failed") {
          bar.className = "progress-bar bg-danger";
          document.getElementById("job-error").textContent = s.error;
          show("job-error", true);
          const again = document.getElementById("job-import-again");
          if (again) again.hidden = false;
        } else {
          setTimeout(poll, 1000);
        }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
