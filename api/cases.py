"""The case API: scoped lists, one case, and the workflow actions (thin over selectors/services).

Status codes of ``POST /api/cases/<tracking_no>/actions/``:

* 200 — applied; the body is the case as it is now (with its new ``version``).
* 400 — bad or missing input; the body names the field (``{"note": ["Write a closing note."]}``).
* 403 — the officer sees the case but may not take this action (read-only role, wrong level).
* 404 — no such case, or outside the officer's jurisdiction (existence is not revealed).
* 409 — the case's current state refuses the action: ``"code": "stale_version"`` when it
  changed since the officer loaded it (nothing written), ``"code": "transition_refused"`` when
  its status does not allow the action. Both carry ``"current"``: the case's status and version.

Personal data (complainant, accused party) only for roles entitled to it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.models import Status
from layers.rules import is_overdue
from layers.selectors import cases as sel
from layers.selectors.scope import jurisdiction_for, officer_sees_personal_data
from layers.services import workflow as wf


class CasePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _require_area(request):
    if jurisdiction_for(request.user).is_empty:
        raise PermissionDenied(_("Your account has no role with an area yet."))


def _iso(value):
    return value.isoformat() if value else None


def case_summary_json(case, *, now=None, personal: bool = True) -> dict:
    """A case in a list. ``personal=False`` (roles not entitled to personal data) withholds
    the free text officers write, which often names people."""
    now = now or timezone.now()
    return {
        "tracking_no": case.tracking_no,
        "status": case.status,
        "version": case.version,
        "category": case.category.code,
        "category_name": case.category.name_th,
        "subcategory": case.subcategory.code if case.subcategory_id else None,
        "subcategory_text": case.subcategory_text if personal else None,
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
    }


def case_detail_json(case, *, officer) -> dict:
    personal = officer_sees_personal_data(officer)

    def text(value):
        # Free text (descriptions, notes, reasons) often names people: withheld like the
        # structured personal fields for roles not entitled to them.
        return value if personal else None

    data = case_summary_json(case, personal=personal)
    data.update(
        {
            "title": text(case.title),
            "description": text(case.description),
            "channel": case.channel,
            "location_note": text(case.location_note),
            "status_changed_at": _iso(case.status_changed_at),
            "closed_at": _iso(case.closed_at),
            "close_result": case.close_result or None,
            "close_note": text(case.close_note),
            "actions": wf.actions_available(complaint=case, officer=officer),
            "history": [
                {
                    "kind": h.kind,
                    "from_status": h.from_status,
                    "to_status": h.to_status,
                    "from_value": h.from_value,
                    "to_value": h.to_value,
                    "note": text(h.note),
                    "actor": h.actor.get_full_name() if h.actor_id else None,
                    "at": _iso(h.at),
                }
                for h in sel.case_history(case)
            ],
            "notes": [
                {
                    "id": n.pk,
                    "text": text(n.text),
                    "author": n.author.get_full_name(),
                    "created_at": _iso(n.created_at),
                    "visit_lat": n.visit_location.y if n.visit_location else None,
                    "visit_lon": n.visit_location.x if n.visit_location else None,
                    "visit_accuracy_m": n.visit_accuracy_m,
                    "attachments": [a.pk for a in n.attachments.all()],
                }
                for n in sel.case_notes(case)
            ],
            "attachments": [
                {
                    "id": a.pk,
                    "name": a.original_name,
                    "kind": a.kind,
                    "content_type": a.content_type,
                    "size_bytes": a.size_bytes,
                    "uploaded_at": _iso(a.uploaded_at),
                    # Served by the case page's view, which checks the jurisdiction again.
                    "url": reverse("case_attachment", args=[case.tracking_no, a.pk]),
                }
                for a in (sel.case_attachments(case) if personal else ())
            ],
        }
    )
    if not personal:
        data["withheld"] = ["personal", "free_text", "attachments"]
    else:
        data["personal"] = {
            "complainant_name": case.complainant_name,
            "complainant_citizen_id": case.complainant_citizen_id,
            "complainant_phone": case.complainant_phone,
            "complainant_address": case.complainant_address,
            "accused_name": case.accused_name,
            "accused_detail": case.accused_detail,
        }
    return data


def _bool_param(value, name):
    if value in (None, ""):
        return None
    lowered = str(value).lower()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no"):
        return False
    raise ValidationError({name: _("Use true or false.")})


def _area_params(request) -> dict:
    params = request.query_params
    team = params.get("team") or None
    if team is not None and not team.isdecimal():  # not isdigit(): int("²") fails
        raise ValidationError({"team": _("A team is given by its number.")})
    return {
        "team": team,
        "district": params.get("district") or None,
        "province": params.get("province") or None,
    }


class _ListView(APIView):
    def paginated(self, request, qs):
        paginator = CasePagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        now = timezone.now()
        personal = officer_sees_personal_data(request.user)
        return paginator.get_paginated_response(
            [case_summary_json(c, now=now, personal=personal) for c in page]
        )


class CaseListView(_ListView):
    """``GET /api/cases/?status=&team=&district=&province=&overdue=&forwarded_to=&page=``"""

    def get(self, request):
        _require_area(request)
        params = request.query_params
        statuses = [s for s in params.getlist("status") for s in s.split(",") if s]
        bad = [s for s in statuses if s not in Status.values]
        if bad:
            raise ValidationError(
                {"status": _("Unknown status; use: %(s)s.") % {"s": ", ".join(Status.values)}}
            )
        qs = sel.case_list(
            officer=request.user,
            status=statuses or None,
            overdue=_bool_param(params.get("overdue"), "overdue"),
            forwarded_to=params.get("forwarded_to") or None,
            **_area_params(request),
        )
        return self.paginated(request, qs)


class CaseBacklogView(_ListView):
    """``GET /api/cases/backlog/?team=&district=&province=`` — open cases, oldest first."""

    def get(self, request):
        _require_area(request)
        return self.paginated(
            request, sel.case_backlog(officer=request.user, **_area_params(request))
        )


class CaseOverdueView(_ListView):
    """``GET /api/cases/overdue/?team=&district=&province=`` — the most overdue first."""

    def get(self, request):
        _require_area(request)
        return self.paginated(
            request, sel.case_overdue(officer=request.user, **_area_params(request))
        )


class CaseQueueView(_ListView):
    """``GET /api/cases/queue/`` — my queue (team, district desk, or forwarded-up inbox)."""

    def get(self, request):
        _require_area(request)
        return self.paginated(request, sel.case_queue_for(officer=request.user))


class CaseInboxView(_ListView):
    """``GET /api/cases/inbox/`` — cases forwarded up to the officer's level."""

    def get(self, request):
        _require_area(request)
        return self.paginated(request, sel.case_inbox_for(officer=request.user))


