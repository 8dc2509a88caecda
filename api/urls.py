from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from api import (
    boundaries,
    boundary_files,
    cases,
    categories,
    duplicates,
    exports,
    geojson,
    search,
    stats,
    team,
)

app_name = "api"

urlpatterns: list = [
    # The OpenAPI 3 schema and its docs page (paths are a contract: issue 10).
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path(
        "complaints.geojson",
        geojson.ComplaintsGeoJSONView.as_view(),
        name="complaints_geojson",
    ),
    re_path(
        r"^complaints\.(?P<extension>[A-Za-z0-9.]{1,20})$",
        exports.ComplaintsExportView.as_view(),
        name="complaints_export",
    ),
    path("exports/", exports.ExportJobListView.as_view(), name="exports"),
    path("exports/<int:pk>/", exports.ExportJobDetailView.as_view(), name="export-detail"),
    path(
        "exports/<int:pk>/download",
        exports.ExportJobDownloadView.as_view(),
        name="export-download",
    ),
    re_path(
        r"^boundaries/(?P<level>[^/.]{1,30})\.(?P<extension>[^/]{1,20})$",
        boundary_files.BoundaryFileView.as_view(),
        name="boundaries-file",
    ),
    path("team/cases", team.TeamCasesView.as_view(), name="team-cases"),
    path("boundaries/lookup", boundaries.BoundaryLookupView.as_view(), name="boundaries-lookup"),
    path(
        "boundaries/<str:level>/",
        boundaries.BoundaryLevelView.as_view(),
        name="boundaries-level",
    ),
    path("categories/", categories.CategoryListView.as_view(), name="categories"),
    path("boundaries/search", boundaries.BoundarySearchView.as_view(), name="boundaries-search"),
    path("maps/grid.geojson", geojson.ComplaintGridView.as_view(), name="complaints-grid"),
    path("search/", search.SearchView.as_view(), name="search"),
    path("cases/", cases.CaseListView.as_view(), name="cases"),
    path("cases.geojson", cases.CaseFeaturesView.as_view(), name="cases-geojson"),
    path("cases/queue/", cases.CaseQueueView.as_view(), name="cases-queue"),
    path("cases/inbox/", cases.CaseInboxView.as_view(), name="cases-inbox"),
    path("cases/backlog/", cases.CaseBacklogView.as_view(), name="cases-backlog"),
    path("cases/backlog/summary/", cases.BacklogSummaryView.as_view(), name="cases-summary"),
    path("cases/overdue/", cases.CaseOverdueView.as_view(), name="cases-overdue"),
    # Before cases/<tracking_no>/: "duplicates" is not a tracking number.
    path("cases/duplicates/", duplicates.DuplicateCheckView.as_view(), name="cases-duplicates"),
    path("cases/<str:tracking_no>/", cases.CaseDetailView.as_view(), name="case-detail"),
    path(
        "cases/<str:tracking_no>/duplicates/",
        duplicates.CaseDuplicatesView.as_view(),
        name="case-duplicates",
    ),
    path("people/matches/", duplicates.PersonMatchView.as_view(), name="people-matches"),
    path("cases/<str:tracking_no>/actions/", cases.CaseActionView.as_view(), name="case-actions"),
    path("team/cases.geojson", team.TeamCasesMapView.as_view(), name="team-cases-map"),
    # The dashboards' data (layers.selectors.dashboards, boundaries.shapes).
    path("stats/areas.geojson", stats.AreasGeoJSONView.as_view(), name="stats-areas"),
    path("stats/figures.json", stats.FiguresView.as_view(), name="stats-figures"),
    path(
        "stats/shapes/<str:version>/<str:parent>.topojson",
        stats.ShapesView.as_view(),
        name="stats-shapes",
    ),
]
