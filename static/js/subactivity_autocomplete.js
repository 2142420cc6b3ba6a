// Search-as-you-type for code boxes (the proposal form's sub kegiatan, the list's program/kegiatan filter, and its
// kabupaten/kota filter for a scope of hundreds): every <input data-autocomplete-url> asks its endpoint
// (programs/autocomplete.py) for at most 20 codes as the user types, and shows them under the box as a listbox.
// Choosing one writes "code name" into the box (or only the code, with data-autocomplete-fill="code"). Without this
// script the box still takes a typed code, which the server checks. Text goes in with textContent only; no inline
// script or style (the site's CSP forbids both).
(function () {
  "use strict";
  var DELAY_MS = 150;
  var MIN_CHARS = 2;

  function setUp(input, number) {
    var url = input.dataset.autocompleteUrl;
    var fillCodeOnly = input.dataset.autocompleteFill === "code";
    var listId = (input.id || "autocomplete-" + number) + "-suggestions";
    var list = document.createElement("div");
    list.id = listId;
    list.className = "list-group position-absolute w-100 shadow-sm z-3 d-none autocomplete-list";
    list.setAttribute("role", "listbox");
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    input.parentNode.classList.add("position-relative");
    input.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var timer = null;
    var asked = "";
    var active = -1;
    var controller = null;

    function options() { return list.querySelectorAll("[role='option']"); }
    function close() {
      list.classList.add("d-none");
      list.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      var items = options();
      if (!items.length) return;
      active = (index + items.length) % items.length;
      Array.prototype.forEach.call(items, function (item, i) {
        item.classList.toggle("active", i === active);
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }
    function choose(item) {
      input.value = fillCodeOnly ? item.dataset.code : item.dataset.code + " " + item.dataset.name;
      asked = input.value;
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function show(data) {
      list.textContent = "";
      var results = data.results || [];
      results.forEach(function (row, i) {
        var item = document.createElement("button");
        item.type = "button";
        item.id = listId + "-" + i;
        item.className = "list-group-item list-group-item-action py-1 small";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.tabIndex = -1;
        item.dataset.code = row.code;
        item.dataset.name = row.name;
        var code = document.createElement("span");
        code.className = "font-monospace me-2";
        code.textContent = row.code;
        item.appendChild(code);
        item.appendChild(document.createTextNode(row.name));
        if (row.province) {
          // A kabupaten/kota names its province: Kota Banjar (32.79) and Kabupaten Banjar (63.03) differ otherwise
          // only by their codes. It is a second line under the name (code, name and province fit the box's width on
          // one line only for short names); a screen reader hears "Kota Banjar — Jawa Barat".
          item.classList.add("autocomplete-regency");
          var dash = document.createElement("span");
          dash.className = "visually-hidden";
          dash.textContent = " \u2014 ";
          item.appendChild(dash);
          var province = document.createElement("span");
          province.className = "autocomplete-province";
          province.textContent = row.province;
          item.appendChild(province);
        }
        var note = row.retired ? "tidak berlaku" : row.level || "";
        if (row.government_level) note = row.government_level === "1" ? "Provinsi" : "Kab/Kota";
        if (note) {
          var badge = document.createElement("span");
          badge.className = "badge text-bg-light border ms-2";
          badge.textContent = note;
          item.appendChild(badge);
        }
        // mousedown, not click: the box's blur would close the list before the click lands.
        item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(item); });
        list.appendChild(item);
      });
      if (data.error || !results.length) {
        var empty = document.createElement("div");
        empty.className = "list-group-item small text-body-secondary";
        empty.textContent = data.error || "Tidak ada kode yang cocok. Periksa ejaan, atau ketik sebagian kode.";
        list.appendChild(empty);
      } else if (data.more) {
        var more = document.createElement("div");
        more.className = "list-group-item small text-body-secondary";
        more.textContent = "20 pertama ditampilkan; ketik lebih lengkap untuk mempersempit.";
        list.appendChild(more);
      }
      status.textContent = results.length ? results.length + " saran" : "Tidak ada saran";
      list.classList.remove("d-none");
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }
    function ask() {
      var query = input.value.trim();
      if (query === asked) return;
      asked = query;
      if (query.length < MIN_CHARS) { close(); return; }
      if (controller) controller.abort();
      controller = new AbortController();
      fetch(url + "?q=" + encodeURIComponent(query), {
        headers: { "Accept": "application/json" }, credentials: "same-origin", signal: controller.signal
      })
        .then(function (response) { return response.json(); })
        .then(function (data) { if (input.value.trim() === query) show(data); })
        .catch(function () { /* offline or aborted: the typed code is still checked by the server */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.classList.contains("d-none") && options().length;
      if (event.key === "ArrowDown") { event.preventDefault(); if (open) highlight(active + 1); else { asked = ""; ask(); } }
      else if (event.key === "ArrowUp" && open) { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter" && open && active >= 0) { event.preventDefault(); choose(options()[active]); }
      else if (event.key === "Escape" && !list.classList.contains("d-none")) { event.preventDefault(); close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-autocomplete-url]"), setUp);
})();