class BacklogSummaryView(APIView):
    """``GET /api/cases/backlog/summary/?by=team|district|province``"""

    def get(self, request):
        _require_area(request)
        by = request.query_params.get("by", "district")
        if by not in sel.GROUPINGS:
            raise ValidationError({"by": _("Group by team, district or province.")})
        rows = sel.backlog_summary(officer=request.user, by=by)
        for row in rows:
            row["oldest_received_at"] = _iso(row["oldest_received_at"])
        return Response({"by": by, "results": rows})


def _get_case(request, tracking_no):
    try:
        return sel.case_get(officer=request.user, tracking_no=tracking_no)
    except wf.CaseNotFound:
        raise NotFound(_("No such case.")) from None


class CaseDetailView(APIView):
    """``GET /api/cases/<tracking_no>/``"""

    def get(self, request, tracking_no):
        _require_area(request)
        case = _get_case(request, tracking_no)
        return Response(case_detail_json(case, officer=request.user))


class CaseActionView(APIView):
    """``POST /api/cases/<tracking_no>/actions/`` with ``{"action": ..., "version": n, ...}``.

    JSON, or multipart for a note with ``files``. See the module docstring for the codes.
    """

    ERROR_STATUS = {
        wf.ActionForbidden: status.HTTP_403_FORBIDDEN,
        wf.TransitionRefused: status.HTTP_409_CONFLICT,
        wf.StaleVersion: status.HTTP_409_CONFLICT,
    }

    def post(self, request, tracking_no):
        _require_area(request)
        case = _get_case(request, tracking_no)
        data = request.data
        if not hasattr(data, "get"):
            raise ValidationError({"detail": _("Send a JSON object or a form.")})
        action = data.get("action")
        if action not in wf.ACTIONS:
            raise ValidationError(
                {"action": _("Use one of: %(a)s.") % {"a": ", ".join(wf.ACTIONS)}}
            )
        if data.get("version") in (None, ""):
            raise ValidationError({"version": _("Send the version of the case you saw.")})
        try:
            case = wf.complaint_act(
                complaint=case,
                actor=request.user,
                action=action,
                expected_version=data.get("version"),
                data=data,
                files=request.FILES.getlist("files"),
            )
        except wf.CaseNotFound:
            raise NotFound(_("No such case.")) from None
        except wf.WorkflowError as exc:
            body = {"detail": exc.message, "code": exc.code}
            if exc.complaint is not None:
                body["current"] = {
                    "status": exc.complaint.status,
                    "version": exc.complaint.version,
                }
            return Response(body, status=self.ERROR_STATUS[type(exc)])
        try:
            case = sel.case_get(officer=request.user, tracking_no=case.tracking_no)
        except wf.CaseNotFound:
            # Applied, but the case has left the officer's sight (e.g. handed to another team).
            return Response(
                case_summary_json(case, personal=officer_sees_personal_data(request.user))
            )
        return Response(case_detail_json(case, officer=request.user))
