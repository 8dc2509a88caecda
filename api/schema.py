"""The OpenAPI 3 schema (drf-spectacular): ``/api/schema/``, read by ``/api/docs/``.

Every DRF view is described without a hand-written list: its serializers (inputs: the strict
ones of ``api/fields.py``; outputs: ``policy_serializer`` classes next to each view) and its
``extend_schema``. This module adds what every operation shares, so that a new view — ours or
another app's — is documented with them automatically:

* the errors, in the core's one shape (``Error``: ``{"detail", "code", "fields"}``, see
  ``api/errors.py``): 400, 401 (with ``WWW-Authenticate``), 403, 429 on every operation, 404
  where the path names something, 409 and 413 on writes (``ApiAutoSchema``); a view whose
  refusals differ (another standard's error format) lists its own and keeps them;
* the authentication: the session cookie and the personal API token, as ``Token <key>``
  (``tokenAuth``) or ``Bearer <key>`` (``bearerAuth``) — ``ApiTokenScheme`` — and none for
  public endpoints (boundaries, categories, the schema itself);
* tags from the path (``/api/cases/…`` → ``cases``, ``/ogc/…`` → ``ogc``).

Fields of a response are the policy's: ``policy_serializer`` builds a documentation serializer
from ``layers.policy.FIELD_CLASSES`` so that every field a role may not see is nullable in the
schema (the API sends null for it), and a field nobody classified cannot even be documented.
"""

from __future__ import annotations

import copy

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
    OpenApiViewExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from layers import policy
from layers.models import Channel, ForwardTarget, Status
from layers.selectors.filters import MAX_DISTANCE_M

DESCRIPTION = """
The API of Damrong GIS, the complaint platform of the Damrongdhama Centers (DOPA).

**Authentication.** In the browser, the session of a logged-in officer. For programs (QGIS,
GDAL, scripts), a personal API token, created and revoked on the officer's profile page
(`/accounts/profile/`) or with `manage.py api_token create <citizen-id> --name …`, sent as
`Authorization: Token <key>` (or `Bearer <key>`); GDAL: `GDAL_HTTP_HEADERS="Authorization:
Token <key>"`. A token acts as its officer: the same roles, areas and withheld fields as their
pages. An unknown, revoked or expired token is a 401 (`token_invalid`, `token_revoked`,
`token_expired`) on every endpoint, public ones included; an officer who must change an issued
password gets 403 `password_change_required` until they do.

**Errors.** Every refusal is `{"detail": …, "code": …, "fields": {…}}`: `detail` for people
(in the request's language), `code` for programs, `fields` naming each bad parameter or body
field. A conflict on a case (409) adds `current` (its status and version); 429 adds
`wait_seconds` and `Retry-After`.

**Who sees what.** Lists and maps hold only the cases of the caller's jurisdiction; fields a
role may not see (people, free text, files) are null, and `withheld` names their classes.

**Related addresses.** The streamed GeoJSON export `/api/complaints.geojson` (any size), the
dashboards' statistics `/api/stats/areas.geojson`, the OGC API – Features landing page
`/ogc/`, Open311 GeoReport v2 `/open311/discovery.json`, and vector tiles
`/tiles/{layer}/{z}/{x}/{y}.pbf` are described here as they are added. A complaint is
recorded by `POST /api/cases/` (the intake service, with duplicate candidates).
""".strip()


# --- The error component -----------------------------------------------------------------------


class CurrentStateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    version = serializers.IntegerField()


class ErrorSerializer(serializers.Serializer):
    """The core's error body (``layers.errors.error_body``)."""

    detail = serializers.CharField(help_text="What is wrong, for people.")
    code = serializers.CharField(
        help_text="For programs: invalid, not_authenticated, token_invalid, token_revoked, "
        "token_expired, session_expired, forbidden, password_change_required, csrf, "
        "not_found, conflict, stale_version, transition_refused, too_large, throttled, …"
    )
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Each bad parameter or field, with what is wrong with it.",
    )
    current = CurrentStateSerializer(
        required=False, help_text="409 on a case: its status and version now."
    )
    wait_seconds = serializers.IntegerField(required=False, help_text="429: when to try again.")


ERROR_DESCRIPTIONS = {
    "400": "Bad parameters or body: `fields` names each one.",
    "401": "Not logged in, or the API token is unknown, revoked or expired.",
    "403": "The caller's role may not do this (or must first change an issued password).",
    "404": "No such thing, or not in the caller's jurisdiction.",
    "409": "The current state refuses it (e.g. the case changed: `stale_version`).",
    "413": "The request is too large.",
    "429": "Too many requests: wait `wait_seconds`.",
}


