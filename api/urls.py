from django.urls import path

from api import geojson, team

app_name = "api"

urlpatterns: list = [
    path(
        "complaints.geojson",
        geojson.ComplaintsGeoJSONView.as_view(),
        name="complaints_geojson",
    ),
    path("team/cases", team.TeamCasesView.as_view(), name="team-cases"),
    path("team/cases.geojson", team.TeamCasesMapView.as_view(), name="team-cases-map"),
]
