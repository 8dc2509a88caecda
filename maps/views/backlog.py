"""Closing the backlog in one act (issue 12): choose open cases by filters or by a list of
tracking numbers (typed or uploaded), see how many and which, then close them all with one
result and one note. ``layers.services.backlog`` does the work through the workflow."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.utils.translation import gettext as _

from boundaries.models import District
from layers import policy
from layers.errors import Forbidden, InvalidInput
from layers.models import OPEN_STATUSES, Category, CloseResult, Status
from layers.selectors.scope import jurisdiction_for
from layers.services.backlog import (
    BULK_CLOSE_MAX,
    BacklogFilter,
    backlog_selection,
    bulk_close,
    may_close_backlog,
    tracking_numbers_from_file,
    tracking_numbers_in,
)
from layers.thaidate import parse_be_date

PREVIEW_ROWS = 50


def _districts(officer):
    j = jurisdiction_for(officer)
    qs = District.objects.all()
    if not j.country:
        qs = qs.filter(Q(code__in=j.districts) | Q(province_id__in=j.provinces))
    return list(qs.order_by("code").values_list("code", "name_th"))


def _selection(data, files, errors: dict) -> tuple[BacklogFilter, dict]:
    """The filter from the form, and the values to show again; problems go into ``errors``."""
    shown = {
        "district": data.get("district", ""),
        "category": data.get("category", ""),
        "received_before": data.get("received_before", ""),
        "statuses": [s for s in data.getlist("status") if s in OPEN_STATUSES],
        "numbers": data.get("numbers", ""),
    }
    category = None
    if shown["category"]:
        if shown["category"].isdigit():
            category = int(shown["category"])
        else:
            errors["category"] = _("Choose a main category.")
    before = None
    if shown["received_before"]:
        try:
            before = parse_be_date(shown["received_before"])
        except ValueError:
            errors["received_before"] = _("Write the date as 31/01/2565.")
    numbers = tracking_numbers_in(shown["numbers"]) if shown["numbers"] else []
    upload = files.get("numbers_file") if files else None
    if upload is not None:
        try:
            numbers += [n for n in tracking_numbers_from_file(upload) if n not in numbers]
        except InvalidInput as exc:
            errors.update({k: v[0] for k, v in exc.fields.items()})
        # The uploaded numbers are shown in the box: the confirming POST carries them.
        shown["numbers"] = "\n".join(numbers)
    selection = BacklogFilter(
        district=shown["district"] if shown["district"].isdigit() else "",
        category=category,
        received_before=before,
        statuses=tuple(shown["statuses"]),
        numbers=tuple(numbers),
    )
    if (shown["numbers"] or upload is not None) and not numbers:
        errors["numbers"] = _("No tracking number (such as 2569-0000123) was found in the list.")
    return selection, shown


@login_required
def case_bulk_close(request):
    if not may_close_backlog(request.user):
        raise Forbidden(_("Only district, province and central officers close cases."))
    officer = request.user
    data = request.POST if request.method == "POST" else request.GET
    errors: dict = {}
    selection, shown = _selection(data, request.FILES, errors)
    status = 200
    outcome = None
    closing = request.method == "POST" and data.get("action") == "close"
    if closing and not data.get("confirm"):
        errors["confirm"] = _("Tick the box to confirm closing these cases.")
    if closing and not errors:
        try:
            outcome = bulk_close(
                officer=officer,
                selection=selection,
                result=data.get("result", ""),
                note=data.get("note", ""),
                expected_count=data.get("expected_count", ""),
            )
        except InvalidInput as exc:
            errors.update({k: v[0] for k, v in exc.fields.items()})
            status = 400
        else:
            messages.success(
                request,
                _("%(closed)d cases closed; %(refused)d left open (see the reasons below).")
                % {"closed": len(outcome.closed), "refused": len(outcome.refused)},
            )
    elif errors:
        status = 400
    qs = backlog_selection(officer=officer, selection=selection)
    count = qs.count()
    viewer = policy.viewer_for(officer)
    rows = [
        policy.case_view(viewer, c)
        for c in qs.select_related("category", "subcategory", "subdistrict", "district")[
            :PREVIEW_ROWS
        ]
    ]
    context = {
        "shown": shown,
        "errors": errors,
        "count": count,
        "rows": rows,
        "more": count > PREVIEW_ROWS,
        "preview_rows": PREVIEW_ROWS,
        "max": BULK_CLOSE_MAX,
        "districts": _districts(officer),
        "categories": Category.objects.filter(parent=None, is_active=True),
        "statuses": [(s, Status(s).label) for s in OPEN_STATUSES],
        "results": CloseResult.choices,
        "result": data.get("result", ""),
        "note": data.get("note", ""),
        "outcome": outcome,
        "bulk": policy.shape(
            viewer,
            "bulkclose",
            {
                "selected": count,
                "closed": len(outcome.closed) if outcome else None,
                "refused": len(outcome.refused) if outcome else None,
            },
        ),
    }
    return render(request, "maps/cases/bulk_close.html", context, status=status)
