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
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from folium.map import Layer
from folium.template import Template

from layers.models import Status
from layers.thaidate import format_be_date

LEAFLET_DIR = "vendor/leaflet-1.9.4"

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
    """folium-style (name, url) lists of the vendored Leaflet JS and CSS."""
    return (
        [("leaflet", static(f"{LEAFLET_DIR}/leaflet.js"))],
        [("leaflet_css", static(f"{LEAFLET_DIR}/leaflet.css"))],
    )


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
    options = {"tiles": None, "control_scale": True, "zoom_start": 9, "zoom_snap": 0.25}
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
    tiles_url = settings.MAP_TILE_URL if tiles_url is None else tiles_url
    if tiles_url:
        folium.TileLayer(
            tiles=tiles_url,
            attr=tiles_attribution or settings.MAP_TILE_ATTRIBUTION or tiles_url,
            name=_("Background map"),
            overlay=True,
            control=True,
            show=True,
        ).add_to(m)
    return m


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
    ):
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "AreaLayer"
        self.data_json = script_json(data)
        self.key = key
        self.css_class = css_class
        self.style = dict(style or SUBDISTRICT_STYLE)
        self.tooltip = tooltip
        self.interactive = bool(tooltip) if interactive is None else interactive
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
        var {{ this.get_name() }} = L.geoJSON(
            {"type": "FeatureCollection", "features": {{ this.features_json }}},
            {
                pointToLayer: function (feature, latlng) {
                    var colors = {{ this.colors|tojson }};
                    var color = colors[feature.properties.status] || "#333333";
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
                        title.textContent = p[{{ this.title_field|tojson }}];
                        box.appendChild(title);
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
                        return box;
                    });
                }
            }
        );
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
    ):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "ComplaintLayer"
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


def complaint_points(rows: Iterable[Mapping]) -> tuple[list[dict], dict]:
    """Point features and label lookups for ``ComplaintLayer`` from ``layers.selectors.mapdata``
    rows: tracking number, category and sub-category codes, status, B.E. received date, with
    the category names (in the page's language) and status labels in ``lookups``. Nothing
    else: the rows hold no personal data, and the popup shows only these."""
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
  .leaflet-container { font: inherit; }
  .damrong-popup dl { margin: .25rem 0 0; display: grid; grid-template-columns: auto 1fr;
                      gap: 0 .5rem; }
  .damrong-popup dt { color: #5b6470; }
  .damrong-popup dd { margin: 0; }
</style>"""


def map_parts(m: folium.Map, *, layer_control: bool = True) -> MapParts:
    """Render ``m`` and split it for embedding in a page that extends ``base.html``.

    folium's own page furniture is dropped: its content-type meta (Django sends the header),
    and the map's style block, which sets ``html, body {height: 100%}``, a second viewport
    meta that forbids zooming, and ``L_NO_TOUCH``/``L_DISABLE_3D`` globals that Leaflet reads
    only before it loads. The page sizes the map's container instead.
    """
    if layer_control:
        folium.LayerControl(collapsed=False).add_to(m)
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
