from django.urls import path

from api import team

app_name = "api"

urlpatterns: list = [
    path("team/cases", team.TeamCasesView.as_view(), name="team-cases"),
    path("team/cases.geojson", team.TeamCasesMapView.as_view(), name="team-cases-map"),
]
