/* The pin picker of the proposal form: a small map under the latitude and longitude inputs; a click sets both (with
   a decimal comma, as the inputs are typed), typing moves the pin. The inputs stay plain text inputs: without
   JavaScript, or without Leaflet, the form works as before. A pin outside the chosen kabupaten/kota's box is warned
   about beneath the map, as the proposal page does after saving; the warning never blocks saving. */
(function () {
  "use strict";
  var latitude = document.getElementById("id_latitude");
  var longitude = document.getElementById("id_longitude");
  var template = document.getElementById("pin-picker-template");
  var source = document.getElementById("map-settings");
  if (!latitude || !longitude || !template || !source || typeof L === "undefined") { return; }
  var settings = JSON.parse(source.textContent);
  var regionCodes = JSON.parse((document.getElementById("region-codes") || {}).textContent || "{}");
  var region = document.getElementById("id_region");
  var row = latitude.closest(".row") || latitude.parentNode;
  row.parentNode.insertBefore(template, row.nextSibling);
  template.hidden = false;
  var warning = document.getElementById("pin-warning");

  var boxes = {};
  settings.boxes.forEach(function (box) { boxes[box.code] = box; });
  var map = L.map("pin-picker");
  if (settings.tiles) {
    L.tileLayer(settings.tiles, { attribution: settings.attribution || "", maxZoom: 19 }).addTo(map);
  }
  var outline = null;
  var pin = null;

  function read(input) {
    var value = parseFloat(String(input.value).trim().replace(",", "."));
    return isFinite(value) ? value : null;
  }
  function write(input, value) { input.value = value.toFixed(6).replace(".", ","); }
  function chosenBox() {
    var code = region ? regionCodes[region.value] : null;
    return code ? boxes[code] || null : null;
  }
  function check() {
    var box = chosenBox();
    var lat = read(latitude);
    var lng = read(longitude);
    warning.textContent = "";
    if (!box || lat === null || lng === null) { return; }
    var b = box.bounds;
    if (lat < b[0][0] || lat > b[1][0] || lng < b[0][1] || lng > b[1][1]) {
      warning.textContent = "Titik ini berada di luar wilayah " + box.name + ". Periksa lintang dan bujurnya.";
    }
  }
  function showRegion() {
    var box = chosenBox();
    if (outline) { map.removeLayer(outline); outline = null; }
    if (box) {
      outline = L.rectangle(box.bounds, { color: "#0d6efd", weight: 1, fill: false, dashArray: "4 4" }).addTo(map);
    }
  }
  function place(fit) {
    var lat = read(latitude);
    var lng = read(longitude);
    if (lat === null || lng === null) {
      if (pin) { map.removeLayer(pin); pin = null; }
    } else if (pin) {
      pin.setLatLng([lat, lng]);
    } else {
      pin = L.circleMarker([lat, lng], { radius: 8, color: "#ffffff", weight: 2, fillColor: "#dc3545", fillOpacity: 1 })
        .addTo(map);
    }
    if (fit) {
      if (pin) { map.setView(pin.getLatLng(), Math.max(map.getZoom() || 0, 11)); }
      else if (outline) { map.fitBounds(outline.getBounds()); }
      else { map.setView([-2.5, 114.5], 6); }
    }
    check();
  }
  map.on("click", function (event) {
    write(latitude, event.latlng.lat);
    write(longitude, event.latlng.lng);
    latitude.dispatchEvent(new Event("change", { bubbles: true }));
    place(false);
  });
  latitude.addEventListener("change", function () { place(false); });
  longitude.addEventListener("change", function () { place(false); });
  if (region) { region.addEventListener("change", function () { showRegion(); place(true); }); }
  map.setView([-2.5, 114.5], 6);
  showRegion();
  place(true);
}());