def error_response(status: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status])


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema with the errors every operation may answer, and tags."""

    def error_statuses(self) -> list[str]:
        declared = getattr(self.view, "error_statuses", None)
        if declared is not None:
            return [str(s) for s in declared]
        statuses = ["400", "401", "403", "429"]
        if "{" in self.path:
            statuses.append("404")
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            statuses += ["409", "413"]
        return sorted(statuses)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        # A view answering another standard's refusals (OGC API's exception, Open311's errors
        # list) names their JSON Schema and media types: ``schema_error = (schema, types)``.
        own = getattr(self.view, "schema_error", None)
        for status in self.error_statuses():
            if status in responses:
                continue
            if own is not None:
                body, media_types = own
                responses[status] = {
                    "description": ERROR_DESCRIPTIONS[status],
                    "content": {
                        media: {"schema": body if "json" in media else {"type": "string"}}
                        for media in media_types
                    },
                }
            else:
                responses[status] = self._get_response_for_code(
                    error_response(status), status, direction=direction
                )
                if status == "401":
                    responses[status]["headers"] = {
                        "WWW-Authenticate": {
                            "schema": {"type": "string"},
                            "description": 'The scheme to use: `Token realm="api"`.',
                        }
                    }
        return responses

    def get_operation_id(self):
        """From the path, never guessed: ``/api/cases/{tracking_no}/actions/`` POST →
        ``cases_by_tracking_no_actions_post`` (stable for generated clients)."""
        parts = []
        for part in self.path.strip("/").split("/"):
            if part.startswith("{"):
                parts.append("by_" + part.strip("{}"))
            elif part:
                parts.append(part)
        if parts and parts[0] == "api" and len(parts) > 1:
            parts = parts[1:]
        name = "_".join(parts) or "root"
        name = "".join(c if c.isalnum() else "_" for c in name)
        return f"{name}_{self.method.lower()}"

    def get_tags(self):
        tags = getattr(self.view, "schema_tags", None)
        if tags:
            return list(tags)
        parts = [p for p in self.path.strip("/").split("/") if p]
        if parts and parts[0] == "api" and len(parts) > 1:
            parts = parts[1:]
        if not parts:
            return ["api"]
        return [parts[0].split(".")[0].split("{")[0] or "api"]


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    """``api.open311.PartnerKeyAuthentication``: Open311's ``api_key`` of a registered partner
    system, in the query string (or a POST's body)."""

    target_class = "api.open311.PartnerKeyAuthentication"
    name = "partnerKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "query",
            "name": "api_key",
            "description": "An Open311 partner's key (registered by an administrator).",
        }


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """``api.authentication.ApiTokenAuthentication``: the key as ``Token <key>`` or
    ``Bearer <key>`` in the Authorization header."""

    target_class = "api.authentication.ApiTokenAuthentication"
    name = ["tokenAuth", "bearerAuth"]

    def get_security_definition(self, auto_schema):
        token = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )
        token["description"] = (
            "A personal API token from the profile page: `Authorization: Token <key>`."
        )
        bearer = {
            "type": "http",
            "scheme": "bearer",
            "description": "The same token as `Authorization: Bearer <key>`.",
        }
        return [token, bearer]

    def get_security_requirement(self, auto_schema):
        return [{"tokenAuth": []}, {"bearerAuth": []}]


def postprocess(result, generator, request, public):
    """The long description (Markdown), kept here rather than in settings."""
    result["info"]["description"] = DESCRIPTION
    return result


# --- Documentation serializers for policy-shaped JSON -----------------------------------------


def policy_serializer(
    name: str, namespace: str, fields: dict, *, doc: str = "", structure: dict | None = None
):
    """A serializer class describing a ``policy.shape(viewer, namespace, …)`` object: every
    field must be classified (``UnclassifiedField`` otherwise), and a field of any class but
    ``public`` is nullable, since roles that may not see its class get null. ``structure``:
    members that are the format's own, not fields (GeoJSON's ``type``, ``geometry``…)."""
    attrs = dict(structure or {})
    for key, field in fields.items():
        cls = policy.field_class(f"{namespace}.{key}")
        if cls != policy.PUBLIC:
            note = f"Null for roles that may not see `{cls}` fields."
            kwargs = {
                k: v if k in ("validators", "regex") else copy.deepcopy(v)
                for k, v in field._kwargs.items()
            }
            kwargs["help_text"] = f"{kwargs['help_text']} {note}" if "help_text" in kwargs else note
            # DRF copies a field by calling its class again with the original arguments: a
            # changed attribute would be lost, so the field is made again, nullable.
            field = type(field)(*field._args, **{**kwargs, "allow_null": True})
        attrs[key] = field
    attrs["__doc__"] = doc or f"Fields of `{namespace}` as the caller's role may see them."
    attrs["Meta"] = type("Meta", (), {"ref_name": name})
    return type(name, (serializers.Serializer,), attrs)


# --- The case filters (layers/selectors/filters.py), as query parameters ----------------------

_CODE_PATTERNS = {"province": 2, "district": 4, "subdistrict": 6}


