"""The case API: scoped lists, one case, and the workflow actions (thin over selectors/services).

Status codes of ``POST /api/cases/<tracking_no>/actions/``:

* 200 — applied; the body is the case as it is now (with its new ``version``).
* 400 — bad or missing input; ``fields`` names each field and what is wrong.
* 403 — the officer sees the case but may not take this action (read-only role, wrong level).
* 404 — no such case, or outside the officer's jurisdiction (existence is not revealed).
* 409 — the case's current state refuses the action: ``"code": "stale_version"`` when it
  changed since the officer loaded it (nothing written), ``"code": "transition_refused"`` when
  its status does not allow the action. Both carry ``"current"``: the case's status and version.
* 413 — the request is larger than the site takes.

Every error body is ``{"detail": …, "code": …, "fields": {…}}`` (``api/errors.py``). Which
fields each role sees is ``layers.policy``'s decision: this module only lays the fields out.

``/api/cases/`` is the complaints resource of the GIS API (issue 10): its list takes the
filters of ``layers.selectors.filters`` (area codes, bbox, ``point`` + ``dist``, dates,
category, status, channel…), ``/api/cases.geojson`` gives the same list as GeoJSON pages
(django-rest-framework-gis), the detail and the actions (with the version check) are below;
recording a complaint is ``POST /api/cases/`` (intake). The schema serializers here
(``policy_serializer``) describe the answers for ``/api/schema/``; the answers themselves are
built by ``policy.shape``.
"""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.pagination import GeoJsonPagination
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from api.duplicates import DuplicateDoc, place_json, visible_ids
from api.fields import (
    DecimalNumberField,
    ExactChoiceField,
    StrictSerializer,
    TextField,
    WholeNumberField,
)
from api.pagination import StrictPagination
from api.schema import filter_parameters, paging_parameters, policy_serializer
from layers import policy
from layers.errors import CaseNotFound, Forbidden
from layers.models import Channel, CloseResult, Complaint, ForwardTarget, Status
from layers.rules import is_overdue
from layers.selectors import cases as sel
from layers.selectors.filters import (
    AREA_PARAMS,
    FILTER_PARAMS,
    PAGING_PARAMS,
    case_filter_from_params,
)
from layers.selectors.scope import jurisdiction_for
from layers.services import workflow as wf
from layers.services.complaints import TRACKING_SEQ_DIGITS, complaint_intake
from layers.services.routing import intake_outcome

# --- What the answers hold, for the schema (built by policy.shape, described here) ----------

S = serializers


def _summary_fields() -> dict:
    return {
        "tracking_no": S.CharField(help_text="The case's tracking number, e.g. 2569-0000123."),
        "status": S.ChoiceField(choices=Status.choices),
        "version": S.IntegerField(help_text="Send it back with an action (409 when stale)."),
        "category": S.CharField(),
        "category_name": S.CharField(),
        "subcategory": S.CharField(allow_null=True),
        "subcategory_text": S.CharField(allow_null=True),
        "subdistrict": S.CharField(),
        "district": S.CharField(),
        "province": S.CharField(),
        "team": S.IntegerField(allow_null=True),
        "team_name": S.CharField(allow_null=True),
        "forwarded_to": S.ChoiceField(choices=ForwardTarget.choices, allow_null=True),
        "forwarded_agency": S.CharField(allow_null=True),
        "received_at": S.DateTimeField(),
        "due_at": S.DateTimeField(allow_null=True),
        "overdue": S.BooleanField(),
        "lat": S.FloatField(),
        "lon": S.FloatField(),
    }


