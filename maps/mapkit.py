"""folium maps that work with no internet, embedded in our own page layout.

folium points every map at CDNs (Leaflet, jQuery, Bootstrap, Font Awesome, awesome-markers).
District offices may have no internet, and complaint data must not leak requests to third
parties, so ``offline_map`` replaces those lists with the Leaflet files vendored under
``maps/static/vendor/`` (see its README) and nothing else. The layers below use only
Leaflet itself: folium's ``Popup`` and non-embedded ``GeoJson`` need jQuery, and its
``GeoJsonTooltip``/``GeoJsonPopup`` put property values into ``innerHTML``; ours write
text nodes, so a name with ``<`` in it is shown, never run.

Usage in a page view::

    m = mapkit.offline_map(bounds=province_bounds(code="49"))
    mapkit.AreaLayer(fc, name=_("Sub-districts"), key="subdistricts",
                     css_class="damrong-subdistrict", tooltip="{name_th} ({code})").add_to(m)
    features, lookups = mapkit.complaint_points(rows)
    mapkit.ComplaintLayer(features, lookups=lookups, name=_("Complaints")).add_to(m)
    context["map"] = mapkit.map_parts(m)

and in the template (which extends ``base.html``)::

    {% block head %}{{ map.header }}{% endblock %}
    {% block content %}<div class="map-frame">{{ map.html }}</div>{% endblock %}
    {% block scripts %}{{ map.script }}{% endblock %}

In the browser, ``window.damrongMaps[map.id]`` is ``{map, layers: {key: layer}}`` for page
scripts and tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import folium
from branca.element import Element, MacroElement
from django.conf import settings
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from folium.map import Layer
from folium.template import Template

from layers.models import Status
from layers.thaidate import format_be_date

LEAFLET_DIR = "vendor/leaflet-1.9.4"
HEAT_DIR = "vendor/leaflet.heat-0.2.0"
CLUSTER_DIR = "vendor/leaflet.markercluster-1.5.3"
MAPKIT_JS = "maps/mapkit.js"
MAPKIT_CSS = "maps/mapkit.css"
# Below this zoom an area's complaints are a heatmap; from it on, clustered markers.
CLUSTER_MIN_ZOOM = 12

# Complaint markers by status: distinguishable for the common colour-vision deficiencies
# (blue / orange / purple / teal / grey) and legible on white and on the boundary fill.
STATUS_COLORS = {
    Status.RECEIVED: "#1f5fbf",
    Status.ASSIGNED: "#7b3fa0",
    Status.IN_PROGRESS: "#e07b00",
    Status.FORWARDED: "#00838f",
    Status.CLOSED: "#6b7280",
}

# The boundary data's licence (CC BY 3.0 IGO) asks for this line wherever it is shown; see
# the data README, "Sources, licences, attribution".
BOUNDARY_ATTRIBUTION = (
    "Boundaries: Royal Thai Survey Department via OCHA HDX (COD-AB Thailand), CC BY 3.0 IGO; "
    "codes and names: GeoThai data (CC BY 4.0), DOPA"
)

SUBDISTRICT_STYLE = {
    "color": "#4b5563",
    "weight": 1,
    "opacity": 0.9,
    "fillColor": "#fdf6e3",
    "fillOpacity": 0.55,
}
DISTRICT_STYLE = {"color": "#1d3f72", "weight": 3, "opacity": 1, "fill": False}


def leaflet_assets() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """folium-style (name, url) lists of the vendored Leaflet JS and CSS, and of our own map
    helpers (``maps/static/maps/mapkit.js``: base layers, labels, search, legends)."""
    return (
        [
            ("leaflet", static(f"{LEAFLET_DIR}/leaflet.js")),
            ("damrong_mapkit", static(MAPKIT_JS)),
        ],
        [
            ("leaflet_css", static(f"{LEAFLET_DIR}/leaflet.css")),
            ("damrong_mapkit_css", static(MAPKIT_CSS)),
        ],
    )


def heat_assets() -> list[tuple[str, str]]:
    """Leaflet.heat, vendored (folium's ``HeatMap`` points at a CDN)."""
    return [("leaflet-heat.js", static(f"{HEAT_DIR}/leaflet-heat.js"))]


def cluster_assets() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Leaflet.markercluster, vendored (folium's ``MarkerCluster`` points at a CDN)."""
    return (
        [("markerclusterjs", static(f"{CLUSTER_DIR}/leaflet.markercluster.js"))],
        [
            ("markerclustercss", static(f"{CLUSTER_DIR}/MarkerCluster.css")),
            ("markerclusterdefaultcss", static(f"{CLUSTER_DIR}/MarkerCluster.Default.css")),
        ],
    )


def tile_url_template(url: str) -> str:
    """``/tiles/base/{z}/{x}/{y}.png``: our MBTiles endpoint as a Leaflet URL template."""
    return url.replace("/0/0/0.", "/{z}/{x}/{y}.")


def base_map_config(*, tiles_url: str | None = None, attribution: str | None = None) -> dict:
    """The base layers every map offers (``DamrongMap.baseLayers`` in mapkit.js): the
    self-hosted MBTiles file when ``MAP_TILE_MBTILES`` names one (shown first: it works with
    no internet), the ``MAP_TILE_URL`` tiles (OpenStreetMap by default), and "no base map",
    where the boundaries are the base map (the only one when both settings are empty)."""
    from django.urls import reverse

    from maps.tiles import mbtiles_metadata

    layers = []
    if settings.MAP_TILE_MBTILES:
        meta = mbtiles_metadata()
        layers.append(
            {
                "name": meta.get("name") or _("Base map (this server)"),
                "url": tile_url_template(reverse("tiles_base", args=[0, 0, 0])),
                "attribution": meta.get("attribution", ""),
                "max_zoom": settings.MAP_TILE_MAX_ZOOM,
                "max_native_zoom": int(meta.get("maxzoom") or settings.MAP_TILE_MAX_ZOOM),
            }
        )
    url = settings.MAP_TILE_URL if tiles_url is None else tiles_url
    if url:
        osm = url == settings.OSM_TILE_URL
        layers.append(
            {
                "name": _("OpenStreetMap") if osm else _("Base map"),
                "url": url,
                "attribution": attribution or settings.MAP_TILE_ATTRIBUTION or url,
                "max_zoom": settings.MAP_TILE_MAX_ZOOM,
            }
        )
    return {"layers": layers, "none": _("No base map (boundaries only)")}


class _Registry(MacroElement):
    """Publishes the Leaflet map as ``window.damrongMaps[<map id>]``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.damrongMaps = window.damrongMaps || {};
        window.damrongMaps[{{ this._parent.get_name()|tojson }}] = {
            map: {{ this._parent.get_name() }}, layers: {}
        };
        {% endmacro %}
        """
    )


def offline_map(
    *,
    bounds: Sequence[float] | None = None,
    tiles_url: str | None = None,
    tiles_attribution: str | None = None,
    extra_js: Iterable[tuple[str, str]] = (),
    extra_css: Iterable[tuple[str, str]] = (),
    **map_options,
) -> folium.Map:
    """A folium map that loads only our own static files.

    ``bounds`` = (min lon, min lat, max lon, max lat), e.g. from
    ``boundaries.selectors.province_bounds``. The boundaries are the base map: there is no
    tile layer unless ``tiles_url`` (default: the ``MAP_TILE_URL`` setting) names one, and
    then it is an optional layer under the boundaries. ``extra_js``/``extra_css`` add
    vendored plugin files as (name, static URL) pairs.
    """
    # Quarter zoom steps let fit_bounds fill the frame with the province, not half of it.
    # maxZoom: with no tile layer to say it, Leaflet.markercluster needs the map to.
    options = {
        "tiles": None,
        "control_scale": True,
        "zoom_start": 9,
        "zoom_snap": 0.25,
        "maxZoom": settings.MAP_TILE_MAX_ZOOM,
    }
    options.update(map_options)
    m = folium.Map(**options)
    js, css = leaflet_assets()
    # Instance attributes: folium's add_js_link would change the class-wide CDN lists.
    m.default_js = js + list(extra_js)
    m.default_css = css + list(extra_css)
    m.add_child(_Registry(), name="damrong_registry")
    if bounds:
        min_lon, min_lat, max_lon, max_lat = bounds
        m.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]])
    # Tile layers live in Leaflet's tile pane, under every vector layer: the boundaries are
    # always drawn over the base map. LayerSwitch (map_parts) adds the switcher.
    m.damrong_base_map = base_map_config(tiles_url=tiles_url, attribution=tiles_attribution)
    return m


