/* Intake form: pin the incident on the map, resolve its areas, linked category selects and the
 * citizen-ID check digit. The server checks everything again; this only gives feedback early. */
(function () {
  "use strict";

  var form = document.getElementById("intake-form");
  if (!form) return;
  var msg = form.dataset;
  var latInput = form.querySelector("[name=lat]");
  var lonInput = form.querySelector("[name=lon]");
  var areaBox = document.getElementById("resolved-area");

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  /* ------------------------------------------------------------------ the map */
  var map = L.map("intake-map", { zoomControl: true, attributionControl: true });
  map.attributionControl.setPrefix(false);
  var config = readJson("damrong-map-config") || {};
  var baseMap = readJson("intake-base-map");
  var baseLayer = L.geoJSON(baseMap, {
    style: function () {
      return { color: "#1d3f72", weight: 1, fillColor: "#c79a2e", fillOpacity: 0.06,
               className: "damrong-intake-area" };
    },
    onEachFeature: function (feature, layer) {
      layer.bindTooltip(feature.properties.name_th, { sticky: true, direction: "top" });
      // A click on a polygon is a click on the map: pin there.
      layer.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng); });
    },
  }).addTo(map);
  if (baseLayer.getLayers().length) {
    map.fitBounds(baseLayer.getBounds(), { padding: [8, 8] });
  } else {
    map.setView([13.7, 100.5], 6); // Thailand, when the officer's area has no polygons
  }
  // A base map under the boundaries (when configured), place names, the area search (find a
  // sub-district by name, then click to pin inside it) and a legend.
  var names = DamrongMap.labels(map, readJson("intake-base-labels") || []).addTo(map);
  var overlays = {};
  overlays[msg.msgBoundaries] = baseLayer;
  overlays[msg.msgNames] = names;
  L.control.layers(DamrongMap.baseLayers(map, config.base), overlays, { collapsed: true }).addTo(map);
  if (config.search) DamrongMap.search(map, config.search);
  DamrongMap.legend(map, {
    title: msg.msgLegend,
    items: [
      { label: msg.msgPin, shape: "dot", color: "#2a81cb" },
      { label: msg.msgArea, shape: "area", color: "rgba(199,154,46,.2)", border: "#1d3f72" },
    ],
  });

  var marker = null;
  var lookupSeq = 0;

  function showArea(key, text) {
    var el = areaBox.querySelector('[data-area="' + key + '"]');
    if (el) el.textContent = text;
  }

  function clearArea(status) {
    showArea("subdistrict", "—");
    showArea("district", "—");
    showArea("province", "—");
    showArea("status", status || "");
  }

  function lookup(lat, lon) {
    var seq = ++lookupSeq;
    areaBox.classList.remove("outside", "inside");
    showArea("status", msg.msgLooking);
    var url = msg.lookupUrl + "?lat=" + encodeURIComponent(lat) + "&lon=" + encodeURIComponent(lon);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      })
      .then(function (res) {
        if (seq !== lookupSeq) return; // a newer pin already asked
        if (!res.ok) { clearArea(msg.msgLookupFailed); return; }
        var a = res.body;
        if (!a.inside) {
          areaBox.classList.add("outside");
          clearArea(msg.msgOutside);
          return;
        }
        areaBox.classList.add("inside");
        showArea("subdistrict", a.subdistrict_name_th + " (" + a.subdistrict_code + ")");
        showArea("district", a.district_name_th + " (" + a.district_code + ")");
        showArea("province", a.province_name_th + " (" + a.province_code + ")");
        showArea("status", "");
        areaBox.dataset.subdistrictCode = a.subdistrict_code;
      })
      .catch(function () {
        if (seq === lookupSeq) clearArea(msg.msgLookupFailed);
      });
  }

  function setPoint(lat, lon, opts) {
    opts = opts || {};
    if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return;
    var latlng = L.latLng(lat, lon);
    if (!marker) {
      marker = L.marker(latlng, { draggable: true, autoPan: true, keyboard: true }).addTo(map);
      marker.on("dragend", function () {
        var p = marker.getLatLng();
        setPoint(p.lat, p.lng);
      });
    } else {
      marker.setLatLng(latlng);
    }
    if (!opts.keepInputs) {
      latInput.value = lat.toFixed(6);
      lonInput.value = lon.toFixed(6);
    }
    if (opts.pan) map.setView(latlng, Math.max(map.getZoom(), 14));
    lookup(lat.toFixed(6), lon.toFixed(6));
  }

  map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng); });
  // For the browser tests and the console: the map and the pin setter.
  window.damrongIntake = { map: map, setPoint: setPoint };

  function fromInputs() {
    var lat = parseFloat(latInput.value);
    var lon = parseFloat(lonInput.value);
    if (isFinite(lat) && isFinite(lon)) setPoint(lat, lon, { pan: true, keepInputs: true });
  }
  latInput.addEventListener("change", fromInputs);
  lonInput.addEventListener("change", fromInputs);

  document.getElementById("use-gps").addEventListener("click", function () {
    if (!navigator.geolocation) { showArea("status", msg.msgGpsFailed); return; }
    showArea("status", msg.msgGpsWaiting);
    navigator.geolocation.getCurrentPosition(
      function (pos) { setPoint(pos.coords.latitude, pos.coords.longitude, { pan: true }); },
      function () { showArea("status", msg.msgGpsFailed); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });

  // Back from the server with errors: the pin the officer had placed is shown again.
  if (latInput.value && lonInput.value) fromInputs();

  /* ------------------------------------------------------------------ categories */
  var categories = readJson("intake-categories") || [];
  var byCode = {};
  categories.forEach(function (c) { byCode[c.code] = c; });
  var mainSelect = form.querySelector("[name=category]");
  var subSelect = form.querySelector("[name=subcategory]");
  var subSelectWrap = document.getElementById("subcategory-select-wrap");
  var subTextWrap = document.getElementById("subcategory-text-wrap");
  var subText = form.querySelector("[name=subcategory_text]");

  function syncCategory() {
    var main = byCode[mainSelect.value];
    var keep = subSelect.value;
    var isOther = !!(main && main.is_other);
    subSelectWrap.hidden = isOther;
    subTextWrap.hidden = !isOther;
    subText.required = isOther;
    subSelect.required = !!main && !isOther;
    subSelect.disabled = !main || isOther;
    while (subSelect.options.length) subSelect.remove(0);
    subSelect.add(new Option(msg.msgChoose, ""));
    (main ? main.children : []).forEach(function (s) {
      subSelect.add(new Option(s.name, s.code, false, s.code === keep));
    });
  }
  mainSelect.addEventListener("change", syncCategory);
  syncCategory();

  /* ------------------------------------------------------------------ citizen ID */
  var cidInput = form.querySelector("[name=complainant_citizen_id]");
  var cidFeedback = document.getElementById("cid-feedback");

  // The same rule as layers/validators.py: weights 13..2 on the first twelve digits,
  // check digit = (11 - sum mod 11) mod 10.
  function citizenIdProblem(raw) {
    var v = raw.replace(/[\s-]/g, "");
    if (!v) return "";
    if (!/^[0-9]{13}$/.test(v)) return msg.msgCidLength;
    var sum = 0;
    for (var i = 0; i < 12; i++) sum += parseInt(v.charAt(i), 10) * (13 - i);
    return (11 - (sum % 11)) % 10 === parseInt(v.charAt(12), 10) ? "" : msg.msgCidCheck;
  }

  function checkCid() {
    var problem = citizenIdProblem(cidInput.value);
    cidInput.setCustomValidity(problem);
    cidInput.setAttribute("aria-invalid", problem ? "true" : "false");
    cidFeedback.textContent = problem;
    cidFeedback.classList.toggle("error", !!problem);
    return !problem;
  }
  cidInput.addEventListener("input", function () {
    // Quiet while typing the first digits; speak once all thirteen are there or on leaving.
    if (cidInput.value.replace(/[\s-]/g, "").length >= 13) checkCid();
    else { cidInput.setCustomValidity(""); cidFeedback.textContent = ""; }
  });
  cidInput.addEventListener("blur", checkCid);

  form.addEventListener("submit", function (e) {
    if (!checkCid()) {
      e.preventDefault();
      cidInput.focus();
    }
  });
})();
