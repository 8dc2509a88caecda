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
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import (
    DecimalNumberField,
    ExactChoiceField,
    StrictSerializer,
    TextField,
    WholeNumberField,
)
from layers import policy
from layers.errors import CaseNotFound, Forbidden
from layers.models import CloseResult, ForwardTarget
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


class CasePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
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


class CaseListView(_ListView):
    """``GET /api/cases/?status=&team=&district=&province=&subdistrict=&overdue=&forwarded_to=
    &category=&channel=&since=&until=&bbox=&page=&page_size=``"""

    filters = LIST_FILTERS

    def get(self, request):
        _require_area(request)
        filters = self.read_filters(request)
        return self.paginated(request, sel.case_list(officer=request.user, filters=filters))


class CaseBacklogView(_ListView):
    """``GET /api/cases/backlog/?team=&district=&province=…`` — open cases, oldest first."""

    filters = OPEN_LIST_FILTERS

    def get(self, request):
        _require_area(request)
        filters = self.read_filters(request)
        return self.paginated(request, sel.case_backlog(officer=request.user, filters=filters))


class CaseOverdueView(_ListView):
    """``GET /api/cases/overdue/?team=&district=&province=…`` — the most overdue first."""

    filters = OPEN_LIST_FILTERS

    def get(self, request):
        _require_area(request)
        filters = self.read_filters(request)
        return self.paginated(request, sel.case_overdue(officer=request.user, filters=filters))


class CaseQueueView(_ListView):
    """``GET /api/cases/queue/`` — my queue (team, district desk, or forwarded-up inbox)."""

    def get(self, request):
        _require_area(request)
        self.read_filters(request)  # paging only: anything else is an unknown parameter
        return self.paginated(request, sel.case_queue_for(officer=request.user))


class CaseInboxView(_ListView):
    """``GET /api/cases/inbox/`` — cases forwarded up to the officer's level."""

    def get(self, request):
        _require_area(request)
        self.read_filters(request)
        return self.paginated(request, sel.case_inbox_for(officer=request.user))


class SummaryInput(StrictSerializer):
    by = ExactChoiceField(choices=list(sel.GROUPINGS), required=False, default="district")


class BacklogSummaryView(APIView):
    """``GET /api/cases/backlog/summary/?by=team|district|province``"""

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

    def get(self, request, tracking_no):
        _require_area(request)
        case = sel.case_get(officer=request.user, tracking_no=tracking_no)
        return Response(case_detail_json(case, officer=request.user))


class CaseActionInput(StrictSerializer):
    """The body of an action: JSON, or multipart for a note with ``files``. Types only; what
    each action requires (a closing note, a reason…) is the workflow service's to say."""

    extra_allowed = ("files", "csrfmiddlewaretoken")

    action = ExactChoiceField(choices=list(wf.ACTIONS))
    version = WholeNumberField(
        message=_("The version of the case you saw: a whole number of at least 1.")
    )
    note = TextField()
    reason = TextField()
    text = TextField()
    agency = TextField()
    team = WholeNumberField(required=False, message=_("A team is given by its number."))
    target = ExactChoiceField(choices=ForwardTarget.values, required=False)
    result = ExactChoiceField(choices=CloseResult.values, required=False)
    visit_lat = DecimalNumberField(low=-90, high=90, required=False)
    visit_lon = DecimalNumberField(low=-180, high=180, required=False)
    visit_accuracy_m = DecimalNumberField(low=0, high=99_999, required=False)


class CaseActionView(APIView):
    """``POST /api/cases/<tracking_no>/actions/`` with ``{"action": ..., "version": n, ...}``.

    JSON, or multipart for a note with ``files``. See the module docstring for the codes.
    """

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
