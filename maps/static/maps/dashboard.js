/* The choropleth dashboard (maps/views/dashboards.py): draws the level's shapes once (TopoJSON
 * from /api/stats/shapes/…, cached for a year), colours them with the figures (embedded in the
 * page, then /api/stats/figures.json on every filter change: numbers, not shapes), and keeps
 * the legend, the tiles, the ranked table and the charts in step.
 *
 * Clicking an area opens its dashboard (down a level, filters kept); at the lowest level
 * (a district's sub-districts) it picks the area instead: the tiles and the charts then show
 * it alone. Clicking a chart bar filters the whole page by that category or month.
 * Text from data is always written as text (textContent), never as HTML.
 */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("dash-config").textContent);
  var figures = JSON.parse(document.getElementById("dash-figures").textContent);
  var T = cfg.text;
  var form = document.getElementById("dash-form");
  var areaInput = document.getElementById("f-area");
  var nf0 = new Intl.NumberFormat(cfg.lang === "th" ? "th-TH" : "en-GB", {maximumFractionDigits: 0});
  var nf1 = new Intl.NumberFormat(cfg.lang === "th" ? "th-TH" : "en-GB", {maximumFractionDigits: 1});
  var nf2 = new Intl.NumberFormat(cfg.lang === "th" ? "th-TH" : "en-GB", {maximumFractionDigits: 2});
  var layer = null;
  var byCode = {};
  var pending = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function fmt(key, value) {
    if (value === null || value === undefined) return T.no_data;
    if (key === "share_closed") return nf1.format(value) + " %";
    if (key === "per_10k") return nf2.format(value);
    if (key === "median_days_to_close") return nf1.format(value) + " " + T.days;
    return nf0.format(value);
  }

  // --- TopoJSON → GeoJSON (the inverse of boundaries/shapes.py: topology) -------------------
  function decode(topo) {
    var sx = topo.transform.scale[0], sy = topo.transform.scale[1];
    var tx = topo.transform.translate[0], ty = topo.transform.translate[1];
    var arcs = topo.arcs.map(function (arc) {
      var x = 0, y = 0;
      return arc.map(function (d) { x += d[0]; y += d[1]; return [x * sx + tx, y * sy + ty]; });
    });
    function ring(ids) {
      var points = [];
      ids.forEach(function (i) {
        var arc = i >= 0 ? arcs[i] : arcs[~i].slice().reverse();
        points = points.concat(points.length ? arc.slice(1) : arc);
      });
      return points;
    }
    var features = [];
    topo.objects.areas.geometries.forEach(function (g) {
      var geometry = null;
      if (g.type === "Polygon") geometry = {type: "Polygon", coordinates: g.arcs.map(ring)};
      else if (g.type === "MultiPolygon") {
        geometry = {type: "MultiPolygon", coordinates: g.arcs.map(function (p) { return p.map(ring); })};
      }
      if (geometry) features.push({type: "Feature", id: g.id, properties: g.properties, geometry: geometry});
    });
    return {type: "FeatureCollection", features: features};
  }

  // --- parameters ---------------------------------------------------------------------------
  function params(withArea) {
    var p = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.disabled || !field.value) return;
      if (field.name === "area" && !withArea) return;
      if (field.name === "metric" && field.value === "complaints") return;
      if (field.name === "classes" && field.value === "quantiles") return;
      p.set(field.name, field.value);
    });
    return p;
  }

  function downUrl(code) {
    var q = params(false).toString();
    return cfg.dashboard_url.replace("CODE", code) + (q ? "?" + q : "");
  }

  function syncLinks() {
    var q = params(false).toString();
    document.querySelectorAll("#dash-crumbs a.dash-crumb, #dash-table a").forEach(function (a) {
      a.href = a.href.split("?")[0] + (q ? "?" + q : "");
    });
    var geo = document.getElementById("dash-geojson");
    if (geo) {
      var g = params(false);
      g.set("parent", cfg.parent);
      geo.href = cfg.geojson_url + "?" + g.toString();
    }
  }

  // --- drawing ------------------------------------------------------------------------------
  function style(feature) {
    var row = byCode[feature.id];
    var picked = figures.area && figures.area === feature.id;
    var color = figures.classes.no_data_color;
    if (row && row["class"] !== null && row["class"] !== undefined) {
      color = figures.classes.intervals[row["class"]].color;
    }
    return {
      color: picked ? "#111111" : "#5b6470",
      weight: picked ? 3 : 1,
      opacity: 1,
      fillColor: color,
      fillOpacity: row && row["class"] !== null ? 0.85 : 0.5,
      dashArray: row && row["class"] !== null ? null : "3 3",
      className: "dash-area"
    };
  }

  function tooltip(target) {
    var row = byCode[target.feature.id] || {};
    var box = el("div", "dash-tip");
    box.appendChild(el("strong", null, target.feature.properties.name_th));
    var dl = el("dl");
    [["value", figures.metric_label, figures.metric],
     ["complaints", T.complaints, "complaints"],
     ["per_10k", T.per_10k, "per_10k"],
     ["share_closed", T.share_closed, "share_closed"],
     ["open_backlog", T.open_backlog, "open_backlog"],
     ["overdue", T.overdue, "overdue"],
     ["median_days_to_close", T.median_days_to_close, "median_days_to_close"]].forEach(function (r, i) {
      if (i > 0 && r[2] === figures.metric) return;
      dl.appendChild(el("dt", null, r[1]));
      dl.appendChild(el("dd", null, fmt(r[2], row[r[0]])));
    });
    box.appendChild(dl);
    box.appendChild(el("div", "muted small", cfg.goes_down ? T.click_down : T.click_pick));
    return box;
  }

  function drawShapes(geojson) {
    var map = window.damrongMaps[cfg.map_id].map;
    layer = L.geoJSON(geojson, {
      style: style,
      onEachFeature: function (feature, lyr) {
        lyr.bindTooltip(tooltip, {sticky: true});
        lyr.on("click", function () { choose(feature.id); });
      }
    }).addTo(map);
    window.damrongMaps[cfg.map_id].layers.areas = layer;
    if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), {padding: [8, 8]});
    document.getElementById("dashboard").setAttribute("data-shapes", String(geojson.features.length));
  }

  function choose(code) {
    if (cfg.goes_down) {
      window.location.href = downUrl(code);
      return;
    }
    pick(figures.area === code ? null : code);
  }

  function pick(code) {
    if (code) { areaInput.disabled = false; areaInput.value = code; }
    else { areaInput.value = ""; areaInput.disabled = true; }
    refresh();
  }

  function renderLegend() {
    document.getElementById("dash-legend-title").textContent = figures.metric_label;
    var ul = document.querySelector("#dash-legend ul");
    ul.textContent = "";
    figures.classes.intervals.forEach(function (iv) {
      var li = el("li");
      var sw = el("span", "swatch");
      sw.style.background = iv.color;
      li.appendChild(sw);
      li.appendChild(document.createTextNode(iv.label));
      ul.appendChild(li);
    });
    var li = el("li");
    var sw = el("span", "swatch nodata");
    sw.style.background = figures.classes.no_data_color;
    li.appendChild(sw);
    li.appendChild(document.createTextNode(figures.classes.no_data_label));
    ul.appendChild(li);
    var method = document.querySelector("#dash-legend-method span");
    var choice = document.querySelector('#f-classes option[value="' + figures.classes.method + '"]');
    if (figures.classes.method === "target") {
      method.textContent = T.target + " " + figures.target + " %";
    } else if (choice) {
      method.textContent = choice.textContent;
    }
  }

  function renderTotal() {
    var t = figures.total;
    document.querySelectorAll("#dash-total .n").forEach(function (n) {
      var key = n.getAttribute("data-key");
      var v = t[key];
      n.textContent = v === null || v === undefined ? "–" : fmt(key, v).replace(" " + T.days, "");
    });
    var share = document.getElementById("tile-share");
    share.classList.toggle("on-target", t.on_target === true);
    share.classList.toggle("below", t.on_target === false);
    var scope = document.getElementById("dash-scope");
    scope.textContent = figures.area && byCode[figures.area]
      ? byCode[figures.area].name_th + " — " + T.click_pick
      : "";
  }

  function renderTable() {
    document.getElementById("dash-value-head").textContent = figures.metric_label;
    document.getElementById("dash-table").setAttribute("data-metric", figures.metric);
    var body = document.querySelector("#dash-table tbody");
    body.textContent = "";
    figures.areas.forEach(function (row, i) {
      var tr = el("tr");
      tr.setAttribute("data-code", row.code);
      if (figures.area === row.code) tr.className = "picked";
      tr.appendChild(el("td", null, String(i + 1)));
      var name = el("td", "name");
      if (cfg.goes_down) {
        var a = el("a", null, row.name_th);
        a.href = downUrl(row.code);
        name.appendChild(a);
      } else {
        var b = el("button", "linkish", row.name_th);
        b.type = "button";
        b.setAttribute("data-pick", row.code);
        name.appendChild(b);
      }
      tr.appendChild(name);
      [[row.value, figures.metric, "num value"], [row.complaints, "complaints", "num c-complaints"],
       [row.per_10k, "per_10k", "num c-per_10k"],
       [row.share_closed, "share_closed", "num c-share_closed"]].forEach(function (c) {
        var td = el("td", c[2]);
        if (c[0] === null || c[0] === undefined) td.appendChild(el("span", "muted", T.no_data));
        else td.textContent = fmt(c[1], c[0]).replace(" %", "").replace(" " + T.days, "");
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function renderChart(id, rows, onClick) {
    var box = document.querySelector("#" + id + " .bars");
    box.textContent = "";
    var max = 0;
    rows.forEach(function (r) { if (r.value !== null && r.value > max) max = r.value; });
    rows.forEach(function (r) {
      var b = el("button", "bar" + (r.selected ? " selected" : ""));
      b.type = "button";
      b.setAttribute("data-key", r.key);
      b.setAttribute("aria-pressed", r.selected ? "true" : "false");
      b.appendChild(el("span", "bar-label", r.label));
      var track = el("span", "bar-track");
      var fill = el("span", "bar-fill");
      fill.style.width = (r.value && max ? Math.max(2, 100 * r.value / max) : 0) + "%";
      track.appendChild(fill);
      b.appendChild(track);
      b.appendChild(el("span", "bar-value", fmt(figures.metric, r.value)));
      b.addEventListener("click", function () { onClick(r); });
      box.appendChild(b);
    });
  }

  function setSelectValue(select, value, label) {
    if (value && !select.querySelector('option[value="' + value + '"]')) {
      var o = el("option", null, label);
      o.value = value;
      select.appendChild(o);
    }
    select.value = value;
  }

  function renderCharts() {
    if (!figures.charts) return;
    renderChart("chart-category", figures.charts.category, function (r) {
      var select = document.getElementById("f-category");
      select.value = r.selected ? "" : r.key;
      refresh();
    });
    renderChart("chart-month", figures.charts.month, function (r) {
      var since = document.getElementById("f-since");
      var until = document.getElementById("f-until");
      var y = parseInt(r.key.slice(0, 4), 10), m = parseInt(r.key.slice(5, 7), 10);
      var first = r.key + "-01";
      var last = r.key + "-" + String(new Date(y, m, 0).getDate()).padStart(2, "0");
      if (since.value === first && until.value === last) {
        since.value = "";
        until.value = "";
      } else {
        setSelectValue(since, first, r.label);
        setSelectValue(until, last, r.label);
      }
      refresh();
    });
  }

  function render() {
    // The share closed is always classed around the target: no method to choose.
    document.getElementById("f-classes").disabled = figures.metric === "share_closed";
    byCode = {};
    figures.areas.forEach(function (row) { byCode[row.code] = row; });
    if (layer) layer.setStyle(style);
    renderLegend();
    renderTotal();
    renderTable();
    renderCharts();
    syncLinks();
    var asOf = document.getElementById("dash-asof");
    asOf.textContent = T.as_of + " " + new Date(figures.as_of).toLocaleString(
      cfg.lang === "th" ? "th-TH" : "en-GB", {dateStyle: "medium", timeStyle: "short"}) + ".";
  }

  function refresh() {
    var q = params(true);
    var page = q.toString();
    history.replaceState(null, "", window.location.pathname + (page ? "?" + page : ""));
    q.set("parent", cfg.parent);
    if (pending) pending.abort();
    pending = new AbortController();
    document.getElementById("dashboard").classList.add("loading");
    fetch(cfg.figures_url + "?" + q.toString(), {credentials: "same-origin", signal: pending.signal})
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (data) {
        figures = data;
        render();
        document.getElementById("dashboard").classList.remove("loading");
        document.getElementById("dashboard").setAttribute("data-ready", "figures");
      })
      .catch(function (e) {
        if (e.name === "AbortError") return;
        document.getElementById("dashboard").classList.remove("loading");
        document.getElementById("dash-scope").textContent = T.failed;
      });
  }

  form.addEventListener("change", function () { refresh(); });
  document.getElementById("f-metric").addEventListener("change", function () { refresh(); });
  // On a phone the filters fold away under their summary: the map comes first.
  if (window.matchMedia("(max-width: 600px)").matches) {
    document.getElementById("dash-filter-box").removeAttribute("open");
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); refresh(); });
  document.getElementById("dash-table").addEventListener("click", function (e) {
    var code = e.target.getAttribute && e.target.getAttribute("data-pick");
    if (code) pick(figures.area === code ? null : code);
  });

  render();
  fetch(cfg.shapes_url, {credentials: "same-origin"})
    .then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    })
    .then(function (topo) {
      drawShapes(decode(topo));
      document.getElementById("dashboard").setAttribute("data-ready", "map");
    })
    .catch(function () {
      document.getElementById("dash-scope").textContent = T.failed;
    });
})();
