/* The sub-district team's phone page: "my cases" on a map and as a list, re-sorted by distance
 * once the phone knows where it is. Distances come from the server (PostGIS geography), so
 * the list order is the database's; this script only asks and redraws. */
(function () {
  "use strict";

  var tools = document.getElementById("team-tools");
  if (!tools) return;
  var cfg = tools.dataset;
  var statusOut = document.getElementById("position-status");
  var openList = document.getElementById("open-cases");
  var closedList = document.getElementById("closed-cases");
  var sort = cfg.sort || "oldest";
  var position = null; // {lat, lon, acc}
  // Nearest first once the position is known, unless the user asked for an order.
  var userChoseSort = cfg.sortExplicit === "1";

  function caseUrl(trackingNo) {
    return cfg.caseUrl.replace("TRACKING", encodeURIComponent(trackingNo));
  }

  /* ------------------------------------------------------------------ the map */
  function readJson(id) {
    var e = document.getElementById(id);
    return e ? JSON.parse(e.textContent) : null;
  }
  var map = L.map("team-map", { attributionControl: true, zoomControl: true });
  map.attributionControl.setPrefix(false);
  var config = readJson("damrong-map-config") || {};
  var areas = L.geoJSON(readJson("team-areas"), {
    style: function () {
      return { color: "#1d3f72", weight: 1.5, fillColor: "#c79a2e", fillOpacity: 0.08,
               className: "damrong-intake-area" };
    },
  }).addTo(map);
  if (areas.getLayers().length) map.fitBounds(areas.getBounds(), { padding: [6, 6] });
  else map.setView([13.7, 100.5], 6);

  var caseLayer = L.layerGroup().addTo(map);
  // A base map under the boundaries (when configured), place names, and the legend.
  var names = DamrongMap.labels(map, readJson("team-labels") || []).addTo(map);
  var overlays = {};
  overlays[cfg.msgAreas] = areas;
  overlays[cfg.msgCases] = caseLayer;
  overlays[cfg.msgNames] = names;
  L.control.layers(DamrongMap.baseLayers(map, config.base), overlays, { collapsed: true }).addTo(map);
  DamrongMap.legend(map, { title: cfg.msgLegend, items: readJson("team-legend") || [] });
  window.damrongTeam = { map: map, cases: caseLayer };
  var youMarker = null;
  var markers = {};

  function statusColor(p) {
    if (p.overdue) return "#b3261e";
    return { received: "#1d63c7", assigned: "#6a3fb5", in_progress: "#c77700",
             forwarded: "#00838f" }[p.status] || "#555";
  }

  function highlight(trackingNo) {
    var items = document.querySelectorAll(".case-item");
    for (var i = 0; i < items.length; i++) {
      items[i].classList.toggle("active", items[i].dataset.tracking === trackingNo);
    }
    var item = document.querySelector('.case-item[data-tracking="' + trackingNo + '"]');
    if (item && item.scrollIntoView) item.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function drawCases(fc) {
    caseLayer.clearLayers();
    markers = {};
    (fc.features || []).forEach(function (f) {
      var p = f.properties;
      var c = f.geometry.coordinates;
      var m = L.circleMarker([c[1], c[0]], {
        radius: 8, weight: 2, color: "#fff", fillColor: statusColor(p), fillOpacity: 0.95,
      });
      var box = document.createElement("div");
      var link = document.createElement("a");
      link.href = caseUrl(p.tracking_no);
      link.textContent = p.tracking_no;
      var label = document.createElement("div");
      label.textContent = p.label || "";
      box.appendChild(link);
      box.appendChild(label);
      m.bindPopup(box);
      m.on("click", function () { highlight(p.tracking_no); });
      m.addTo(caseLayer);
      markers[p.tracking_no] = m;
    });
    var bounds = areas.getLayers().length ? areas.getBounds() : null;
    if (fc.features && fc.features.length) {
      var cb = L.featureGroup(caseLayer.getLayers()).getBounds();
      bounds = bounds ? bounds.extend(cb) : cb;
    }
    if (youMarker) bounds = bounds ? bounds.extend(youMarker.getLatLng()) : null;
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12], maxZoom: 15 });
  }

  function loadMap() {
    return fetch(cfg.mapUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(drawCases)
      .catch(function () { statusOut.textContent = cfg.msgFailed; });
  }

  /* ------------------------------------------------------------------ the list */
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function caseItem(c) {
    var li = el("li", "case-item" + (c.status === "closed" ? " closed" : "") + (c.overdue ? " overdue" : ""));
    li.dataset.tracking = c.tracking_no;
    li.dataset.lat = c.lat;
    li.dataset.lon = c.lon;
    var a = el("a", "case-link");
    a.href = caseUrl(c.tracking_no);
    var row1 = el("span", "row1");
    row1.appendChild(el("span", "tno", c.tracking_no));
    row1.appendChild(el("span", "dist", c.distance_label || ""));
    a.appendChild(row1);
    a.appendChild(el("span", "title", c.title || c.category));
    var meta = el("span", "meta");
    meta.appendChild(el("span", "badge status-" + c.status, c.status_label));
    meta.appendChild(el("span", null, c.category + ((c.subcategory || c.subcategory_text) ? " · " + (c.subcategory || c.subcategory_text) : "")));
    meta.appendChild(el("span", null, cfg.msgSubdistrict + " " + c.subdistrict));
    meta.appendChild(el("span", null, cfg.msgReceived + " " + c.received_label));
    if (c.due_label && c.status !== "closed") {
      meta.appendChild(el("span", "due", (c.overdue ? cfg.msgOverdue : cfg.msgDue) + " " + c.due_label));
    }
    a.appendChild(meta);
    li.appendChild(a);
    return li;
  }

  function drawList(data) {
    openList.textContent = "";
    if (!data.open.length) openList.appendChild(el("li", "muted", cfg.msgNone));
    data.open.forEach(function (c) { openList.appendChild(caseItem(c)); });
    if (closedList) {
      closedList.textContent = "";
      data.closed.forEach(function (c) { closedList.appendChild(caseItem(c)); });
    }
  }

  // The position goes in a POST body, never in the address (addresses end up in access logs).
  function loadList() {
    var body = { sort: sort };
    if (position) {
      body.lat = Number(position.lat.toFixed(6));
      body.lon = Number(position.lon.toFixed(6));
    }
    return fetch(cfg.casesUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": tools.querySelector("input[name=csrfmiddlewaretoken]").value,
      },
      body: JSON.stringify(body),
    })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(drawList)
      .catch(function () { statusOut.textContent = cfg.msgFailed; });
  }

  function setSort(value) {
    sort = value;
    var buttons = tools.querySelectorAll(".seg button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-current", buttons[i].dataset.sort === sort ? "true" : "false");
    }
  }

  // Without this script the buttons POST the form (no position); with it, the list is redrawn
  // in place.
  tools.querySelectorAll(".seg button").forEach(function (button) {
    button.addEventListener("click", function (e) {
      e.preventDefault();
      userChoseSort = true;
      setSort(button.dataset.sort);
      if (sort === "nearest" && !position) locate();
      else loadList();
    });
  });

  /* ------------------------------------------------------------------ position */
  function locate() {
    if (!navigator.geolocation) { statusOut.textContent = cfg.msgNoGps; return; }
    statusOut.textContent = cfg.msgLocating;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        position = { lat: pos.coords.latitude, lon: pos.coords.longitude,
                     acc: Math.round(pos.coords.accuracy || 0) };
        document.getElementById("position-lat").value = position.lat.toFixed(6);
        document.getElementById("position-lon").value = position.lon.toFixed(6);
        statusOut.textContent = cfg.msgLocated.replace("%(acc)s", position.acc);
        var ll = [position.lat, position.lon];
        if (!youMarker) {
          youMarker = L.circleMarker(ll, { radius: 7, color: "#fff", weight: 3, fillColor: "#1a73e8", fillOpacity: 1 })
            .bindTooltip(cfg.msgYou).addTo(map);
        } else {
          youMarker.setLatLng(ll);
        }
        if (!userChoseSort) setSort("nearest");
        loadList();
        loadMap();
      },
      function () {
        statusOut.textContent = cfg.msgNoGps;
        setSort("oldest");
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }
  document.getElementById("locate-me").addEventListener("click", locate);

  loadMap();
  locate();
})();

