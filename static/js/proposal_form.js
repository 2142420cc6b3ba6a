// Proposal form: kecamatan/desa/agency reload, funding rows with a live total, and the
// warning when the sub kegiatan's level and the funding do not fit. The server checks every rule again.
(function () {
  "use strict";
  var form = document.getElementById("proposal-form");
  if (!form) return;

  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }
  var schemeCodes = readJSON("scheme-codes");
  var regionCodes = readJSON("region-codes");

  // Rupiah: read as the server reads them (static/js/numbers.js) ---------------------------------------------------
  var parseRupiah = window.RakornisNumbers.parseRupiah;
  var formatRupiah = window.RakornisNumbers.formatRupiah;

  // Funding rows ---------------------------------------------------------------------------------------------------
  var rows = document.getElementById("funding-rows");
  var totalForms = form.querySelector("input[name='funding-TOTAL_FORMS']");
  var template = document.getElementById("funding-empty-row");
  var totalCell = document.getElementById("funding-total");

  function activeRows() {
    return Array.prototype.filter.call(rows.querySelectorAll(".funding-row"), function (row) {
      return !row.querySelector(".funding-delete").checked;
    });
  }
  function updateTotal() {
    var total = 0n;
    var invalid = false;
    activeRows().forEach(function (row) {
      var input = row.querySelector(".funding-amount");
      var amount = parseRupiah(input.value);
      input.classList.toggle("is-invalid", amount === null);
      if (amount === null) invalid = true;
      else if (amount !== undefined) total += amount;
    });
    totalCell.textContent = invalid ? "periksa pagu (rupiah bulat)" : formatRupiah(total);
    totalCell.classList.toggle("text-danger", invalid);
    updateWarning();
  }
  if (rows) {
    document.getElementById("funding-add").addEventListener("click", function () {
      var index = Number(totalForms.value);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      totalForms.value = String(index + 1);
      rows.lastElementChild.querySelector("select").focus();
    });
    rows.addEventListener("click", function (event) {
      if (!event.target.classList.contains("funding-remove")) return;
      var row = event.target.closest(".funding-row");
      row.querySelector(".funding-delete").checked = true;
      row.classList.add("d-none");
      updateTotal();
    });
    rows.addEventListener("input", updateTotal);
    rows.addEventListener("change", updateTotal);
  }

  // Sub kegiatan: a code box with suggestions (static/js/subactivity_autocomplete.js); level/funding warning -------
  var subActivity = document.getElementById("id_sub_activity");

  var REGENCY_SCHEMES = ["APBD_KAB", "BKP", "DAK_FISIK", "DAK_NONFISIK"];
  var PROVINCE_SCHEMES = ["APBD_PROV"];
  var warningBox = document.getElementById("level-warning");
  function governmentLevel() {
    if (!subActivity || !subActivity.value) return "";
    var parts = subActivity.value.trim().split(/\s+/)[0].split(".");
    return parts.length >= 5 ? parts[3] : "";
  }
  function chosenSchemes() {
    return activeRows().map(function (row) { return schemeCodes[row.querySelector(".funding-scheme").value]; })
      .filter(Boolean);
  }
  function updateWarning() {
    if (!warningBox) return;
    var level = governmentLevel();
    var schemes = chosenSchemes();
    var outOfCatalogue = document.getElementById("id_out_of_catalogue");
    var text = "";
    if (outOfCatalogue && outOfCatalogue.checked) level = "";
    if (level === "1" && schemes.some(function (s) { return REGENCY_SCHEMES.indexOf(s) !== -1; })) {
      text = "Sub kegiatan berkode .1. dilaksanakan oleh Provinsi, tetapi didanai APBD Kabupaten/Kota, Bantuan " +
        "Keuangan Provinsi atau DAK. Dana itu dibelanjakan oleh kabupaten/kota untuk kewenangannya sendiri: pilih " +
        "sub kegiatan berkode .2., atau ubah sumber dananya menjadi APBD Provinsi.";
    } else if (level === "2" && schemes.some(function (s) { return PROVINCE_SCHEMES.indexOf(s) !== -1; })) {
      text = "Sub kegiatan berkode .2. dilaksanakan oleh Kabupaten/Kota, tetapi didanai APBD Provinsi. APBD " +
        "Provinsi hanya untuk pekerjaan kewenangan provinsi (kode .1.); bantuan provinsi untuk pekerjaan " +
        "kabupaten/kota diusulkan sebagai Bantuan Keuangan Provinsi (BKP).";
    }
    warningBox.textContent = text ? "Perhatian (boleh disimpan): " + text : "";
    warningBox.classList.toggle("d-none", !text);
  }
  if (subActivity) subActivity.addEventListener("change", updateWarning);

  // Out of catalogue: the explanation only matters when the box is ticked ------------------------------------------
  var outOfCatalogue = document.getElementById("id_out_of_catalogue");
  var reasonBlock = document.getElementById("out-of-catalogue-reason");
  function toggleReason() {
    if (!outOfCatalogue || !reasonBlock) return;
    reasonBlock.classList.toggle("d-none", !outOfCatalogue.checked);
    if (subActivity) subActivity.disabled = outOfCatalogue.checked;
    updateWarning();
  }
  if (outOfCatalogue) { outOfCatalogue.addEventListener("change", toggleReason); toggleReason(); }

  // Kabupaten/kota -> kecamatan, desa/kelurahan, agency -------------------------------------------------------------
  var region = document.getElementById("id_region");
  var district = document.getElementById("id_district");
  var village = document.getElementById("id_village");
  var agency = document.getElementById("id_agency");
  var villages = [];

  function fill(select, items, emptyLabel, label) {
    var keep = select.value;
    select.innerHTML = "";
    select.appendChild(new Option(emptyLabel, ""));
    items.forEach(function (item) { select.appendChild(new Option(label(item), item.id)); });
    if (items.some(function (item) { return String(item.id) === keep; })) select.value = keep;
  }
  function fillVillages() {
    var chosen = district.value;
    fill(village, villages.filter(function (v) { return !chosen || String(v.district) === chosen; }),
      "— semua/belum ditentukan —", function (v) { return v.name; });
  }
  function loadChildren() {
    var code = regionCodes[region.value];
    if (!code) {
      fill(district, [], "— semua/belum ditentukan —", String);
      fill(village, [], "— semua/belum ditentukan —", String);
      fill(agency, [], "— pilih perangkat daerah —", String);
      return;
    }
    var url = form.dataset.regionChildrenUrl.replace("KODE", encodeURIComponent(code));
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (data) {
        villages = data.villages;
        fill(district, data.districts, "— semua/belum ditentukan —", function (d) { return d.name; });
        fillVillages();
        fill(agency, data.agencies, "— pilih perangkat daerah —", function (a) { return a.name; });
      })
      .catch(function () { /* the server-rendered choices stay; the server validates on save */ });
  }
  if (region && district && village && agency) {
    region.addEventListener("change", loadChildren);
    district.addEventListener("change", function () {
      if (villages.length) { fillVillages(); return; }
      // First change after the page load: fetch the villages of the kabupaten/kota once.
      var code = regionCodes[region.value];
      if (!code) return;
      fetch(form.dataset.regionChildrenUrl.replace("KODE", encodeURIComponent(code)), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) { villages = data.villages; fillVillages(); });
    });
  }

  if (rows) updateTotal();
})();