class LayerSwitch(MacroElement):
    """The layer switcher: the base layers of ``base_map_config`` (radio buttons, made by
    mapkit.js) and every overlay layer of the map (check boxes), like folium's
    ``LayerControl``. Collapsed to an icon on phone-sized screens."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control.layers(
            DamrongMap.baseLayers({{ this._parent.get_name() }}, {{ this.config_json }}),
            {
                {%- for key, val in this.overlays %}
                {{ key|tojson }}: {{ val }},
                {%- endfor %}
            },
            {collapsed: window.innerWidth < 760}
        ).addTo({{ this._parent.get_name() }});
        window.damrongMaps[{{ this._parent.get_name()|tojson }}].control = {{ this.get_name() }};
        {% endmacro %}
        """
    )

    def __init__(self, config: Mapping):
        super().__init__()
        self._name = "LayerSwitch"
        self.config_json = script_json(config)
        self.overlays: list[tuple[str, str]] = []

    def render(self, **kwargs):
        self.overlays = [
            (item.layer_name, item.get_name())
            for item in self._parent._children.values()
            if isinstance(item, Layer) and item.control and item.overlay
        ]
        super().render(**kwargs)


class LabelLayer(Layer):
    """Place names (``boundaries.selectors.area_labels`` rows of one or more levels), shown
    where they fit: each level in its zoom range, none over another (mapkit.js)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = DamrongMap.labels(
            {{ this._parent.get_name() }}, {{ this.data_json }}
        );
        window.damrongMaps[{{ this._parent.get_name()|tojson }}].layers[{{ this.key|tojson }}] =
            {{ this.get_name() }};
        {% endmacro %}
        """
    )

    def __init__(self, labels: list[dict], *, name: str, key: str = "labels", show=True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "LabelLayer"
        self.data_json = script_json(labels)
        self.key = key


class _Script(MacroElement):
    """A call into mapkit.js with JSON options: ``DamrongMap.<function>(map, options)``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        DamrongMap[{{ this.function|tojson }}]({{ this._parent.get_name() }}, {{ this.options_json }});
        {% endmacro %}
        """
    )

    def __init__(self, function: str, options: Mapping):
        super().__init__()
        self._name = "DamrongScript"
        self.function = function
        self.options_json = script_json(options)


