"""The OpenAPI 3 schema (``/api/schema/``) and its docs page (``/api/docs/``): public, valid,
generated without warnings, and complete by construction — every DRF route of the URL
configuration is in it (whoever adds one), every operation with the core's error shape and the
session and token authentication. The docs page's files are our own static files."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from layers.models import Role
from tests.factories import make_officer

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return json.loads(response.content)


def drf_routes(resolver=None, prefix: str = ""):
    """(OpenAPI path, view class) of every DRF view in the URL configuration."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from drf_routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            cls = getattr(pattern.callback, "cls", None)
            if cls is not None and issubclass(cls, APIView):
                yield openapi_path(route), cls


def openapi_path(route: str) -> str:
    """A Django route (``path()`` converters or a ``re_path()`` regular expression) as the
    OpenAPI path drf-spectacular writes for it."""
    route = re.sub(r"\(\?P<(\w+)>[^()]*\)", r"{\1}", route)  # regex groups
    route = route.replace("^", "").replace("$", "").replace("\\.", ".")
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).replace("{pk}", "{id}")
    return "/" + route


SCHEMA_VIEWS = {"SpectacularAPIView", "SpectacularSwaggerView"}


def test_the_schema_is_public_and_served_as_yaml_or_json(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Damrong GIS API"
    as_yaml = Client().get("/api/schema/")
    assert as_yaml.status_code == 200
    assert as_yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    text = as_yaml.content.decode()
    assert text.startswith("openapi: 3.") and all(f"\n  {p}:" in text for p in schema["paths"])


def test_every_drf_route_is_in_the_schema(schema):
    routes = [(p, c) for p, c in drf_routes() if c.__name__ not in SCHEMA_VIEWS]
    assert len(routes) >= 15
    missing = [path for path, _ in routes if path not in schema["paths"]]
    assert not missing, f"not in /api/schema/: {missing}"


def test_every_operation_has_the_error_shape_and_the_authentication(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "code", "fields"}
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "A personal API token from the profile page: `Authorization: Token <key>`.",
    }
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["cookieAuth"]["in"] == "cookie"
    operations = 0
    for path, item in schema["paths"].items():
        # OGC API – Features and Open311 GeoReport v2 refuse in their own standards' formats,
        # and binary files (tiles, boundary files) are not JSON: those operations declare their
        # own refusals, which must still be declared.
        own_shape = path.startswith("/api/")
        for method, operation in item.items():
            operations += 1
            label = f"{method.upper()} {path}"
            responses = operation["responses"]
            for status in ("400", "401", "403", "429") if own_shape else ():
                ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error", label
            if own_shape:
                assert "WWW-Authenticate" in responses["401"]["headers"], label
            else:
                assert any(s.startswith("4") for s in responses), label
            if "{" in path:
                assert "404" in responses, label
            if method == "post":
                assert {"409", "413"} <= set(responses) if own_shape else "400" in responses, label
            success = [s for s in responses if s.startswith("2")]
            assert success, label
            security = operation["security"]
            if security == [{}]:
                continue  # public, and says so
            assert {"tokenAuth": []} in security and {"bearerAuth": []} in security, label
            assert {"cookieAuth": []} in security, label
    assert operations >= 16


def test_public_endpoints_say_so_and_others_need_a_login(schema):
    # The point look-up and the area search are public since issue 11 (the filing page).
    public = {
        "/api/boundaries/{level}/",
        "/api/categories/",
        "/api/boundaries/lookup",
        "/api/boundaries/search",
    }
    for path in public:
        assert {} in schema["paths"][path]["get"]["security"], path
    assert {} not in schema["paths"]["/api/cases/"]["get"]["security"]


def test_the_list_parameters_are_the_filter_parsers(schema):
    params = {p["name"] for p in schema["paths"]["/api/cases/"]["get"]["parameters"]}
    assert params == {
        "province",
        "district",
        "subdistrict",
        "team",
        "status",
        "overdue",
        "forwarded_to",
        "category",
        "channel",
        "since",
        "until",
        "bbox",
        "point",
        "dist",
        "page",
        "page_size",
    }
    geo = schema["paths"]["/api/cases.geojson"]["get"]["responses"]["200"]["content"]
    assert set(geo) == {"application/geo+json"}
    detail = schema["paths"]["/api/cases/{tracking_no}/"]["get"]["parameters"]
    assert detail[0]["schema"]["pattern"].startswith("^[0-9]{4}-")


def test_withheld_fields_are_nullable_and_public_ones_are_not(schema):
    summary = schema["components"]["schemas"]["CaseSummary"]["properties"]
    assert summary["version"]["nullable"] is True  # case class: withheld from the public
    assert "nullable" not in summary["tracking_no"]  # public
    detail = schema["components"]["schemas"]["CaseDetail"]["properties"]
    assert detail["description"]["nullable"] is True  # free text


def test_the_schema_is_valid_and_generated_without_warnings(tmp_path):
    """drf-spectacular's own validation against the OpenAPI 3 JSON Schema, and its warnings
    (an undescribed view, a guessed type) as failures: a new view must describe itself."""
    out = tmp_path / "schema.yaml"
    err = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out), stderr=err)
    assert out.stat().st_size > 10_000, err.getvalue()


def test_the_docs_page_uses_our_static_files_only(settings):
    officer = make_officer(Role.GIS_ANALYST, province="49")
    client = Client()
    client.force_login(officer)
    for reader in (Client(), client):
        response = reader.get("/api/docs/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "/api/schema/" in html
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets and all(a.startswith(settings.STATIC_URL) for a in assets), assets
        assert "swagger-ui-bundle.js" in html
        for asset in assets:
            assert finders.find(asset.removeprefix(settings.STATIC_URL)), asset
        assert '"validatorUrl": null' in html  # no call to the online validator
    for licence in ("swagger-ui-dist/LICENSE", "swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt"):
        assert finders.find(f"drf_spectacular_sidecar/{licence}"), licence
