/* Damrong GIS map helpers shared by every map (folium pages through maps/mapkit.py, and the
 * intake, team and case pages' own scripts): base layers with a layer switcher, place-name
 * labels where they fit, the area search box, legends and area popups.
 *
 * Everything that comes from data is written with textContent, never innerHTML. */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function thai() {
    return (document.documentElement.lang || "th").indexOf("en") !== 0;
  }

  function areaName(item) {
    return thai() || !item.name_en ? item.name_th : item.name_en;
  }

  /* ------------------------------------------------------------ base layers
   * config = {layers: [{name, url, attribution, max_zoom}], none: "label"}: the first layer
   * is shown; "none" leaves the boundaries as the base map. The map's container carries
   * damrong-on-tiles while a tile layer is shown, so that area fills turn see-through. */
  function baseLayers(map, config) {
    var bases = {};
    var first = null;
    ((config && config.layers) || []).forEach(function (b) {
      var layer = L.tileLayer(b.url, {
        attribution: b.attribution || "",
        maxZoom: b.max_zoom || 19,
        maxNativeZoom: b.max_native_zoom || b.max_zoom || 19,
        className: "damrong-base-tiles",
      });
      bases[b.name] = layer;
      if (!first) first = layer;
    });
    var none = L.layerGroup();
    bases[(config && config.none) || "—"] = none;
    (first || none).addTo(map);
    trackTiles(map);
    return bases;
  }

  function trackTiles(map) {
    var container = map.getContainer();
    function onTiles() {
      var tiles = false;
      map.eachLayer(function (layer) { if (layer instanceof L.TileLayer) tiles = true; });
      container.classList.toggle("damrong-on-tiles", tiles);
    }
    map.on("baselayerchange layeradd layerremove", onTiles);
    onTiles();
  }

  /* ------------------------------------------------------------ place names
   * items = [{level, code, name_th, name_en, lat, lon}]; a label shows within its level's zoom
   * range and only where it does not overlap a label of a larger area (or one placed
   * before it): provinces first, then districts, then sub-districts. */
  var LABEL_ZOOMS = {
    province: [0, 9.5],
    district: [8, 12.5],
    subdistrict: [10, 30],
  };
  var LABEL_ORDER = { province: 0, district: 1, subdistrict: 2 };

  function labels(map, items, opts) {
    opts = opts || {};
    var zooms = opts.zooms || LABEL_ZOOMS;
    if (!map.getPane("damrong-labels")) {
      var pane = map.createPane("damrong-labels");
      pane.style.zIndex = 450;
      pane.style.pointerEvents = "none";
    }
    var group = L.layerGroup();
    var entries = (items || []).slice().sort(function (a, b) {
      return LABEL_ORDER[a.level] - LABEL_ORDER[b.level];
    }).map(function (item) {
      var box = el("span", null, areaName(item));
      var marker = L.marker([item.lat, item.lon], {
        icon: L.divIcon({
          className: "damrong-label damrong-label-" + item.level,
          html: box,
          iconSize: null,
        }),
        pane: "damrong-labels",
        interactive: false,
        keyboard: false,
      });
      marker.damrongLabel = item;
      return { item: item, marker: marker };
    });

    function overlaps(a, b) {
      return !(a.right < b.left || b.right < a.left || a.bottom < b.top || b.bottom < a.top);
    }

    function place() {
      if (!map.hasLayer(group)) return;
      var zoom = map.getZoom();
      var view = map.getBounds().pad(0.1);
      var taken = [];
      entries.forEach(function (e) {
        var range = zooms[e.item.level] || [0, 30];
        var wanted = zoom >= range[0] && zoom < range[1] && view.contains(e.marker.getLatLng());
        if (!wanted) { group.removeLayer(e.marker); return; }
        group.addLayer(e.marker);
        var node = e.marker.getElement();
        var r = node ? node.firstChild.getBoundingClientRect() : null;
        if (!r) return;
        var pad = { left: r.left - 2, right: r.right + 2, top: r.top - 1, bottom: r.bottom + 1 };
        for (var i = 0; i < taken.length; i++) {
          if (overlaps(pad, taken[i])) { group.removeLayer(e.marker); return; }
        }
        taken.push(pad);
      });
    }
    map.on("zoomend moveend resize", place);
    group.on("add", function () { setTimeout(place, 0); });
    group.damrongPlace = place;
    return group;
  }

  /* ------------------------------------------------------------ area search
   * opts = {url, placeholder, empty, failed, levels: {province: "…", …}, onPick(hit)}:
   * a box in the map's top-left corner; typing asks the server (after a pause), Enter or a
   * click on a result zooms to the area. */
  function search(map, opts) {
    var Control = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = el("div", "damrong-search leaflet-bar");
        var form = el("form");
        form.setAttribute("role", "search");
        var input = el("input");
        input.type = "search";
        input.name = "q";
        input.autocomplete = "off";
        input.placeholder = opts.placeholder || "";
        input.setAttribute("aria-label", opts.placeholder || "");
        var list = el("ul", "damrong-search-results");
        list.hidden = true;
        form.appendChild(input);
        box.appendChild(form);
        box.appendChild(list);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        var timer = null;
        var seq = 0;
        var hits = [];

        function show(message) {
          list.textContent = "";
          list.hidden = false;
          list.appendChild(el("li", "muted", message));
        }

        function pick(hit) {
          list.hidden = true;
          input.value = areaName(hit);
          map.fitBounds(
            [[hit.bbox[1], hit.bbox[0]], [hit.bbox[3], hit.bbox[2]]],
            { padding: [12, 12], maxZoom: 15 }
          );
          if (opts.onPick) opts.onPick(hit);
        }

        function ask() {
          var q = input.value.trim();
          if (q.length < 2) { list.hidden = true; return; }
          var mine = ++seq;
          fetch(opts.url + "?q=" + encodeURIComponent(q), {
            credentials: "same-origin", headers: { Accept: "application/json" },
          })
            .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
            .then(function (res) {
              if (mine !== seq) return;
              if (!res.ok) { show(res.body.detail || opts.failed); return; }
              hits = res.body.results || [];
              if (!hits.length) { show(opts.empty); return; }
              list.textContent = "";
              list.hidden = false;
              hits.forEach(function (hit) {
                var li = el("li");
                var b = el("button", null);
                b.type = "button";
                b.appendChild(el("strong", null, areaName(hit)));
                var where = [(opts.levels || {})[hit.level] || hit.level];
                var district = thai() ? hit.district_name_th : hit.district_name_en || hit.district_name_th;
                var province = thai() ? hit.province_name_th : hit.province_name_en || hit.province_name_th;
                if (district) where.push(district);
                if (province) where.push(province);
                b.appendChild(el("span", "muted", " " + where.join(" · ")));
                b.dataset.code = hit.code;
                b.addEventListener("click", function () { pick(hit); });
                li.appendChild(b);
                list.appendChild(li);
              });
            })
            .catch(function () { if (mine === seq) show(opts.failed); });
        }

        input.addEventListener("input", function () {
          clearTimeout(timer);
          timer = setTimeout(ask, 250);
        });
        form.addEventListener("submit", function (e) {
          e.preventDefault();
          if (hits.length && !list.hidden) pick(hits[0]);
          else ask();
        });
        return box;
      },
    });
    var control = new Control();
    control.addTo(map);
    return control;
  }

  /* ------------------------------------------------------------ legend
   * opts = {title, items: [{label, color, shape: "dot"|"line"|"area"|"ramp", colors: [...]}]} */
  function legend(map, opts) {
    var Control = L.Control.extend({
      options: { position: opts.position || "bottomleft" },
      onAdd: function () {
        // A <details>: open on a wide screen, folded to its title on a phone.
        var box = el("details", "damrong-legend");
        box.open = window.innerWidth >= 600;
        box.setAttribute("role", "group");
        if (opts.title) {
          box.setAttribute("aria-label", opts.title);
          box.appendChild(el("summary", null, opts.title));
        }
        var list = el("ul");
        (opts.items || []).forEach(function (item) {
          var li = el("li");
          var sw = el("span", "swatch swatch-" + (item.shape || "dot"));
          if (item.shape === "ramp") {
            sw.style.background = "linear-gradient(to right, " + item.colors.join(", ") + ")";
          } else if (item.shape === "line") {
            sw.style.borderColor = item.color;
          } else {
            sw.style.background = item.color;
            if (item.border) sw.style.borderColor = item.border;
          }
          li.appendChild(sw);
          li.appendChild(el("span", null, item.label));
          list.appendChild(li);
        });
        box.appendChild(list);
        L.DomEvent.disableClickPropagation(box);
        return box;
      },
    });
    var control = new Control();
    control.addTo(map);
    return control;
  }

  /* ------------------------------------------------------------ area popups
   * props: {name_th, name_en, code, figures: {...}|null, links: [{url, label}]};
   * labels: {figure key: label}, the figures shown in that order. */
  function areaPopup(props, labels, opts) {
    opts = opts || {};
    var box = el("div", "damrong-popup damrong-area-popup");
    box.appendChild(el("strong", null, areaName(props) + " (" + props.code + ")"));
    if (props.note) box.appendChild(el("div", "muted", props.note));
    var figures = props.figures;
    if (figures && figures.complaints) {
      var dl = el("dl");
      Object.keys(labels).forEach(function (key) {
        var value = figures[key];
        dl.appendChild(el("dt", null, labels[key]));
        var shown = value === null || value === undefined ? "–" : String(value);
        if (key === "share_closed" && value !== null && value !== undefined) shown += " %";
        dl.appendChild(el("dd", null, shown));
      });
      box.appendChild(dl);
    } else {
      box.appendChild(el("p", "muted", opts.noData || "–"));
    }
    (props.links || []).forEach(function (link) {
      var p = el("p", "damrong-popup-link");
      var a = el("a", null, link.label);
      a.href = link.url;
      p.appendChild(a);
      box.appendChild(p);
    });
    return box;
  }

  window.DamrongMap = {
    baseLayers: baseLayers,
    trackTiles: trackTiles,
    labels: labels,
    search: search,
    legend: legend,
    areaPopup: areaPopup,
    el: el,
    LABEL_ZOOMS: LABEL_ZOOMS,
  };
})();