/* One case on the phone: its small map, and the GPS position of the visit for a note. */
(function () {
  "use strict";

  var dataEl = document.getElementById("case-map-data");
  if (dataEl && document.getElementById("case-map")) {
    var data = JSON.parse(dataEl.textContent);
    var map = L.map("case-map", { attributionControl: false, zoomControl: false });
    var layers = [];
    if (data.subdistrict) {
      layers.push(L.geoJSON(data.subdistrict, {
        style: function () { return { color: "#1d3f72", weight: 1.5, fillOpacity: 0.05 }; },
      }));
    }
    var pt = L.circleMarker([data.point.lat, data.point.lon], {
      radius: 9, weight: 2, color: "#fff", fillColor: "#b3261e", fillOpacity: 1,
    });
    layers.push(pt);
    (data.visits || []).forEach(function (v) {
      layers.push(L.circleMarker([v.lat, v.lon], {
        radius: 6, weight: 2, color: "#fff", fillColor: "#1a73e8", fillOpacity: 1,
      }));
    });
    var group = L.featureGroup(layers).addTo(map);
    map.fitBounds(group.getBounds(), { padding: [10, 10], maxZoom: 15 });
  }

  var gpsButton = document.getElementById("visit-gps");
  if (!gpsButton) return;
  var form = document.getElementById("note-form");
  var out = document.getElementById("visit-gps-out");
  gpsButton.addEventListener("click", function () {
    if (!navigator.geolocation) { out.textContent = form.dataset.msgNoGps; return; }
    out.textContent = form.dataset.msgLocating;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        var c = pos.coords;
        document.getElementById("visit-lat").value = c.latitude.toFixed(6);
        document.getElementById("visit-lon").value = c.longitude.toFixed(6);
        document.getElementById("visit-acc").value = Math.round(c.accuracy || 0);
        out.textContent = c.latitude.toFixed(5) + ", " + c.longitude.toFixed(5) +
          " (±" + Math.round(c.accuracy || 0) + " m)";
      },
      function () { out.textContent = form.dataset.msgNoGps; },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 }
    );
  });
})();
