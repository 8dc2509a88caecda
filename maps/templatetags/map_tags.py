"""``{% map_config %}``: the base layers and search options every Leaflet page shares, as one
``<script type="application/json" id="damrong-map-config">`` for ``maps/static/maps/mapkit.js``
(pages that draw their own maps: intake, team, case)."""

from django import template
from django.utils.html import json_script

from maps import mapkit

register = template.Library()


@register.simple_tag
def map_config():
    return json_script(
        {"base": mapkit.base_map_config(), "search": mapkit.search_options()},
        "damrong-map-config",
    )