HistoryDoc = policy_serializer(
    "CaseHistoryEntry",
    "history",
    {
        "kind": S.CharField(),
        "from_status": S.CharField(),
        "to_status": S.CharField(),
        "from_value": S.CharField(),
        "to_value": S.CharField(),
        "note": S.CharField(),
        "actor": S.CharField(allow_null=True),
        "at": S.DateTimeField(),
    },
)
NoteDoc = policy_serializer(
    "CaseNote",
    "note",
    {
        "id": S.IntegerField(),
        "text": S.CharField(),
        "author": S.CharField(),
        "created_at": S.DateTimeField(),
        "visit_lat": S.FloatField(allow_null=True),
        "visit_lon": S.FloatField(allow_null=True),
        "visit_accuracy_m": S.FloatField(allow_null=True),
        "attachments": S.ListField(child=S.IntegerField()),
    },
)
AttachmentDoc = policy_serializer(
    "CaseAttachment",
    "attachment",
    {
        "id": S.IntegerField(),
        "name": S.CharField(),
        "kind": S.CharField(),
        "content_type": S.CharField(),
        "size_bytes": S.IntegerField(),
        "uploaded_at": S.DateTimeField(),
        "url": S.CharField(help_text="Opens the file (the case page's access check)."),
    },
)
PersonalDoc = policy_serializer(
    "CasePersonal",
    "case",
    {
        key: S.CharField()
        for key in (
            "complainant_name",
            "complainant_citizen_id",
            "complainant_phone",
            "complainant_address",
            "accused_name",
            "accused_detail",
        )
    },
    doc="The people in the case (personal data).",
)


def _detail_fields(*, required: bool = True) -> dict:
    fields = {
        "title": S.CharField(allow_null=True),
        "description": S.CharField(),
        "channel": S.ChoiceField(choices=Channel.choices),
        "location_note": S.CharField(allow_null=True),
        "status_changed_at": S.DateTimeField(),
        "closed_at": S.DateTimeField(allow_null=True),
        "close_result": S.ChoiceField(choices=CloseResult.choices, allow_null=True),
        "close_note": S.CharField(allow_null=True),
        "actions": S.ListField(
            child=S.ChoiceField(choices=list(wf.ACTIONS)),
            help_text="The actions the caller may take on the case now.",
        ),
        "history": HistoryDoc(many=True),
        "notes": NoteDoc(many=True),
        "attachments": AttachmentDoc(many=True),
        "personal": PersonalDoc(),
        "withheld": S.ListField(
            child=S.CharField(), help_text="The classes of fields withheld from the caller."
        ),
        "duplicate_of": S.CharField(
            allow_null=True,
            help_text="The tracking number of the case this one was closed as a duplicate of.",
        ),
        "also_reported_by": S.IntegerField(
            help_text="How many cases were recorded as duplicates of this one."
        ),
    }
    for field in fields.values():
        field.required = required
    return fields


CaseSummaryDoc = policy_serializer("CaseSummary", "case", _summary_fields())
CaseDetailDoc = policy_serializer("CaseDetail", "case", {**_summary_fields(), **_detail_fields()})
CaseAfterActionDoc = policy_serializer(
    "CaseAfterAction",
    "case",
    {**_summary_fields(), **_detail_fields(required=False)},
    doc="The case as it is now; only the summary fields when it has left the caller's sight.",
)
CasePageDoc = policy_serializer(
    "CasePage",
    "page",
    {
        "count": S.IntegerField(),
        "next": S.URLField(allow_null=True),
        "previous": S.URLField(allow_null=True),
        "results": CaseSummaryDoc(many=True),
    },
)
SummaryRowDoc = policy_serializer(
    "BacklogSummaryRow",
    "summary",
    {
        "key": S.JSONField(help_text="The team's number, or the district or province code."),
        "name": S.CharField(),
        "open": S.IntegerField(),
        "overdue": S.IntegerField(),
        "oldest_received_at": S.DateTimeField(),
    },
)
BacklogSummaryDoc = policy_serializer(
    "BacklogSummary",
    "page",
    {"by": S.ChoiceField(choices=list(sel.GROUPINGS)), "results": SummaryRowDoc(many=True)},
)


# A tracking number: the B.E. year and a sequence number ("2569-0000123"); the paths of the
# lists (queue/, inbox/…) are never one.
TRACKING_NO_PARAMETER = OpenApiParameter(
    "tracking_no",
    str,
    OpenApiParameter.PATH,
    pattern=rf"^[0-9]{{4}}-[0-9]{{{TRACKING_SEQ_DIGITS},}}$",
    description="The case's tracking number, e.g. 2569-0000123.",
)


class CasePagination(StrictPagination):
    page_size = 50
    max_page_size = 200