def search_options() -> dict:
    """Options of the area search box (``DamrongMap.search``)."""
    from django.urls import reverse

    return {
        "url": reverse("api:boundaries-search"),
        "placeholder": _("Find a province, district or sub-district"),
        "empty": _("No area has a name like that."),
        "failed": _("The search failed; check the connection and try again."),
        "levels": {
            "province": _("province"),
            "district": _("district"),
            "subdistrict": _("sub-district"),
        },
    }


def SearchBox() -> _Script:  # noqa: N802 - reads as the control it adds
    """The area search box (top left): finds an area by its Thai or English name."""
    return _Script("search", search_options())


def Legend(title: str, items: Sequence[Mapping]) -> _Script:  # noqa: N802
    """A legend in the map's corner: ``items`` = [{label, color, shape}] (mapkit.js)."""
    return _Script("legend", {"title": title, "items": list(items)})


def status_legend_items() -> list[dict]:
    return [
        {"label": label, "color": color, "shape": "dot", "border": "#ffffff"}
        for _status, label, color in status_legend()
    ]


class ZoomSwitch(MacroElement):
    """Shows ``low`` below ``zoom`` and ``high`` from it on (the heatmap, then clustered
    markers when zoomed in); the layer switcher's boxes follow."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, low, high) {
            function swap() {
                var near = map.getZoom() >= {{ this.zoom }};
                if (near) { if (map.hasLayer(low)) map.removeLayer(low); if (!map.hasLayer(high)) map.addLayer(high); }
                else { if (map.hasLayer(high)) map.removeLayer(high); if (!map.hasLayer(low)) map.addLayer(low); }
            }
            map.on("zoomend", swap);
            swap();
        })({{ this._parent.get_name() }}, {{ this.low }}, {{ this.high }});
        {% endmacro %}
        """
    )

    def __init__(self, low: Layer, high: Layer, *, zoom: float = CLUSTER_MIN_ZOOM):
        super().__init__()
        self._name = "ZoomSwitch"
        self.low = low.get_name()
        self.high = high.get_name()
        self.zoom = float(zoom)


