from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("maps.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Thai pages with the site's navigation (JSON under /api/): maps/errors.py.
handler400 = "maps.errors.handler400"
handler403 = "maps.errors.handler403"
handler404 = "maps.errors.handler404"
handler500 = "maps.errors.handler500"
