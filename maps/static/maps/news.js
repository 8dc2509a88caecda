/* News and activities (issue 11): the posts' places on the public map, and the place picker
   of the centres' form. Text is written as text nodes, never as HTML. */
(function () {
  "use strict";
  function register(map, key, layer) {
    var maps = window.damrongMaps || {};
    Object.keys(maps).forEach(function (id) {
      if (maps[id].map === map) { maps[id].layers[key] = layer; }
    });
  }
  function style() {
    return { radius: 9, color: "#ffffff", weight: 2, fillColor: "#b45309", fillOpacity: 0.95 };
  }
  window.DamrongNews = {
    points: function (map, options) {
      var group = L.featureGroup();
      (options.points || []).forEach(function (p) {
        var marker = L.circleMarker([p.lat, p.lon], style());
        var box = document.createElement("div");
        var link = document.createElement("a");
        link.href = p.url;
        link.textContent = p.title;
        box.appendChild(link);
        var line = document.createElement("div");
        line.textContent = p.activity_date + " · " + p.place_name;
        box.appendChild(line);
        marker.bindPopup(box);
        marker.bindTooltip(p.title);
        group.addLayer(marker);
      });
      group.addTo(map);
      register(map, options.key || "news", group);
      if (options.fit && group.getLayers().length) {
        map.fitBounds(group.getBounds(), { maxZoom: 12, padding: [24, 24] });
      }
    },
    picker: function (map, options) {
      var lat = document.getElementById(options.lat);
      var lon = document.getElementById(options.lon);
      var marker = null;
      function place(latlng, pan) {
        if (marker) { marker.setLatLng(latlng); } else {
          marker = L.circleMarker(latlng, style()).addTo(map);
          register(map, "place", marker);
        }
        if (pan) { map.setView(latlng, Math.max(map.getZoom(), 12)); }
      }
      function fromInputs(pan) {
        var y = parseFloat(lat.value), x = parseFloat(lon.value);
        if (isFinite(y) && isFinite(x)) { place([y, x], pan); }
      }
      map.on("click", function (e) {
        lat.value = e.latlng.lat.toFixed(6);
        lon.value = e.latlng.lng.toFixed(6);
        place(e.latlng, false);
      });
      lat.addEventListener("change", function () { fromInputs(true); });
      lon.addEventListener("change", function () { fromInputs(true); });
      var gps = document.getElementById("news-gps");
      if (gps && navigator.geolocation) {
        gps.hidden = false;
        gps.addEventListener("click", function () {
          navigator.geolocation.getCurrentPosition(function (pos) {
            lat.value = pos.coords.latitude.toFixed(6);
            lon.value = pos.coords.longitude.toFixed(6);
            fromInputs(true);
          });
        });
      }
      fromInputs(true);
    }
  };
})();