def _require_area(request):
    if jurisdiction_for(request.user).is_empty:
        raise Forbidden(_("Your account has no role with an area yet."))


def _iso(value):
    return value.isoformat() if value else None


def case_summary_json(case, *, viewer: policy.Viewer, now=None) -> dict:
    """A case in a list, as ``viewer`` may see it."""
    now = now or timezone.now()
    return policy.shape(
        viewer,
        "case",
        {
            "tracking_no": case.tracking_no,
            "status": case.status,
            "version": case.version,
            "category": case.category.code,
            "category_name": case.category.name_th,
            "subcategory": case.subcategory.code if case.subcategory_id else None,
            "subcategory_text": case.subcategory_text or None,
            "subdistrict": case.subdistrict_id,
            "district": case.district_id,
            "province": case.province_id,
            "team": case.assigned_team_id,
            "team_name": case.assigned_team.name if case.assigned_team_id else None,
            "forwarded_to": case.forwarded_to or None,
            "forwarded_agency": case.forwarded_agency or None,
            "received_at": _iso(case.received_at),
            "due_at": _iso(case.due_at),
            "overdue": is_overdue(case, now=now),
            "lat": round(case.location.y, 6),
            "lon": round(case.location.x, 6),
        },
    )


def _history(viewer, case) -> list[dict]:
    return [
        policy.history_shape(
            viewer,
            {
                "kind": h.kind,
                "from_status": h.from_status,
                "to_status": h.to_status,
                "from_value": h.from_value,
                "to_value": h.to_value,
                "note": h.note,
                "actor": h.actor.get_full_name() if h.actor_id else None,
                "at": _iso(h.at),
            },
        )
        for h in sel.case_history(case)
    ]


def _notes(viewer, case) -> list[dict]:
    return [
        policy.shape(
            viewer,
            "note",
            {
                "id": n.pk,
                "text": n.text,
                "author": n.author.get_full_name(),
                "created_at": _iso(n.created_at),
                "visit_lat": n.visit_location.y if n.visit_location else None,
                "visit_lon": n.visit_location.x if n.visit_location else None,
                "visit_accuracy_m": n.visit_accuracy_m,
                "attachments": [a.pk for a in n.attachments.all()],
            },
        )
        for n in sel.case_notes(case)
    ]


def _attachments(viewer, case) -> list[dict] | None:
    if not viewer.sees("case.attachments"):
        return None  # not even read: the policy withholds them
    return [
        policy.shape(
            viewer,
            "attachment",
            {
                "id": a.pk,
                "name": a.original_name,
                "kind": a.kind,
                "content_type": a.content_type,
                "size_bytes": a.size_bytes,
                "uploaded_at": _iso(a.uploaded_at),
                # Served by the case page's view, which checks the jurisdiction again.
                "url": reverse("case_attachment", args=[case.tracking_no, a.pk]),
            },
        )
        for a in sel.case_attachments(case)
    ]


def case_detail_json(case, *, officer) -> dict:
    viewer = policy.viewer_for(officer)
    data = case_summary_json(case, viewer=viewer)
    data.update(
        policy.shape(
            viewer,
            "case",
            {
                "title": case.title or None,
                "description": case.description,
                "channel": case.channel,
                "location_note": case.location_note or None,
                "status_changed_at": _iso(case.status_changed_at),
                "closed_at": _iso(case.closed_at),
                "close_result": case.close_result or None,
                "close_note": case.close_note or None,
                "actions": wf.actions_available(complaint=case, officer=officer),
                "history": _history(viewer, case),
                "notes": _notes(viewer, case),
                "attachments": _attachments(viewer, case),
                "personal": {
                    key: getattr(case, key)
                    for key in (
                        "complainant_name",
                        "complainant_citizen_id",
                        "complainant_phone",
                        "complainant_address",
                        "accused_name",
                        "accused_detail",
                    )
                },
                # Issue 8: the original's number (shown even when outside the reader's area,
                # as on the case page) and how many cases were linked to this one.
                "duplicate_of": case.duplicate_of.tracking_no if case.duplicate_of_id else None,
                "also_reported_by": case.also_reported.count(),
                # What the policy withheld from this reader (empty when nothing was).
                "withheld": viewer.withheld,
            },
        )
    )
    return data