class _RegisterLayer(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.damrongMaps[{{ this._parent.get_name()|tojson }}].layers[{{ this.key|tojson }}] =
            {{ this.layer }};
        {% endmacro %}
        """
    )

    def __init__(self, layer: Layer, key: str):
        super().__init__()
        self.layer = layer.get_name()
        self.key = key


def heat_layer(m: folium.Map, cells: Sequence[Sequence[float]], *, name: str, key: str = "heat"):
    """folium's HeatMap plugin on ``cells`` = [[lat, lon, weight]], loading the vendored
    Leaflet.heat instead of its CDN copy."""
    from folium.plugins import HeatMap

    heat = HeatMap(
        [list(c) for c in cells],
        name=name,
        radius=18,
        blur=14,
        min_opacity=0.35,
        max_zoom=CLUSTER_MIN_ZOOM,
        gradient=HEAT_GRADIENT,
        overlay=True,
        control=True,
        show=True,
    )
    heat.default_js = heat_assets()  # instance attribute: the class keeps folium's list
    heat.add_to(m)
    m.add_child(_RegisterLayer(heat, key))
    return heat


# Leaflet.heat's colours from cool to hot (a colour-blind-safe sequential ramp: viridis-like).
HEAT_GRADIENT = {0.2: "#2c7bb6", 0.4: "#00a6ca", 0.6: "#90eb9d", 0.8: "#f9d057", 1.0: "#d7191c"}


def script_json(value) -> str:
    """JSON to paste into a <script>: compact, UTF-8 as is (a Thai letter is 3 bytes, not the
    6 of the \\uXXXX escapes folium's ``tojson`` writes), with the characters that could end
    the script or start HTML escaped."""
    return (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


_TEXT_JS = """
function damrongFillTemplate(template, properties) {
    return template.replace(/\\{(\\w+)\\}/g, function (_, key) {
        var value = properties[key];
        return value === null || value === undefined ? "" : String(value);
    });
}
"""


class AreaLayer(Layer):
    """Polygons from a GeoJSON FeatureCollection (e.g. ``boundaries.selectors`` output).

    ``tooltip`` is a template such as ``"{name_th} ({code})"`` filled from each feature's
    properties and shown as text. Set ``attribution`` (e.g. ``BOUNDARY_ATTRIBUTION``) on the
    layer that shows licensed boundary data. ``css_class`` goes on every SVG path, for styling and tests.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON({{ this.data_json }}, Object.assign(
            {{ this.style|tojson }},
            {
                className: {{ this.css_class|tojson }},
                interactive: {{ this.interactive|tojson }},
                {%- if this.attribution %}
                attribution: {{ this.attribution|tojson }},
                {%- endif %}
                onEachFeature: function (feature, layer) {
                    {%- if this.tooltip %}
                    var template = {{ this.tooltip|tojson }};
                    layer.bindTooltip(function (target) {
                        var div = document.createElement("div");
                        div.textContent = damrongFillTemplate(template, target.feature.properties);
                        return div;
                    }, {sticky: true});
                    {%- endif %}
                    {%- if this.popup_labels %}
                    layer.bindPopup(function (target) {
                        return DamrongMap.areaPopup(
                            target.feature.properties, {{ this.popup_labels_json }},
                            {noData: {{ this.no_data|tojson }}}
                        );
                    });
                    {%- endif %}
                }
            }
        ));
        window.damrongMaps[{{ this._parent.get_name()|tojson }}].layers[{{ this.key|tojson }}] =
            {{ this.get_name() }};
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: Mapping,
        *,
        name: str,
        key: str,
        css_class: str = "",
        style: Mapping | None = None,
        tooltip: str = "",
        interactive: bool | None = None,
        attribution: str = "",
        show: bool = True,
        control: bool = True,
        popup_labels: Mapping[str, str] | None = None,
    ):
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "AreaLayer"
        self.data_json = script_json(data)
        self.key = key
        self.css_class = css_class
        self.style = dict(style or SUBDISTRICT_STYLE)
        self.tooltip = tooltip
        # With popup_labels, a click shows the area's ``figures`` property (those keys, in
        # that order, with these labels) and its ``links`` (DamrongMap.areaPopup).
        self.popup_labels = dict(popup_labels or {})
        self.popup_labels_json = script_json(self.popup_labels)
        self.no_data = _("No cases here.")
        self.interactive = bool(tooltip or popup_labels) if interactive is None else interactive
        # Shown by Leaflet's attribution control while the layer is on the map (as HTML:
        # pass our own constants only, never data).
        self.attribution = attribution

    def render(self, **kwargs):
        self.get_root().script.add_child(Element(_TEXT_JS), name="damrong_text_js", index=0)
        super().render(**kwargs)


class ComplaintLayer(Layer):
    """Complaint points as circle markers coloured by status, with a text-only popup.

    ``features`` are GeoJSON Point features whose properties hold ``status`` and the popup
    fields; ``lookups`` maps a property to {value: label} so that each point carries short
    codes and the labels travel once (see ``complaint_points``). Put nothing personal in
    them: they are sent to the browser whole.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }}_points = L.geoJSON(
            {"type": "FeatureCollection", "features": {{ this.features_json }}},
            {
                pointToLayer: function (feature, latlng) {
                    var colors = {{ this.colors|tojson }};
                    var color = colors[feature.properties.status] || "#333333";
                    if (feature.properties.approximate) {
                        // Placed at its sub-district's centre (an import without
                        // coordinates): hollow and dashed, the point is not the place.
                        return L.circleMarker(latlng, {
                            radius: 7, weight: 2, color: color, dashArray: "3 2",
                            fillColor: "#ffffff", fillOpacity: 0.6,
                            className: {{ this.css_class|tojson }} + " damrong-approximate"
                        });
                    }
                    return L.circleMarker(latlng, {
                        radius: 6, weight: 1.5, color: "#ffffff", fillColor: color,
                        fillOpacity: 0.95, className: {{ this.css_class|tojson }}
                    });
                },
                onEachFeature: function (feature, layer) {
                    var rows = {{ this.popup_rows|tojson }};
                    var lookups = {{ this.lookups_json }};
                    layer.bindPopup(function (target) {
                        var p = target.feature.properties;
                        var box = document.createElement("div");
                        box.className = "damrong-popup";
                        var title = document.createElement("strong");
                        if (p.url) {
                            // Only cases the viewer may open carry a link (complaint_points).
                            var link = document.createElement("a");
                            link.href = p.url;
                            link.className = "damrong-case-link";
                            link.textContent = p[{{ this.title_field|tojson }}];
                            title.appendChild(link);
                        } else {
                            title.textContent = p[{{ this.title_field|tojson }}];
                        }
                        box.appendChild(title);
                        if (p.approximate) {
                            var approx = document.createElement("p");
                            approx.className = "damrong-popup-approximate";
                            approx.textContent = {{ this.approximate_label|tojson }};
                            box.appendChild(approx);
                        }
                        var list = document.createElement("dl");
                        rows.forEach(function (row) {
                            var dt = document.createElement("dt");
                            dt.textContent = row[1];
                            var dd = document.createElement("dd");
                            var value = p[row[0]];
                            if (lookups[row[0]] && value !== null && value !== undefined) {
                                value = lookups[row[0]][value];
                            }
                            dd.textContent = value === null || value === undefined ? "–" : value;
                            list.appendChild(dt);
                            list.appendChild(dd);
                        });
                        box.appendChild(list);
                        if (p.url) {
                            var open = document.createElement("a");
                            open.href = p.url;
                            open.textContent = {{ this.open_label|tojson }};
                            var line = document.createElement("p");
                            line.className = "damrong-popup-link";
                            line.appendChild(open);
                            box.appendChild(line);
                        }
                        return box;
                    });
                }
            }
        );
        {%- if this.cluster %}
        var {{ this.get_name() }} = L.markerClusterGroup({
            showCoverageOnHover: false, maxClusterRadius: 50, spiderfyOnMaxZoom: true,
            disableClusteringAtZoom: 17
        }).addLayers({{ this.get_name() }}_points.getLayers());
        {%- else %}
        var {{ this.get_name() }} = {{ this.get_name() }}_points;
        {%- endif %}
        window.damrongMaps[{{ this._parent.get_name()|tojson }}].layers[{{ this.key|tojson }}] =
            {{ this.get_name() }};
        {% endmacro %}
        """
    )

    def __init__(
        self,
        features: list[dict],
        *,
        name: str,
        lookups: Mapping[str, Mapping[str, str]] | None = None,
        key: str = "complaints",
        css_class: str = "damrong-complaint",
        title_field: str = "tracking_no",
        popup_rows: Sequence[tuple[str, str]] | None = None,
        colors: Mapping[str, str] | None = None,
        show: bool = True,
        cluster: bool = False,
    ):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "ComplaintLayer"
        # Clustered (Leaflet.markercluster, vendored): add cluster_assets() to the map.
        self.cluster = cluster
        self.open_label = _("Open the case")
        self.approximate_label = str(APPROXIMATE_LABEL)
        self.features_json = script_json(features)
        self.lookups_json = script_json(lookups or {})
        self.key = key
        self.css_class = css_class
        self.title_field = title_field
        self.popup_rows = (
            list(popup_rows)
            if popup_rows is not None
            else [
                ("category", _("Category")),
                ("subcategory", _("Sub-category")),
                ("status", _("Status")),
                ("received", _("Received")),
            ]
        )
        self.colors = {str(k): v for k, v in (colors or STATUS_COLORS).items()}


