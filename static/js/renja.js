// Renja page: open and close the sub kegiatan of a kegiatan in place. The rows come from the server
// (workplans:workplan-kegiatan, the page's `kegiatan_rows` partial) the first time a kegiatan opens; the link's own
// address (`?kegiatan=<code>`) is the fallback without JavaScript or when the request fails.
(function () {
  "use strict";
  const table = document.getElementById("workplan-lines");
  if (!table) return;

  function setOpen(link, open) {
    link.setAttribute("aria-expanded", open ? "true" : "false");
    link.querySelectorAll("[data-when-open]").forEach(function (el) { el.hidden = !open; });
    link.querySelectorAll("[data-when-closed]").forEach(function (el) { el.hidden = open; });
    const rows = document.getElementById(link.getAttribute("aria-controls"));
    if (rows) rows.hidden = !open;
  }

  function load(rows, url, fallback) {
    rows.setAttribute("aria-busy", "true");
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        rows.innerHTML = html; // our own template's output, escaped by Django
        rows.dataset.loaded = "true";
        rows.removeAttribute("aria-busy");
      })
      .catch(function () { window.location.href = fallback; });
  }

  table.addEventListener("click", function (event) {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const toggle = target.closest("[data-renja-toggle]");
    if (toggle) {
      event.preventDefault();
      const rows = document.getElementById(toggle.getAttribute("aria-controls"));
      if (!rows) return;
      if (toggle.getAttribute("aria-expanded") === "true") {
        setOpen(toggle, false);
      } else if (rows.dataset.loaded === "true" || rows.children.length) {
        setOpen(toggle, true);
      } else {
        load(rows, toggle.dataset.url, toggle.href).then(function () { setOpen(toggle, true); });
      }
      return;
    }
    const pager = target.closest("[data-renja-page]");
    if (pager) {
      event.preventDefault();
      const rows = pager.closest("tbody");
      if (rows) load(rows, pager.dataset.url, pager.href);
    }
  });
})();
