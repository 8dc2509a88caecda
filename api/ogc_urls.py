"""``/ogc/``: OGC API – Features (the landing page's address is a contract: GIS clients and
the acceptance checks start there)."""

from django.urls import path

from api import ogc

app_name = "ogc"

urlpatterns = [
    path("", ogc.LandingView.as_view(), name="landing"),
    path("conformance", ogc.ConformanceView.as_view(), name="conformance"),
    path("collections", ogc.CollectionsView.as_view(), name="collections"),
    # The complaints before the boundaries' patterns: they need a login and are scoped.
    path(
        "collections/complaints/items",
        ogc.ComplaintItemsView.as_view(),
        name="complaint-items",
    ),
    path(
        "collections/complaints/items/<str:tracking_no>",
        ogc.ComplaintItemView.as_view(),
        name="complaint-item",
    ),
    path("collections/<str:collection_id>", ogc.CollectionView.as_view(), name="collection"),
    path(
        "collections/<str:collection_id>/queryables",
        ogc.QueryablesView.as_view(),
        name="queryables",
    ),
    path("collections/<str:collection_id>/schema", ogc.SchemaView.as_view(), name="schema"),
    path(
        "collections/<str:collection_id>/items",
        ogc.BoundaryItemsView.as_view(),
        name="boundary-items",
    ),
    path(
        "collections/<str:collection_id>/items/<str:code>",
        ogc.BoundaryItemView.as_view(),
        name="boundary-item",
    ),
]
