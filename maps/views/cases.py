"""Case pages: one case with its timeline and action forms, and the case lists.

Thin views: reading through ``layers.selectors.cases`` (always the jurisdiction scope), writing
through ``layers.services.workflow``. A case outside the officer's jurisdiction is a 404; an
officer with no role at all gets a 403 on every page here.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from api.duplicates import people_json, place_json, visible_ids
from layers import policy
from layers.errors import ApplicationError, Forbidden, NotFound
from layers.models import Category, CloseResult, Complaint, ForwardTarget, Status
from layers.rules import is_overdue
from layers.selectors import cases as sel
from layers.selectors.duplicates import duplicates_for_case
from layers.selectors.filters import case_filter_from_params
from layers.selectors.people import person_matches_for_case
from layers.selectors.scope import COUNTRY_ROLES, PROVINCE_ROLES, jurisdiction_for
from layers.services import workflow as wf
from layers.services.notifications import notifications_mark_read
from maps.views.documents import documents_context

PAGE_SIZE = 50


def _require_area(request):
    if jurisdiction_for(request.user).is_empty:
        raise Forbidden(_("Your account has no role with an area yet."))


def _map_data(viewer, case, notes) -> dict:
    visits = [
        {"lat": n.visit_location.y, "lon": n.visit_location.x, "acc": n.visit_accuracy_m}
        for n in notes
        if n.visit_location is not None and viewer.sees("note.visit_lat")
    ]
    return {
        "lat": case.location.y if viewer.sees("case.lat") else None,
        "lon": case.location.x if viewer.sees("case.lon") else None,
        "approximate": case.location_approximate and viewer.sees("case.location_approximate"),
        "area": sel.case_subdistrict_geojson(case),
        "visits": visits,
    }


def history_rows(viewer, case) -> list[dict]:
    """The case's timeline for a page: labels, and the values the viewer may see."""
    labels = dict(Status.choices)
    rows = []
    for h in sel.case_history(case):
        rows.append(
            {
                "at": h.at,
                "kind": h.kind,
                "kind_label": h.get_kind_display(),
                "from_label": labels.get(h.from_status, ""),
                "to_label": labels.get(h.to_status, ""),
                "changed": bool(h.to_status) and h.to_status != h.from_status,
                **policy.history_view(viewer, h),
            }
        )
    return rows


def duplicates_context(officer, viewer, case, actions) -> dict:
    """Issue 8 on the case page: the case it duplicates, the cases recorded as duplicates of
    it ("also reported by N"), and the suggested duplicates with what the officer may do about
    each (mark this case a duplicate of it: who may close; dismiss it: who may add a note).
    Numbers of cases outside the officer's area show without a link; a suggestion shows only
    the fields ``policy.shape_match`` allows."""
    linked = list(
        Complaint.objects.filter(pk=case.duplicate_of_id).values_list("pk", "tracking_no")
    ) + list(case.also_reported.order_by("received_at").values_list("pk", "tracking_no"))
    candidates = duplicates_for_case(complaint=case, limit=10) if case.status != "closed" else []
    visible = visible_ids(officer, [pk for pk, _n in linked] + [c.complaint_id for c in candidates])

    def ref(pk, number):
        return {"tracking_no": number, "visible": pk in visible}

    rows = place_json(viewer, candidates, visible) if viewer.sees("case.duplicates") else []
    labels = dict(Status.choices)
    for row, candidate in zip(rows, candidates, strict=False):
        # For the page: the status's label and the date as a date (BE by the template).
        row["status_label"] = labels.get(row["status"]) if row["status"] else None
        row["received_on"] = candidate.received_at if row["received_at"] else None
    original = ref(*linked[0]) if case.duplicate_of_id else None
    also = [ref(pk, n) for pk, n in linked[1 if original else 0 :]]
    return {
        "original": original if viewer.sees("case.duplicate_of") else None,
        "also_reported": also if viewer.sees("case.also_reported") else [],
        "candidates": rows,
        "may_mark": wf.CLOSE in actions and not also,
        "may_dismiss": wf.NOTE in actions,
        "may_unlink": wf.REOPEN in actions and original is not None,
    }


PEOPLE_LIMIT = 20


