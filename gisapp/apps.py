from django.apps import AppConfig


class GisappConfig(AppConfig):
    # The project package is also an app: it holds the base templates, the B.E. date filters
    # and the vendored Leaflet/fonts served as static files for offline maps.
    name = "gisapp"
    verbose_name = "Damrong GIS"
