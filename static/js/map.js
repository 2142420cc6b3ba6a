/* The proposal map (programs/map_views.py): points from the JSON of #map-data, coloured by status, a popup with the
   number (a link), name and amount; the kabupaten/kota boundaries beneath; tiles only when MAP_TILE_URL is set. Text
   goes into the popup as text nodes, never as HTML. */
(function () {
  "use strict";
  var holder = document.getElementById("proposal-map");
  var source = document.getElementById("map-data");
  if (!holder || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  // SVG (one element a point, each clickable and inspectable) for the usual few hundred; canvas for thousands.
  var map = L.map(holder, { preferCanvas: data.points.length > 1000 });
  if (data.tiles) {
    L.tileLayer(data.tiles, { attribution: data.attribution || "", maxZoom: 19 }).addTo(map);
  }
  // The boundaries of the kabupaten/kota that have points (the reader's when none has), as the server sends them:
  // the line a point is judged by, and the background when there are no tiles. A kabupaten/kota with no shipped
  // boundary has its box, dashed.
  var boxes = L.featureGroup().addTo(map);
  data.regions.forEach(function (region) {
    if (region.geometry) {
      L.geoJSON(region.geometry, {
        interactive: false,
        style: {
          className: "map-boundary", color: "#495057", weight: 1.5,
          fill: !data.tiles, fillColor: "#f8f9fa", fillOpacity: 1
        }
      }).addTo(boxes);
    } else if (region.bounds) {
      L.rectangle(region.bounds, {
        className: "map-boundary", color: "#6c757d", weight: 1, fill: false, dashArray: "4 4", interactive: false
      }).addTo(boxes);
    }
  });

  function popup(point) {
    var root = document.createElement("div");
    var link = document.createElement("a");
    link.href = point.url;
    link.textContent = point.number;
    link.className = "fw-semibold";
    root.appendChild(link);
    [point.name, point.status_label, point.amount].forEach(function (text) {
      var line = document.createElement("div");
      line.textContent = text;
      root.appendChild(line);
    });
    if (point.outside) {
      var warning = document.createElement("div");
      warning.className = "text-danger small";
      warning.textContent = point.outside;
      root.appendChild(warning);
    }
    return root;
  }

  var points = L.featureGroup().addTo(map);
  data.points.forEach(function (point) {
    L.circleMarker([point.lat, point.lng], {
      radius: 7,
      fillColor: point.colour,
      fillOpacity: 0.9,
      color: point.outside ? "#dc3545" : "#ffffff",
      weight: point.outside ? 3 : 1
    }).bindPopup(popup(point)).addTo(points);
  });
  var bounds = data.points.length ? points.getBounds().extend(boxes.getBounds()) : boxes.getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [20, 20], maxZoom: 13 });
  } else {
    map.setView([-2.5, 114.5], 7);
  }
  holder.setAttribute("data-ready", String(data.points.length));
}());
