/* Intake form: pin the incident on the map, resolve its areas, linked category selects and the
 * citizen-ID check digit; similar complaints (pins on the map too) as the officer pins and
 * types, and a person's other complaints once the citizen ID is complete (issue 8). The
 * server checks everything again; this only gives feedback early. */
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
    scheduleDuplicates();
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

  /* The public filing page has no panels of other cases (a citizen never sees them). */
  if (!document.getElementById("duplicate-panel")) {
    form.addEventListener("submit", function (e) {
      if (!checkCid()) {
        e.preventDefault();
        cidInput.focus();
      }
    });
    return;
  }

  /* ------------------------------------------------------------------ similar complaints */
  var statusLabels = readJson("intake-status-labels") || {};
  var nameOf = {};
  categories.forEach(function (c) {
    nameOf[c.code] = c.name;
    (c.children || []).forEach(function (s) { nameOf[s.code] = s.name; });
  });
  var descInput = form.querySelector("[name=description]");
  var dupPanel = document.getElementById("duplicate-panel");
  var dupPins = L.layerGroup().addTo(map);
  var dupTimer = null;
  var dupSeq = 0;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // Buddhist-Era dates, as the rest of the site shows them (th-TH's calendar is Buddhist).
  function thaiDate(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return "";
    return d.toLocaleDateString("th-TH", { year: "numeric", month: "short", day: "numeric",
                                            timeZone: "Asia/Bangkok" });
  }

  function caseLink(row) {
    if (!row.visible) return el("strong", null, row.tracking_no);
    var a = el("a", null, row.tracking_no);
    a.href = msg.caseUrl + encodeURIComponent(row.tracking_no) + "/";
    a.target = "_blank";
    a.rel = "noopener";
    return a;
  }

  function facts(row, extra) {
    var parts = extra.slice();
    parts.push(thaiDate(row.received_at));
    parts.push(statusLabels[row.status] || row.status);
    parts.push(nameOf[row.category_code] || row.category_code);
    parts.push(msg.msgDistrict + " " + row.district_code + " · " + msg.msgProvince + " " +
               row.province_code);
    return el("span", "facts", parts.filter(Boolean).join(" · "));
  }

  function showPanel(panel, status, rows, render) {
    var list = panel.querySelector('[data-role="list"]');
    while (list.firstChild) list.removeChild(list.firstChild);
    panel.querySelector('[data-role="status"]').textContent = status;
    rows.forEach(function (row) { list.appendChild(render(row)); });
    var hint = panel.querySelector('[data-role="hint"]');
    if (hint) hint.hidden = !rows.length;
    panel.hidden = false;
  }

  function duplicateItem(row) {
    var li = el("li");
    li.dataset.trackingNo = row.tracking_no;
    li.appendChild(caseLink(row));
    if (row.likely) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "likely", msg.msgDupLikely)); }
    if (!row.visible) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "outside", "(" + msg.msgDupOutside + ")")); }
    li.appendChild(facts(row, [msg.msgMetres.replace("{n}", Math.round(row.distance_m)),
                               msg.msgDays.replace("{n}", row.days_apart)]));
    var link = el("button", "btn secondary small dup-link", msg.msgDupLink);
    link.type = "button";
    link.addEventListener("click", function () { setLink(row.tracking_no); });
    li.appendChild(link);
    return li;
  }

  // "ผูกกับเรื่องเดิม": the hidden field the server reads; saving then links the new case.
  var linkInput = form.querySelector("[name=duplicate_of]");
  var linkStatus = document.getElementById("duplicate-link-status");
  function setLink(number) {
    linkInput.value = number || "";
    linkStatus.hidden = !number;
    linkStatus.querySelector('[data-role="text"]').textContent =
      number ? msg.msgDupLinked.replace("{n}", number) : "";
    dupPanel.querySelectorAll("li[data-tracking-no]").forEach(function (li) {
      li.classList.toggle("chosen", li.dataset.trackingNo === number);
    });
  }
  document.getElementById("duplicate-link-cancel").addEventListener("click", function () {
    setLink("");
  });
  if (linkInput.value) setLink(linkInput.value); // back from the server with errors

  function checkDuplicates() {
    if (!document.getElementById("duplicate-panel")) return; // the public page
    var lat = latInput.value.trim(), lon = lonInput.value.trim();
    var main = byCode[mainSelect.value];
    if (!lat || !lon || !main) { dupPanel.hidden = true; dupPins.clearLayers(); return; }
    var params = { lat: lat, lon: lon, category: main.code,
                   description: descInput.value.slice(0, 5000) };
    if (subSelect.value && !main.is_other) params.subcategory = subSelect.value;
    var query = Object.keys(params).filter(function (k) { return params[k] !== ""; })
      .map(function (k) { return k + "=" + encodeURIComponent(params[k]); }).join("&");
    var seq = ++dupSeq;
    fetch(msg.duplicatesUrl + "?" + query,
          { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (body) {
        if (seq !== dupSeq) return;
        var rows = body.results || [];
        dupPins.clearLayers();
        rows.forEach(function (row) {
          if (row.lat === null || row.lon === null) return; // outside the area: no position
          L.circleMarker([row.lat, row.lon], {
            radius: 8, color: "#8a1c1c", weight: 2, fillColor: row.likely ? "#d9534f" : "#f0ad4e",
            fillOpacity: 0.85, className: "damrong-duplicate-pin",
          }).bindTooltip(row.tracking_no + " · " +
                       msg.msgMetres.replace("{n}", Math.round(row.distance_m)))
            .addTo(dupPins);
        });
        showPanel(dupPanel, rows.length ? msg.msgDupFound : msg.msgDupNone, rows, duplicateItem);
        if (linkInput.value) setLink(linkInput.value);
      })
      .catch(function () {
        if (seq !== dupSeq) return;
        dupPins.clearLayers();
        showPanel(dupPanel, msg.msgDupFailed, [], duplicateItem);
      });
  }

  function scheduleDuplicates() {
    if (!document.getElementById("duplicate-panel")) return; // the public page
    clearTimeout(dupTimer);
    dupTimer = setTimeout(checkDuplicates, 400);
  }
  mainSelect.addEventListener("change", scheduleDuplicates);
  subSelect.addEventListener("change", scheduleDuplicates);
  descInput.addEventListener("input", scheduleDuplicates);
  window.damrongIntake.duplicatePins = dupPins;
  window.damrongIntake.checkDuplicates = checkDuplicates;

  /* ------------------------------------------------------------------ the person's other cases */
  var personPanel = document.getElementById("person-panel");
  var personSeq = 0;

  function personItem(row) {
    var li = el("li");
    li.dataset.trackingNo = row.tracking_no;
    li.appendChild(caseLink(row));
    if (!row.visible) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "outside", "(" + msg.msgDupOutside + ")")); }
    li.appendChild(facts(row, []));
    return li;
  }

  function checkPerson() {
    if (!document.getElementById("duplicate-panel")) return; // the public page
    var cid = cidInput.value.replace(/[\s-]/g, "");
    if (!/^[0-9]{13}$/.test(cid) || citizenIdProblem(cid)) { personPanel.hidden = true; return; }
    var seq = ++personSeq;
    fetch(msg.peopleUrl + "?citizen_id=" + encodeURIComponent(cid),
          { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (body) {
        if (seq !== personSeq) return;
        var rows = body.results || [];
        showPanel(personPanel, rows.length ? msg.msgPersonFound : msg.msgPersonNone, rows,
                  personItem);
      })
      .catch(function () {
        if (seq === personSeq) showPanel(personPanel, msg.msgPersonFailed, [], personItem);
      });
  }
  cidInput.addEventListener("input", checkPerson);
  if (cidInput.value) checkPerson();
  if (latInput.value && lonInput.value) scheduleDuplicates();

  form.addEventListener("submit", function (e) {
    if (!checkCid()) {
      e.preventDefault();
      cidInput.focus();
    }
  });
})();
