"""Open311 GeoReport v2 under ``/open311/``: thin adapters over ``layers.selectors.open311``
and ``layers.services.open311``.

* ``discovery.{json,xml}``, ``v2/services.{json,xml}`` and ``v2/services/<code>.{json,xml}``
  are public (no key: the specification says so).
* ``v2/requests.{json,xml}`` (GET list, POST a new case), ``v2/requests/<id>.{json,xml}`` and
  ``v2/tokens/<token>.{json,xml}`` need a partner system's ``api_key`` (query string, or the
  POST body) or an officer (session, or an API token: DRF's default authentication).
* JSON and XML (the specification's XML: no namespace, lists named in the plural with an item
  per element, as the Spark convention maps them to JSON arrays).
* Errors are the specification's ``errors``: a list of ``{"code", "description"}``, one per bad
  parameter, with the HTTP status as the code: 403 for a missing, unknown, revoked or expired
  api_key, 404 for an unknown service, request or token, 400 for anything else.
"""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions as drf
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from api.errors import exception_handler as api_exception_handler
from api.ogc import FirstRendererNegotiation
from layers import policy
from layers.errors import ApplicationError, InvalidInput
from layers.models import Partner
from layers.selectors import open311 as sel
from layers.services.open311 import open311_request_create, partner_authenticate

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
# The Open311 document's changeset: when the discovery document or the service definitions
# last changed shape (categories are edited in the admin; services.json always reads them).
CHANGESET = "2026-01-20T00:00:00+07:00"

