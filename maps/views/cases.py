"""Case pages: one case with its timeline and action forms, and the case lists.

Thin views: reading through ``layers.selectors.cases`` (always the jurisdiction scope), writing
through ``layers.services.workflow``. A case outside the officer's jurisdiction is a 404; an
officer with no role at all gets a 403 on every page here.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from layers.models import CloseResult, ForwardTarget, Status
from layers.rules import is_overdue
from layers.selectors import cases as sel
from layers.selectors.scope import (
    COUNTRY_ROLES,
    PROVINCE_ROLES,
    jurisdiction_for,
    officer_sees_personal_data,
)
from layers.services import workflow as wf
from layers.services.notifications import notifications_mark_read

PAGE_SIZE = 50
ERROR_STATUS = {
    wf.CaseNotFound: 404,
    wf.ActionForbidden: 403,
    wf.TransitionRefused: 409,
    wf.StaleVersion: 409,
}


def _require_area(request):
    if jurisdiction_for(request.user).is_empty:
        raise PermissionDenied(_("Your account has no role with an area yet."))


def _get_case(request, tracking_no):
    try:
        return sel.case_get(officer=request.user, tracking_no=tracking_no)
    except wf.CaseNotFound:
        raise Http404(_("No such case.")) from None


def _map_data(case, notes) -> dict:
    visits = [
        {
            "lat": n.visit_location.y,
            "lon": n.visit_location.x,
            "acc": n.visit_accuracy_m,
        }
        for n in notes
        if n.visit_location is not None
    ]
    return {
        "lat": case.location.y,
        "lon": case.location.x,
        "area": sel.case_subdistrict_geojson(case),
        "visits": visits,
    }


def _history(case) -> list:
    labels = dict(Status.choices)
    rows = list(sel.case_history(case))
    for h in rows:
        h.from_label = labels.get(h.from_status, "")
        h.to_label = labels.get(h.to_status, "")
    return rows


def _detail_context(request, case, *, errors=None, failed_action=None, posted=None):
    officer = request.user
    notes = list(sel.case_notes(case))  # the list and the map's visit points: one query
    personal = officer_sees_personal_data(officer)
    return {
        "case": case,
        # Without it: no names, IDs or phones, and no free text or documents either (they
        # often name people); the template shows that they are withheld.
        "personal": personal,
        "history": _history(case),
        "notes": notes,
        "attachments": sel.case_attachments(case) if personal else [],
        "actions": wf.actions_available(complaint=case, officer=officer),
        "teams": sel.teams_for_assignment(case),
        "forward_targets": ForwardTarget.choices,
        "close_results": CloseResult.choices,
        "is_overdue": is_overdue(case, now=timezone.now()),
        "map_data": _map_data(case, notes),
        "errors": errors or {},
        "failed_action": failed_action,
        "posted": posted or {},
    }


@login_required
@require_GET
def case_detail(request, tracking_no):
    _require_area(request)
    case = _get_case(request, tracking_no)
    return render(request, "maps/cases/detail.html", _detail_context(request, case))


@login_required
@require_POST
def case_action(request, tracking_no):
    """One form per action on the case page; each posts the version the officer saw."""
    _require_area(request)
    case = _get_case(request, tracking_no)
    action = request.POST.get("action", "")
    try:
        wf.complaint_act(
            complaint=case,
            actor=request.user,
            action=action,
            expected_version=request.POST.get("version"),
            data=request.POST,
            files=request.FILES.getlist("files"),
        )
    except wf.CaseNotFound:
        raise Http404(_("No such case.")) from None
    except wf.WorkflowError as exc:
        current = _get_case(request, tracking_no)
        messages.error(request, exc.message)
        context = _detail_context(
            request, current, failed_action=action, posted=_safe_post(request)
        )
        return render(request, "maps/cases/detail.html", context, status=ERROR_STATUS[type(exc)])
    except ValidationError as exc:
        current = _get_case(request, tracking_no)
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        messages.error(request, _("The action was not applied: check the form below."))
        context = _detail_context(
            request, current, errors=errors, failed_action=action, posted=_safe_post(request)
        )
        return render(request, "maps/cases/detail.html", context, status=400)
    messages.success(request, _("Saved."))
    return redirect("case_detail", tracking_no=case.tracking_no)


def _safe_post(request) -> dict:
    # What the officer typed, to put back into the form (never the version: show the current).
    return {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "version")}


@login_required
@require_GET
def case_attachment(request, tracking_no, pk):
    """Serve a file only to officers who may see the case (there is no public media URL)."""
    _require_area(request)
    try:
        attachment = sel.case_attachment_get(
            officer=request.user, tracking_no=tracking_no, attachment_id=pk
        )
    except wf.CaseNotFound:
        raise Http404(_("No such attachment.")) from None
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise Http404(_("The file is missing.")) from None
    inline = attachment.content_type.startswith("image/") or (
        attachment.content_type == "application/pdf"
    )
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=not inline,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Lists -----------------------------------------------------------------------------------


def _list_page(request, qs, *, title, tab, intro="", summary=None, by=None):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "maps/cases/list.html",
        {
            "title": title,
            "tab": tab,
            "intro": intro,
            "page": page,
            "now": timezone.now(),
            "summary": summary,
            "by": by,
            "personal": officer_sees_personal_data(request.user),
            "filters": {k: request.GET.get(k, "") for k in ("team", "district", "province")},
        },
    )


def _area_filters(request) -> dict:
    team = request.GET.get("team", "")
    if team and not team.isdecimal():  # not isdigit(): int("²") fails
        team = ""
    return {
        "team": team or None,
        "district": request.GET.get("district", "")[:4] or None,
        "province": request.GET.get("province", "")[:2] or None,
    }


def _default_grouping(officer) -> str:
    j = jurisdiction_for(officer)
    if j.roles & COUNTRY_ROLES or j.country:
        return "province"
    if j.roles & PROVINCE_ROLES or j.provinces:
        return "district"
    return "team"


@login_required
@require_GET
def case_queue(request):
    _require_area(request)
    return _list_page(
        request,
        sel.case_queue_for(officer=request.user),
        title=_("My queue"),
        tab="queue",
        intro=_("Open cases waiting on your desk or your team, oldest first."),
    )


@login_required
@require_GET
def case_inbox(request):
    _require_area(request)
    return _list_page(
        request,
        sel.case_inbox_for(officer=request.user),
        title=_("Forwarded to us"),
        tab="inbox",
        intro=_("Cases forwarded up to your level: work and close them, or send them back."),
    )


@login_required
@require_GET
def case_backlog(request):
    _require_area(request)
    by = request.GET.get("by") or _default_grouping(request.user)
    if by not in sel.GROUPINGS:
        by = _default_grouping(request.user)
    return _list_page(
        request,
        sel.case_backlog(officer=request.user, **_area_filters(request)),
        title=_("Backlog (open cases)"),
        tab="backlog",
        intro=_("All open cases in your area, oldest first."),
        summary=sel.backlog_summary(officer=request.user, by=by),
        by=by,
    )


@login_required
@require_GET
def case_overdue(request):
    _require_area(request)
    return _list_page(
        request,
        sel.case_overdue(officer=request.user, **_area_filters(request)),
        title=_("Overdue cases"),
        tab="overdue",
        intro=_("Open cases past their due date, the most overdue first."),
    )


@login_required
def notification_list(request):
    _require_area(request)
    if request.method == "POST":
        notifications_mark_read(officer=request.user)
        return redirect("case_notifications")
    page = Paginator(sel.notifications_for(officer=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "maps/cases/notifications.html", {"page": page, "tab": "notifications"})


__all__ = [
    "case_action",
    "case_attachment",
    "case_backlog",
    "case_detail",
    "case_inbox",
    "case_overdue",
    "case_queue",
    "notification_list",
]