# --- Lists -----------------------------------------------------------------------------------

# The filters each list takes (one parser for all of them and the GeoJSON export).
LIST_FILTERS = FILTER_PARAMS
OPEN_LIST_FILTERS = (*AREA_PARAMS, "team", "category", "channel", "since", "until", "bbox")


def _list_schema(filters, summary: str):
    return extend_schema(
        summary=summary,
        parameters=[*filter_parameters(filters), *paging_parameters(CasePagination)],
        responses={200: CasePageDoc},
    )


class _ListView(APIView):
    filters: tuple[str, ...] = ()

    def read_filters(self, request):
        return case_filter_from_params(
            request.query_params, allowed=self.filters, also=PAGING_PARAMS
        )

    def paginated(self, request, qs):
        paginator = CasePagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        now = timezone.now()
        viewer = policy.viewer_for(request.user)
        return paginator.get_paginated_response(
            [case_summary_json(c, viewer=viewer, now=now) for c in page]
        )


class CaseCreateInput(StrictSerializer):
    """A complaint to record: the intake form's fields, with the same rules and messages
    (``layers.services.complaints.complaint_create``). JSON, or multipart with ``files``
    (photos or scanned letters: JPEG, PNG, WebP, PDF)."""

    extra_allowed = ("files", "csrfmiddlewaretoken")

    lat = DecimalNumberField(
        low=-90, high=90, error_messages={"required": _("Pin the incident location on the map.")}
    )
    lon = DecimalNumberField(
        low=-180, high=180, error_messages={"required": _("Pin the incident location on the map.")}
    )
    category = TextField(help_text="Main category code, e.g. land.")
    subcategory = TextField(help_text="Sub-category code (not for 'Other').")
    subcategory_text = TextField(help_text="The sub-category in words, for 'Other' only.")
    channel = TextField(help_text="walk_in, phone, letter, online or hotline_1567.")
    complainant_name = TextField()
    complainant_citizen_id = TextField(help_text="13 digits (dashes allowed).")
    complainant_phone = TextField()
    complainant_address = TextField()
    accused_name = TextField()
    accused_detail = TextField()
    title = TextField()
    description = TextField()
    location_note = TextField()
    duplicate_of = TextField(
        help_text="Link to a case already recorded (its tracking number: one of the candidates, "
        "or a case you may open): the new case is closed at once as its duplicate."
    )


class CaseCreateFormDoc(CaseCreateInput):
    """The same fields as a form, with the files."""

    files = S.ListField(child=S.FileField(), required=False)

    class Meta:
        ref_name = "CaseCreateForm"


CaseCreatedDoc = policy_serializer(
    "CaseCreated",
    "intake",
    {
        "tracking_no": S.CharField(),
        "status": S.ChoiceField(choices=Status.choices),
        "version": S.IntegerField(),
        "received_at": S.DateTimeField(),
        "subdistrict_code": S.CharField(),
        "subdistrict_name": S.CharField(),
        "district_code": S.CharField(),
        "district_name": S.CharField(),
        "province_code": S.CharField(),
        "province_name": S.CharField(),
        "team": S.IntegerField(allow_null=True, help_text="The team it was routed to."),
        "team_name": S.CharField(help_text="Empty: it waits in the district centre's queue."),
        "inside_area": S.BooleanField(help_text="False: routed to a district outside yours."),
        "duplicates": DuplicateDoc(
            many=True, help_text="Possible duplicates found before saving, best first."
        ),
        "duplicate_of": S.CharField(
            allow_null=True, help_text="The case it was linked to (then closed as a duplicate)."
        ),
    },
    doc="The complaint recorded: its number, where it went, and its possible duplicates.",
)