# Spark convention: a list is an element named in the plural holding one element per item.
_ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "extensions": "extension",
}


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _fill(element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ElementTree.SubElement(element, key), item)
    elif isinstance(value, list):
        item_name = _ITEM_NAMES[element.tag]
        for item in value:
            _fill(ElementTree.SubElement(element, item_name), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        # XML 1.0 cannot carry most control characters (a typed description may hold them).
        element.text = _XML_ILLEGAL.sub("", str(value))


def to_xml(root: str, value) -> str:
    element = ElementTree.Element(root)
    _fill(element, value)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(
        element, encoding="unicode"
    )


def render(value, *, root: str, fmt: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(to_xml(root, value), content_type=XML_TYPE, status=status)
    return HttpResponse(
        json.dumps(value, ensure_ascii=False, separators=(",", ":")),
        content_type=JSON_TYPE,
        status=status,
    )


class InvalidApiKey(drf.AuthenticationFailed):
    """A key was sent and refused (unknown, revoked, expired, partner inactive)."""


def open311_exception_handler(exc, context):
    """Every refusal as the specification's ``errors`` list, in the request's format."""
    fmt = context.get("kwargs", {}).get("fmt", "json")
    if isinstance(exc, InvalidApiKey):
        status, messages = 403, [str(exc.detail)]
    else:
        response = api_exception_handler(exc, context)
        body = response.data
        status = response.status_code
        if status in (401, 403) and body.get("code") == "not_authenticated":
            status = 403  # the specification: 403 for a missing api_key
            body["detail"] = _("Send your system's api_key, or log in as an officer.")
        messages = [
            f"{field}: {message}"
            for field, items in body.get("fields", {}).items()
            for message in items
        ] or [body.get("detail", "")]
    errors = [
        policy.shape(policy.PUBLIC_VIEWER, "open311error", {"code": status, "description": message})
        for message in messages
    ]
    response = render(errors, root="errors", fmt=fmt, status=status)
    if isinstance(exc, drf.MethodNotAllowed):
        view = context.get("view")
        if view is not None:
            response["Allow"] = ", ".join(view.allowed_methods)
    response["Cache-Control"] = "no-store"
    return response


class PartnerPrincipal:
    """``request.user`` for a partner system: authenticated, and no officer."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = False
    pk = None

    def __init__(self, partner: Partner):
        self.partner = partner

    def __str__(self):
        return f"partner {self.partner.pk}"


class PartnerKeyAuthentication(BaseAuthentication):
    """The specification's ``api_key`` (query string, or the body of a POST); no key: the
    next authentication (an officer's session or token) decides."""

    def authenticate(self, request):
        key = request.query_params.get("api_key")
        if key is None and request.method == "POST":
            data = request.data
            key = data.get("api_key") if hasattr(data, "get") else None
        if key in (None, ""):
            return None
        try:
            partner = partner_authenticate(key=key)
        except ApplicationError as exc:
            raise InvalidApiKey(exc.message) from None
        return PartnerPrincipal(partner), partner


class PartnerOrOfficer(BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and getattr(request.user, "is_authenticated", False))


OPEN311_ERRORS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
    "description": "GeoReport v2's errors: one {code, description} per problem.",
}


class Open311View(APIView):
    content_negotiation_class = FirstRendererNegotiation
    schema_error = (OPEN311_ERRORS_SCHEMA, ["application/json", "text/xml"])

    def get_exception_handler(self):
        return open311_exception_handler


class PublicView(Open311View):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def check_params(self, request):
        unknown = sorted(k for k in request.query_params if k not in sel.ALWAYS_ALLOWED)
        if unknown:
            raise InvalidInput(
                {
                    "params": _("Unknown parameter(s) %(unknown)s; this address takes: %(known)s.")
                    % {"unknown": ", ".join(unknown)[:200], "known": ", ".join(sel.ALWAYS_ALLOWED)}
                }
            )


class KeyedView(Open311View):
    authentication_classes = [
        PartnerKeyAuthentication,
        *api_settings.DEFAULT_AUTHENTICATION_CLASSES,
    ]
    permission_classes = [PartnerOrOfficer]

    def reader(self, request) -> sel.Reader:
        if isinstance(request.auth, Partner):
            return sel.reader_for(partner=request.auth)
        return sel.reader_for(officer=request.user)


def _endpoint_url(request) -> str:
    services = reverse("open311:services", kwargs={"fmt": "json"})
    return request.build_absolute_uri(services.rsplit("/", 1)[0])


class DiscoveryView(PublicView):
    """``discovery.{json,xml}``: where the API is, its formats, and our paging extension."""

    def get(self, request, fmt):
        self.check_params(request)
        endpoint = {
            "specification": sel.SPECIFICATION,
            "url": _endpoint_url(request),
            "changeset": CHANGESET,
            "type": "production" if not settings.DEBUG else "test",
            "formats": ["text/xml", "application/json"],
            "extensions": [
                {
                    "name": "paging",
                    "description": _(
                        "GET requests takes page (from 1) and page_size (default %(default)d, "
                        "at most %(max)d); the Link header gives the next and previous pages "
                        '(rel="next", rel="prev").'
                    )
                    % {"default": sel.PAGE_SIZE_DEFAULT, "max": sel.PAGE_SIZE_MAX},
                },
                {
                    "name": "areas",
                    "description": _(
                        "GET requests also takes province, district and subdistrict (DOPA "
                        "codes); a partner system sees and files the cases of its registered "
                        "areas only."
                    ),
                },
            ],
        }
        document = {
            "changeset": CHANGESET,
            "contact": settings.OPEN311_CONTACT
            or _("Ask the Damrongdhama Center administrator of your province."),
            "key_service": settings.OPEN311_KEY_SERVICE
            or _(
                "An administrator registers your system (its areas) and issues its api_key: ask "
                "the Damrongdhama Center of your province."
            ),
            "endpoints": [endpoint],
        }
        return render(document, root="discovery", fmt=fmt)


class ServicesView(PublicView):
    def get(self, request, fmt):
        self.check_params(request)
        return render(sel.services_list(), root="services", fmt=fmt)


class ServiceDefinitionView(PublicView):
    def get(self, request, service_code, fmt):
        self.check_params(request)
        return render(sel.service_definition(service_code), root="service_definition", fmt=fmt)


def _page_link(request, page: int) -> str:
    params = request.GET.copy()
    params.pop("api_key", None)  # never echo a key in a header
    params["page"] = str(page)
    return request.build_absolute_uri(request.path + "?" + params.urlencode())


def _receipt(complaint, submission, viewer) -> dict:
    if complaint.assigned_team_id:
        unit = complaint.assigned_team.name
    else:
        unit = _("the Damrongdhama Center of district %(name)s") % {
            "name": complaint.district.name_th
        }
    receipt = policy.shape(
        viewer,
        "open311receipt",
        {
            "service_request_id": complaint.tracking_no,
            "token": submission.token if submission is not None else None,
            "service_notice": _("Received as case %(no)s; it is with %(unit)s.")
            % {"no": complaint.tracking_no, "unit": unit},
            "account_id": None,
        },
    )
    # "May not be returned": members without a value are left out (the schema's are strings).
    return {key: value for key, value in receipt.items() if value is not None}


class RequestsView(KeyedView):
    """GET: the reader's cases (filters, paging); POST: file a new case (form-encoded, as the
    specification says, or JSON)."""

    def get(self, request, fmt):
        reader = self.reader(request)
        page = sel.requests_list(reader=reader, params=request.query_params)
        response = render(page.requests, root="service_requests", fmt=fmt)
        links = []
        if page.has_next:
            links.append(f'<{_page_link(request, page.page + 1)}>; rel="next"')
        if page.page > 1:
            links.append(f'<{_page_link(request, page.page - 1)}>; rel="prev"')
        if links:
            response["Link"] = ", ".join(links)
        response["Cache-Control"] = "private, no-store"
        return response

    def post(self, request, fmt):
        partner = request.auth if isinstance(request.auth, Partner) else None
        complaint, submission = open311_request_create(
            data=request.data, partner=partner, officer=None if partner else request.user
        )
        viewer = policy.PARTNER_VIEWER if partner else policy.viewer_for(request.user)
        return render([_receipt(complaint, submission, viewer)], root="service_requests", fmt=fmt)


class RequestView(KeyedView):
    def get(self, request, service_request_id, fmt):
        unknown = sorted(k for k in request.query_params if k not in sel.ALWAYS_ALLOWED)
        if unknown:
            raise InvalidInput({"params": _("This address takes no parameters.")})
        reader = self.reader(request)
        found = sel.request_get(reader=reader, tracking_no=service_request_id)
        response = render([found], root="service_requests", fmt=fmt)
        response["Cache-Control"] = "private, no-store"
        return response


class TokenView(KeyedView):
    def get(self, request, token, fmt):
        unknown = sorted(k for k in request.query_params if k not in sel.ALWAYS_ALLOWED)
        if unknown:
            raise InvalidInput({"params": _("This address takes no parameters.")})
        found = sel.token_get(reader=self.reader(request), token=token)
        response = render([found], root="service_requests", fmt=fmt)
        response["Cache-Control"] = "private, no-store"
        return response


# --- The OpenAPI schema (/api/schema/): the GeoReport v2 documents, JSON or XML ---------------
_OBJECT = {"type": "object", "additionalProperties": True}
_LIST = {"type": "array", "items": _OBJECT}
_FMT = OpenApiParameter(
    "fmt", {"type": "string", "enum": ["json", "xml"]}, OpenApiParameter.PATH, description="format"
)
for _view, _methods in (
    (DiscoveryView, {"get": ("Open311: discovery (public)", _OBJECT)}),
    (ServicesView, {"get": ("Open311: services (public)", _LIST)}),
    (ServiceDefinitionView, {"get": ("Open311: a service's definition (public)", _OBJECT)}),
    (
        RequestsView,
        {
            "get": ("Open311: service requests (page, page_size)", _LIST),
            "post": ("Open311: file a request", _LIST),
        },
    ),
    (RequestView, {"get": ("Open311: one service request", _LIST)}),
    (TokenView, {"get": ("Open311: the request of a token", _LIST)}),
):
    extend_schema_view(
        **{
            method: extend_schema(
                summary=summary,
                parameters=[_FMT],
                request=OpenApiTypes.OBJECT,
                responses={
                    (200, "application/json"): body,
                    (200, "text/xml"): OpenApiTypes.STR,
                },
            )
            for method, (summary, body) in _methods.items()
        }
    )(_view)