def _filter_parameter(name: str) -> OpenApiParameter:
    if name in _CODE_PATTERNS:
        digits = _CODE_PATTERNS[name]
        return OpenApiParameter(
            name,
            str,
            description=f"DOPA {name} code ({digits} digits); the area codes must nest.",
            pattern=f"^[0-9]{{{digits}}}$",
        )
    simple = {
        "team": (int, "A sub-district team's number."),
        "overdue": (bool, "Only overdue (true) or only on time (false)."),
        "category": (str, "A main category's code (see /api/categories/)."),
        "since": (OpenApiTypes.DATE, "Received on or after this day (YYYY-MM-DD, Bangkok)."),
        "until": (OpenApiTypes.DATE, "Received on or before this day (YYYY-MM-DD, Bangkok)."),
    }
    if name in simple:
        kind, text = simple[name]
        return OpenApiParameter(name, kind, description=text)
    if name == "status":
        return OpenApiParameter(
            name,
            str,
            description="One status or several, comma-separated: " + ", ".join(Status.values),
            pattern=r"^[a-z_]+(,[a-z_]+)*$",
        )
    if name in ("channel", "forwarded_to"):
        values = Channel.values if name == "channel" else ForwardTarget.values
        return OpenApiParameter(name, str, enum=values)
    if name == "bbox":
        return OpenApiParameter(
            name,
            str,
            description="min lon,min lat,max lon,max lat (WGS 84), min below max.",
            examples=[],
        )
    if name == "point":
        return OpenApiParameter(
            name, str, description="lon,lat (WGS 84): with `dist`, cases within dist metres."
        )
    if name == "dist":
        return OpenApiParameter(
            name, float, description=f"Metres from `point` (0 < dist ≤ {MAX_DISTANCE_M})."
        )
    raise KeyError(f"no documentation for the filter parameter {name!r}")


def filter_parameters(names) -> list[OpenApiParameter]:
    """Query parameters for the case filters ``names`` (and paging), documented once."""
    return [_filter_parameter(n) for n in names]


# --- The strict input fields (api/fields.py) --------------------------------------------------


class WholeNumberFieldScheme(OpenApiSerializerFieldExtension):
    target_class = "api.fields.WholeNumberField"

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "integer", "minimum": self.target.min_value}


class DecimalNumberFieldScheme(OpenApiSerializerFieldExtension):
    target_class = "api.fields.DecimalNumberField"

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "number", "minimum": self.target.low, "maximum": self.target.high}


# --- Views described from here (their modules belong to other work) --------------------------


class ComplaintsGeoJSONScheme(OpenApiViewExtension):
    """``/api/complaints.geojson`` (the streamed export): its filters and its columns
    (``layers.selectors.mapdata.PUBLIC_FIELDS``), unless the view describes itself."""

    target_class = "api.geojson.ComplaintsGeoJSONView"

    def view_replacement(self):
        target = self.target_class
        if hasattr(target.get, "_spectacular_annotation"):
            return target
        from layers.selectors.mapdata import EXPORT_PARAMS, PUBLIC_FIELDS

        numbers = {"lon", "lat"}
        dates = {"received_at", "closed_at"}
        properties = policy_serializer(
            "ExportProperties",
            "export",
            {
                name: (
                    serializers.FloatField()
                    if name in numbers
                    else serializers.DateTimeField(allow_null=True)
                    if name in dates
                    else serializers.CharField(allow_null=True)
                )
                for name in PUBLIC_FIELDS
                if name not in numbers  # the point is the geometry
            },
        )
        feature = policy_serializer(
            "ExportFeature",
            "export",
            {},
            structure={
                "type": serializers.ChoiceField(choices=["Feature"]),
                "id": serializers.CharField(),
                "geometry": serializers.JSONField(help_text="A GeoJSON Point, [lon, lat]."),
                "properties": properties(),
            },
        )
        collection = policy_serializer(
            "ExportCollection",
            "export",
            {},
            doc="Every matching case as a GeoJSON FeatureCollection, streamed.",
            structure={
                "type": serializers.ChoiceField(choices=["FeatureCollection"]),
                "features": feature(many=True),
            },
        )

        class Described(target):
            @extend_schema(
                summary="Export: the caller's complaints as GeoJSON, streamed (any size)",
                parameters=filter_parameters(EXPORT_PARAMS),
                responses={(200, "application/geo+json"): collection},
            )
            def get(self, request, *args, **kwargs):
                return super().get(request, *args, **kwargs)  # pragma: no cover

        return Described


def paging_parameters(pagination) -> list[OpenApiParameter]:
    """``page`` and ``page_size`` of a ``StrictPagination`` class (api/pagination.py)."""
    return [
        OpenApiParameter("page", int, description="Page number, from 1 (past the last page: 400)."),
        OpenApiParameter(
            "page_size",
            int,
            description=f"Items per page: {pagination.page_size} unless given, at most "
            f"{pagination.max_page_size}.",
        ),
    ]
