from django.contrib import admin
from django.urls import include, path

from api.tiles import TileView

# No route serves MEDIA_ROOT, in development either: attachments are personal data and open only
# through the case's access-checked view (maps.views.cases.case_attachment).
urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("ogc/", include("api.ogc_urls")),
    path("open311/", include("api.open311_urls")),
    # Vector tiles (issue 10): complaints (scoped) and boundaries (public).
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.pbf", TileView.as_view(), name="tile"),
    path("", include("maps.urls")),
]

# Thai pages with the site's navigation (JSON under /api/): maps/errors.py.
handler400 = "maps.errors.handler400"
handler403 = "maps.errors.handler403"
handler404 = "maps.errors.handler404"
handler500 = "maps.errors.handler500"
