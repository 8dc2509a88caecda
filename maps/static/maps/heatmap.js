/* The national heatmap: complaints counted on grid squares by the database
 * (/api/maps/grid.geojson), smaller squares as the map zooms in, coloured in five classes
 * (quantiles of the counts on screen), with a legend that says what each colour holds. */
(function () {
  "use strict";
  var cfgEl = document.getElementById("grid-config");
  if (!cfgEl || !window.damrongMaps) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var id = Object.keys(window.damrongMaps)[0];
  var entry = window.damrongMaps[id];
  var map = entry.map;
  // Sequential, colour-blind safe (ColorBrewer YlOrRd, 5 classes).
  var COLORS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
  var layer = L.geoJSON(null, {
    style: function () { return { weight: 0.6, color: "#7a2e0e", fillOpacity: 0.75 }; },
    onEachFeature: function (feature, l) {
      l.bindPopup(function () {
        var n = feature.properties.count;
        var box = DamrongMap.el("div", "damrong-popup");
        box.appendChild(DamrongMap.el("strong", null, n + " " + (n === 1 ? cfg.case : cfg.cases)));
        box.appendChild(DamrongMap.el("p", "muted", cfg.zoom_in));
        return box;
      });
    },
  }).addTo(map);
  entry.layers.grid = layer;
  if (entry.control) entry.control.addOverlay(layer, cfg.title);
  var legend = null;
  var seq = 0;

  function cellFor(zoom) {
    if (zoom < 6.5) return 40000;
    if (zoom < 7.5) return 20000;
    if (zoom < 8.5) return 10000;
    if (zoom < 9.5) return 5000;
    if (zoom < 10.5) return 2500;
    return 1200;
  }

  function breaks(counts) {
    var sorted = counts.slice().sort(function (a, b) { return a - b; });
    var out = [];
    for (var k = 1; k < COLORS.length; k++) {
      out.push(sorted[Math.min(sorted.length - 1, Math.floor((k * sorted.length) / COLORS.length))]);
    }
    return out;
  }

  function classOf(n, b) {
    for (var k = 0; k < b.length; k++) if (n <= b[k]) return k;
    return b.length;
  }

  function draw(fc) {
    layer.clearLayers();
    var counts = (fc.features || []).map(function (f) { return f.properties.count; });
    var b = counts.length ? breaks(counts) : [];
    layer.addData(fc);
    layer.eachLayer(function (l) {
      l.setStyle({ fillColor: COLORS[classOf(l.feature.properties.count, b)] });
    });
    if (legend) legend.remove();
    var items = [];
    var low = 1;
    if (!counts.length) items.push({ label: cfg.none, color: "#ffffff", shape: "area" });
    for (var k = 0; k < COLORS.length && counts.length; k++) {
      var high = k < b.length ? b[k] : Math.max.apply(null, counts);
      if (high < low) continue;
      items.push({ label: low === high ? String(low) : low + "–" + high, color: COLORS[k], shape: "area" });
      low = high + 1;
    }
    legend = DamrongMap.legend(map, { title: cfg.title, items: items });
    map.getContainer().dataset.gridCells = String(counts.length);
    map.getContainer().dataset.gridTotal = String(fc.total || 0);
  }

  function load() {
    var zoom = map.getZoom();
    var cell = cellFor(zoom);
    var q = "cell=" + cell + (cfg.query ? "&" + cfg.query : "");
    if (zoom >= 7.5) {
      var b = map.getBounds();
      q += "&bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map(function (v) { return v.toFixed(4); }).join(",");
    }
    var mine = ++seq;
    fetch(cfg.url + "?" + q, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (fc) { if (mine === seq) draw(fc); })
      .catch(function () { if (mine === seq) map.getContainer().dataset.gridError = cfg.failed; });
  }
  map.on("moveend", load);
  load();
})();