def people_context(officer, viewer, case) -> dict | None:
    """Issue 8 on the case page: other complaints by this case's complainant (the same citizen
    ID, phone or a near-identical name) and about its accused party (the same name), anywhere
    in the country, through ``layers.selectors.people``. Only for readers entitled to
    personal data (``case.people_matches``); a case the officer may not open shows only what
    ``policy.shape_match`` allows (tracking number, district, province, date, category,
    status), without a link."""
    if not viewer.sees("case.people_matches"):
        return None
    matches = person_matches_for_case(complaint=case, limit=PEOPLE_LIMIT)
    visible = visible_ids(officer, [m.complaint_id for m in matches])
    rows = people_json(viewer, matches, visible)
    names = dict(
        Category.objects.filter(code__in={m.category_code for m in matches}).values_list(
            "code", "name_th"
        )
    )
    labels = dict(Status.choices)
    groups: dict[str, list[dict]] = {"complainant": [], "accused": []}
    for row, match in zip(rows, matches, strict=True):
        row["received_on"] = match.received_at if row["received_at"] else None
        row["status_label"] = labels.get(row["status"]) if row["status"] else None
        row["category_name"] = names.get(row["category_code"]) if row["category_code"] else None
        groups[match.role].append(row)
    return groups


def _detail_context(request, case, *, errors=None, failed_action=None, posted=None):
    officer = request.user
    viewer = policy.viewer_for(officer)
    notes = list(sel.case_notes(case))  # the list and the map's visit points: one query
    actions = wf.actions_available(complaint=case, officer=officer)
    documents = documents_context(request, case)
    return {
        # Templates get the policy's views, never the bare case: a field the reader may not
        # see prints as "withheld for your role" (layers.policy).
        "case": policy.case_view(viewer, case),
        "may": {
            "personal": viewer.sees("case.personal"),
            "attachments": viewer.sees("case.attachments"),
            "add_document": documents["may_add_document"],
        },
        **documents,
        "history": history_rows(viewer, case),
        "notes": [policy.note_view(viewer, n) for n in notes],
        "attachments": (
            [policy.attachment_view(viewer, a) for a in sel.case_attachments(case)]
            if viewer.sees("case.attachments")
            else []
        ),
        "actions": actions,
        "dups": duplicates_context(officer, viewer, case, actions),
        "people": people_context(officer, viewer, case),
        "teams": sel.teams_for_assignment(case),
        "forward_targets": ForwardTarget.choices,
        "close_results": CloseResult.choices,
        "is_overdue": is_overdue(case, now=timezone.now()),
        "map_data": _map_data(viewer, case, notes),
        "errors": errors or {},
        "failed_action": failed_action,
        "posted": posted or {},
    }


@login_required
@require_GET
def case_detail(request, tracking_no):
    _require_area(request)
    case = sel.case_get(officer=request.user, tracking_no=tracking_no)
    return render(request, "maps/cases/detail.html", _detail_context(request, case))


@login_required
@require_POST
def case_action(request, tracking_no):
    """One form per action on the case page; each posts the version the officer saw."""
    _require_area(request)
    case = sel.case_get(officer=request.user, tracking_no=tracking_no)
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
    except NotFound:
        raise
    except ApplicationError as exc:
        # Refused (bad input, stale version, a status that does not allow it, a role that may
        # not): the case as it is now, with the officer's form open and what they typed.
        current = sel.case_get(officer=request.user, tracking_no=tracking_no)
        if exc.fields:
            messages.error(request, _("The action was not applied: check the form below."))
        else:
            messages.error(request, exc.message)
        context = _detail_context(
            request, current, errors=exc.fields, failed_action=action, posted=_safe_post(request)
        )
        return render(request, "maps/cases/detail.html", context, status=exc.status)
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
    attachment = sel.case_attachment_get(
        officer=request.user, tracking_no=tracking_no, attachment_id=pk
    )
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise NotFound(_("The file is missing.")) from None
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


def _list_page(request, qs, *, title, tab, intro="", summary=None, by=None, filters=None):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    viewer = policy.viewer_for(request.user)
    return render(
        request,
        "maps/cases/list.html",
        {
            "title": title,
            "tab": tab,
            "intro": intro,
            "page": page,
            "rows": [policy.case_view(viewer, c) for c in page],
            "now": timezone.now(),
            "summary": summary,
            "by": by,
            "filters": filters or {},
        },
    )


# The list pages take the API's area filters, read by the same parser (a bad code is a 400).
PAGE_FILTERS = ("team", "district", "province")


def _area_filters(request):
    filters = case_filter_from_params(request.GET, allowed=PAGE_FILTERS, also=("page", "by"))
    shown = {k: request.GET.get(k, "") for k in PAGE_FILTERS}
    return filters, shown


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
    filters, shown = _area_filters(request)
    return _list_page(
        request,
        sel.case_backlog(officer=request.user, filters=filters),
        filters=shown,
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
    filters, shown = _area_filters(request)
    return _list_page(
        request,
        sel.case_overdue(officer=request.user, filters=filters),
        filters=shown,
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