def case_created_json(complaint, *, officer) -> dict:
    """The answer of ``POST /api/cases/``: the receipt, routed as the form tells it, and the
    candidates as ``GET /api/cases/duplicates/`` shapes them."""
    viewer = policy.viewer_for(officer)
    outcome = intake_outcome(complaint=complaint, officer=officer)
    candidates = complaint.duplicates
    visible = visible_ids(officer, [c.complaint_id for c in candidates])
    return policy.shape(
        viewer,
        "intake",
        {
            "tracking_no": complaint.tracking_no,
            "status": complaint.status,
            "version": complaint.version,
            "received_at": _iso(complaint.received_at),
            "subdistrict_code": complaint.subdistrict_id,
            "subdistrict_name": outcome["subdistrict"],
            "district_code": complaint.district_id,
            "district_name": outcome["district"],
            "province_code": complaint.province_id,
            "province_name": outcome["province"],
            "team": complaint.assigned_team_id,
            "team_name": outcome["team"],
            "inside_area": outcome["inside_area"],
            "duplicates": place_json(viewer, candidates, visible),
            "duplicate_of": complaint.duplicate_of.tracking_no
            if complaint.duplicate_of_id
            else None,
        },
    )


class CaseListView(_ListView):
    """``GET /api/cases/?status=&team=&district=&province=&subdistrict=&overdue=&forwarded_to=
    &category=&channel=&since=&until=&bbox=&point=&dist=&page=&page_size=``

    The caller's cases (their jurisdiction), newest received first, narrowed by the filters.

    ``POST /api/cases/`` records a complaint through the intake form's service
    (``complaint_intake``): 201 with the tracking number, the routing and ``duplicates``."""

    filters = LIST_FILTERS

    @_list_schema(LIST_FILTERS, "Cases in the caller's jurisdiction, with filters")
    def get(self, request):
        _require_area(request)
        filters = self.read_filters(request)
        return self.paginated(request, sel.case_list(officer=request.user, filters=filters))

    @extend_schema(
        summary="Record a complaint (the intake service), with its possible duplicates",
        request={
            "application/json": CaseCreateInput,
            "multipart/form-data": CaseCreateFormDoc,
        },
        responses={201: CaseCreatedDoc},
    )
    def post(self, request):
        policy.require_record(request.user)
        body = CaseCreateInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        location = Point(data.pop("lon"), data.pop("lat"), srid=4326)
        complaint = complaint_intake(
            location=location,
            category=data.pop("category", ""),
            channel=data.pop("channel", ""),
            complainant_name=data.pop("complainant_name", ""),
            description=data.pop("description", ""),
            files=request.FILES.getlist("files"),
            created_by=request.user,
            **data,  # the optional fields sent
        )
        return Response(case_created_json(complaint, officer=request.user), status=201)


class CaseBacklogView(_ListView):
    """``GET /api/cases/backlog/?team=&district=&province=…`` — open cases, oldest first."""

    filters = OPEN_LIST_FILTERS

    @_list_schema(OPEN_LIST_FILTERS, "Open cases, oldest first")
    def get(self, request):
        _require_area(request)
        filters = self.read_filters(request)
        return self.paginated(request, sel.case_backlog(officer=request.user, filters=filters))


class CaseOverdueView(_ListView):
    """``GET /api/cases/overdue/?team=&district=&province=…`` — the most overdue first."""

    filters = OPEN_LIST_FILTERS

    @_list_schema(OPEN_LIST_FILTERS, "Overdue cases, the most overdue first")
    def get(self, request):
        _require_area(request)
        filters = self.read_filters(request)
        return self.paginated(request, sel.case_overdue(officer=request.user, filters=filters))


class CaseQueueView(_ListView):
    """``GET /api/cases/queue/`` — my queue (team, district desk, or forwarded-up inbox)."""

    @_list_schema((), "The caller's own queue")
    def get(self, request):
        _require_area(request)
        self.read_filters(request)  # paging only: anything else is an unknown parameter
        return self.paginated(request, sel.case_queue_for(officer=request.user))


class CaseInboxView(_ListView):
    """``GET /api/cases/inbox/`` — cases forwarded up to the officer's level."""

    @_list_schema((), "Cases forwarded up to the caller's level")
    def get(self, request):
        _require_area(request)
        self.read_filters(request)
        return self.paginated(request, sel.case_inbox_for(officer=request.user))


# --- The list as GeoJSON (django-rest-framework-gis) -----------------------------------------