def _localized(row: Mapping, stem: str) -> str | None:
    thai = row.get(f"{stem}_th")
    if (get_language() or "th").startswith("th"):
        return thai
    return row.get(f"{stem}_en") or thai


# How a map names a point imported without coordinates (``Complaint.location_approximate``).
APPROXIMATE_LABEL = gettext_lazy("Approximate location (sub-district centre)")


def approximate_legend_item() -> dict:
    return {
        "label": str(APPROXIMATE_LABEL),
        "shape": "dot",
        "color": "#ffffff",
        "border": "#4b5563",
    }


def complaint_points(
    rows: Iterable[Mapping], *, openable: Iterable[str] = (), approximate: Iterable[str] = ()
) -> tuple[list[dict], dict]:
    """Point features and label lookups for ``ComplaintLayer`` from ``layers.selectors.mapdata``
    rows: tracking number, category and sub-category codes, status, B.E. received date, with
    the category names (in the page's language) and status labels in ``lookups``. Nothing
    else: the rows hold no personal data, and the popup shows only these. A point whose
    tracking number is in ``openable`` (``mapdata.openable_tracking_numbers``: what the scope
    lets the viewer open) links to its case page; one in ``approximate``
    (``mapdata.approximate_tracking_numbers``) is drawn and labelled as approximate."""
    from django.urls import reverse

    openable = set(openable)
    approximate = set(approximate)
    features = []
    lookups: dict[str, dict] = {
        "category": {},
        "subcategory": {},
        "status": {status.value: str(status.label) for status in Status},
    }
    for row in rows:
        category, subcategory = row["category_code"], row["subcategory_code"]
        lookups["category"][category] = _localized(row, "category_name")
        if subcategory is not None:
            lookups["subcategory"][subcategory] = _localized(row, "subcategory_name")
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(row["lon"], 6), round(row["lat"], 6)],
                },
                "properties": {
                    "tracking_no": row["tracking_no"],
                    "category": category,
                    "subcategory": subcategory,
                    "status": row["status"],
                    "received": format_be_date(row["received_at"], short=True),
                },
            }
        )
        if row["tracking_no"] in openable:
            features[-1]["properties"]["url"] = reverse("case_detail", args=[row["tracking_no"]])
        if row["tracking_no"] in approximate:
            features[-1]["properties"]["approximate"] = True
    return features, lookups


