"""``/open311/``: Open311 GeoReport v2 (discovery at ``discovery.json``, the API under ``v2/``).

Every resource ends in its format, ``.json`` or ``.xml``, as the specification writes it."""

from django.urls import re_path

from api import open311

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.DiscoveryView.as_view(), name="discovery"),
    re_path(r"^v2/services" + FMT, open311.ServicesView.as_view(), name="services"),
    re_path(
        r"^v2/services/(?P<service_code>[^/]+?)" + FMT,
        open311.ServiceDefinitionView.as_view(),
        name="service",
    ),
    re_path(r"^v2/requests" + FMT, open311.RequestsView.as_view(), name="requests"),
    re_path(
        r"^v2/requests/(?P<service_request_id>[^/]+?)" + FMT,
        open311.RequestView.as_view(),
        name="request",
    ),
    re_path(r"^v2/tokens/(?P<token>[^/]+?)" + FMT, open311.TokenView.as_view(), name="token"),
]