class CaseFeaturePagination(StrictPagination, GeoJsonPagination):
    """drf-gis's FeatureCollection page (``count``, ``next``, ``previous``, ``features``),
    its paging members shaped by the policy like the JSON list's."""

    page_size = 50
    max_page_size = 200

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        viewer = self.request_viewer
        paging = policy.shape(
            viewer, "page", {k: response.data[k] for k in ("count", "next", "previous")}
        )
        response.data.update(paging)
        return response


class CaseFeatureSerializer(GeoFeatureModelSerializer):
    """A case as a GeoJSON Feature: ``id`` the tracking number, the incident point (6
    decimals, longitude first), and as ``properties`` the list's fields — the same
    ``case_summary_json`` as ``/api/cases/``, so the policy shapes both alike (the point is
    withheld with ``case.lat``/``case.lon`` from a role that may not see them)."""

    location = GeometryField(precision=6)

    class Meta:
        model = Complaint
        geo_field = "location"
        id_field = "tracking_no"
        fields = ("tracking_no", "location")

    def get_properties(self, instance, fields):
        viewer, now = self.context["viewer"], self.context["now"]
        data = case_summary_json(instance, viewer=viewer, now=now)
        data.pop("lat")
        data.pop("lon")
        return data

    def to_representation(self, instance):
        feature = super().to_representation(instance)
        viewer = self.context["viewer"]
        if not (viewer.sees("case.lat") and viewer.sees("case.lon")):
            feature["geometry"] = None
        return feature


CaseFeatureDoc = policy_serializer(
    "CaseFeature",
    "case",
    {},
    doc="A case as a GeoJSON Feature (RFC 7946).",
    structure={
        "type": S.ChoiceField(choices=["Feature"]),
        "id": S.CharField(help_text="The tracking number."),
        "geometry": type(
            "CasePoint",
            (S.Serializer,),
            {
                "type": S.ChoiceField(choices=["Point"]),
                "coordinates": S.ListField(
                    child=S.FloatField(), min_length=2, max_length=2, help_text="[lon, lat]"
                ),
            },
        )(allow_null=True),
        "properties": policy_serializer(
            "CaseFeatureProperties",
            "case",
            {k: v for k, v in _summary_fields().items() if k not in ("lat", "lon")},
        )(),
    },
)
CaseFeaturePageDoc = policy_serializer(
    "CaseFeaturePage",
    "page",
    {
        "count": S.IntegerField(),
        "next": S.URLField(allow_null=True),
        "previous": S.URLField(allow_null=True),
    },
    doc="A page of cases as a GeoJSON FeatureCollection.",
    structure={
        "type": S.ChoiceField(choices=["FeatureCollection"]),
        "features": CaseFeatureDoc(many=True),
    },
)


class CaseFeaturesView(_ListView):
    """``GET /api/cases.geojson?…`` — the case list (the same filters and order as
    ``/api/cases/``) as GeoJSON FeatureCollection pages, for maps and GIS tools.

    Built by django-rest-framework-gis (``GeoFeatureModelSerializer``, ``GeoJsonPagination``):
    at most 200 features a page. For a whole selection of any size, stream
    ``/api/complaints.geojson`` (the export) instead."""

    filters = LIST_FILTERS

    @extend_schema(
        summary="Cases in the caller's jurisdiction as GeoJSON pages",
        parameters=[
            *filter_parameters(LIST_FILTERS),
            *paging_parameters(CaseFeaturePagination),
        ],
        responses={(200, "application/geo+json"): CaseFeaturePageDoc},
    )
    def get(self, request):
        _require_area(request)
        filters = self.read_filters(request)
        qs = sel.case_list(officer=request.user, filters=filters)
        viewer = policy.viewer_for(request.user)
        paginator = CaseFeaturePagination()
        paginator.request_viewer = viewer
        page = paginator.paginate_queryset(qs, request, view=self)
        data = CaseFeatureSerializer(
            page, many=True, context={"viewer": viewer, "now": timezone.now()}
        ).data
        response = paginator.get_paginated_response(data)
        response.content_type = GEOJSON_CONTENT_TYPE
        return response


GEOJSON_CONTENT_TYPE = "application/geo+json"


class SummaryInput(StrictSerializer):
    by = ExactChoiceField(choices=list(sel.GROUPINGS), required=False, default="district")