def status_legend() -> list[tuple[str, str, str]]:
    """(status, label, colour) for a legend beside the map."""
    return [(status.value, str(status.label), STATUS_COLORS[status]) for status in Status]


@dataclass(frozen=True)
class MapParts:
    """A rendered folium map split for a Django template: ``header`` (script and style links,
    for ``{% block head %}``), ``html`` (the map's div) and ``script`` (after the page)."""

    id: str
    header: SafeString
    html: SafeString
    script: SafeString


_MAP_CSS = """<style>
  #%(id)s { width: 100%%; height: 100%%; }
</style>"""


def map_parts(m: folium.Map, *, layer_control: bool = True) -> MapParts:
    """Render ``m`` and split it for embedding in a page that extends ``base.html``.

    folium's own page furniture is dropped: its content-type meta (Django sends the header),
    and the map's style block, which sets ``html, body {height: 100%}``, a second viewport
    meta that forbids zooming, and ``L_NO_TOUCH``/``L_DISABLE_3D`` globals that Leaflet reads
    only before it loads. The page sizes the map's container instead.
    """
    if layer_control:
        m.add_child(LayerSwitch(getattr(m, "damrong_base_map", base_map_config())))
    figure = m.get_root()
    figure.render()
    dropped = {"meta_http", m.get_name()}
    header = "\n".join(
        child.render() for name, child in figure.header._children.items() if name not in dropped
    )
    header += _MAP_CSS % {"id": m.get_name()}
    return MapParts(
        id=m.get_name(),
        header=mark_safe(header),  # noqa: S308 - folium's own output; data goes through tojson
        html=mark_safe(figure.html.render()),  # noqa: S308
        script=mark_safe(f"<script>\n{figure.script.render()}\n</script>"),  # noqa: S308
    )


def popup_figure_labels() -> dict[str, str]:
    """The figures an area's popup shows (``layers.metrics``), in order, with their labels."""
    return {
        "complaints": _("Complaints"),
        "open_backlog": _("Open backlog"),
        "overdue": _("Overdue"),
        "share_closed": _("Share closed (target 80 %)"),
        "median_days_to_close": _("Median days to close"),
        "per_10k": _("Per 10,000 residents"),
    }
