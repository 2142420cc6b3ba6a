/* The pin picker of the proposal form: a small map under the latitude and longitude inputs; a click sets both (with
   a decimal comma, as the inputs are typed), typing moves the pin. The inputs stay plain text inputs: without
   JavaScript, or without Leaflet, the form works as before. A pin outside the chosen kabupaten/kota's boundary is
   warned about beneath the map, as the proposal page does after saving (rakornis/extents.py: inside, or within
   `margin` degrees of the line; naming the offered kabupaten/kota it falls in instead); the warning never blocks
   saving. A kabupaten/kota with no shipped boundary is judged by its box. */
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

  var regions = {};
  settings.regions.forEach(function (shape) { regions[shape.code] = shape; });
  var margin = settings.margin || 0;
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
  function chosen() {
    var code = region ? regionCodes[region.value] : null;
    return code ? regions[code] || null : null;
  }
  function polygons(geometry) {
    return geometry.type === "MultiPolygon" ? geometry.coordinates : [geometry.coordinates];
  }
  // Ray casting over every ring of a polygon (holes respected: a point in a hole crosses an even number of edges).
  function inside(shape, lng, lat) {
    if (!shape.geometry) {
      var b = shape.bounds;
      return lat >= b[0][0] && lat <= b[1][0] && lng >= b[0][1] && lng <= b[1][1];
    }
    return polygons(shape.geometry).some(function (rings) {
      var crossed = false;
      rings.forEach(function (ring) {
        for (var i = 1; i < ring.length; i++) {
          var x1 = ring[i - 1][0], y1 = ring[i - 1][1], x2 = ring[i][0], y2 = ring[i][1];
          if ((y1 > lat) !== (y2 > lat) && lng < x1 + (lat - y1) * (x2 - x1) / (y2 - y1)) { crossed = !crossed; }
        }
      });
      return crossed;
    });
  }
  function near(shape, lng, lat) {
    if (!shape.geometry || !margin) { return false; }
    return polygons(shape.geometry).some(function (rings) {
      return rings.some(function (ring) {
        for (var i = 1; i < ring.length; i++) {
          var x1 = ring[i - 1][0], y1 = ring[i - 1][1], dx = ring[i][0] - x1, dy = ring[i][1] - y1;
          var length = dx * dx + dy * dy;
          var t = length ? Math.max(0, Math.min(1, ((lng - x1) * dx + (lat - y1) * dy) / length)) : 0;
          var ex = x1 + t * dx - lng, ey = y1 + t * dy - lat;
          if (ex * ex + ey * ey <= margin * margin) { return true; }
        }
        return false;
      });
    });
  }
  function check() {
    var shape = chosen();
    var lat = read(latitude);
    var lng = read(longitude);
    warning.textContent = "";
    if (!shape || lat === null || lng === null || inside(shape, lng, lat) || near(shape, lng, lat)) { return; }
    var other = settings.regions.filter(function (candidate) {
      return candidate.geometry && candidate.code !== shape.code && inside(candidate, lng, lat);
    })[0];
    warning.textContent = other
      ? "Titik ini berada di " + other.name + ", bukan di " + shape.name + ". Periksa lintang dan bujurnya."
      : "Titik ini berada di luar wilayah " + shape.name + ". Periksa lintang dan bujurnya.";
  }
  function showRegion() {
    var shape = chosen();
    if (outline) { map.removeLayer(outline); outline = null; }
    if (shape && shape.geometry) {
      outline = L.geoJSON(shape.geometry, {
        interactive: false, style: { className: "map-boundary", color: "#0d6efd", weight: 1.5, fill: false }
      }).addTo(map);
    } else if (shape) {
      outline = L.rectangle(shape.bounds, {
        className: "map-boundary", color: "#0d6efd", weight: 1, fill: false, dashArray: "4 4", interactive: false
      }).addTo(map);
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