class BacklogSummaryView(APIView):
    """``GET /api/cases/backlog/summary/?by=team|district|province``"""

    @extend_schema(
        summary="Open and overdue counts per team, district or province",
        parameters=[SummaryInput],
        responses={200: BacklogSummaryDoc},
    )
    def get(self, request):
        _require_area(request)
        params = SummaryInput(data=request.query_params.dict(), context={"request": request})
        params.is_valid(raise_exception=True)
        by = params.validated_data["by"]
        viewer = policy.viewer_for(request.user)
        rows = [
            policy.shape(
                viewer, "summary", {**row, "oldest_received_at": _iso(row["oldest_received_at"])}
            )
            for row in sel.backlog_summary(officer=request.user, by=by)
        ]
        return Response(policy.shape(viewer, "page", {"by": by, "results": rows}))


class CaseDetailView(APIView):
    """``GET /api/cases/<tracking_no>/``"""

    @extend_schema(
        summary="One case", parameters=[TRACKING_NO_PARAMETER], responses={200: CaseDetailDoc}
    )
    def get(self, request, tracking_no):
        _require_area(request)
        case = sel.case_get(officer=request.user, tracking_no=tracking_no)
        return Response(case_detail_json(case, officer=request.user))


class CaseActionInput(StrictSerializer):
    """The body of an action: JSON, or multipart for a note with ``files``. Types only; what
    each action requires (a closing note, a reason…) is the workflow service's to say."""

    extra_allowed = ("files", "csrfmiddlewaretoken")

    action = ExactChoiceField(choices=list(wf.ACTIONS + wf.DUPLICATE_ACTIONS))
    version = WholeNumberField(
        message=_("The version of the case you saw: a whole number of at least 1.")
    )
    note = TextField()
    reason = TextField()
    text = TextField()
    agency = TextField()
    original = TextField(help_text="mark_duplicate: the tracking number of the original case.")
    candidate = TextField(help_text="dismiss_duplicate: the suggested case that is not one.")
    public_note = TextField(
        help_text="Closing only: what the complainant reads on the public tracking page."
    )
    team = WholeNumberField(required=False, message=_("A team is given by its number."))
    target = ExactChoiceField(choices=ForwardTarget.values, required=False)
    result = ExactChoiceField(choices=CloseResult.values, required=False)
    visit_lat = DecimalNumberField(low=-90, high=90, required=False)
    visit_lon = DecimalNumberField(low=-180, high=180, required=False)
    visit_accuracy_m = DecimalNumberField(low=0, high=99_999, required=False)


class CaseActionFormDoc(CaseActionInput):
    """The same fields as a form, with the files of a note."""

    files = S.ListField(child=S.FileField(), required=False)

    class Meta:
        ref_name = "CaseActionForm"


class CaseActionView(APIView):
    """``POST /api/cases/<tracking_no>/actions/`` with ``{"action": ..., "version": n, ...}``.

    JSON, or multipart for a note with ``files``. See the module docstring for the codes.
    """

    @extend_schema(
        summary=(
            "Act on a case (start, assign, forward, return, close, reopen, note; "
            "mark_duplicate, unlink_duplicate, dismiss_duplicate)"
        ),
        parameters=[TRACKING_NO_PARAMETER],
        request={
            "application/json": CaseActionInput,
            "multipart/form-data": CaseActionFormDoc,
        },
        responses={200: CaseAfterActionDoc},
    )
    def post(self, request, tracking_no):
        _require_area(request)
        case = sel.case_get(officer=request.user, tracking_no=tracking_no)
        body = CaseActionInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        case = wf.complaint_act(
            complaint=case,
            actor=request.user,
            action=data.pop("action"),
            expected_version=data.pop("version"),
            data=data,
            files=request.FILES.getlist("files"),
        )
        viewer = policy.viewer_for(request.user)
        try:
            case = sel.case_get(officer=request.user, tracking_no=case.tracking_no)
        except CaseNotFound:
            # Applied, but the case has left the officer's sight (e.g. handed to another team).
            return Response(case_summary_json(case, viewer=viewer))
        return Response(case_detail_json(case, officer=request.user))
