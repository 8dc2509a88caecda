"""What the public tracking page shows of a case (issue 11): its status, the unit in charge and
a timeline of dates and status words, shaped through ``layers.policy`` as ``PUBLIC_VIEWER``.

Nothing a person typed reaches it — descriptions, notes, reasons, the name of an agency, the
words of an "Other" sub-category — and no person: the timeline says *what* happened in fixed
words ("sent to ชปต. ต.มุกดาหาร", "forwarded to the province centre"), never the note.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from boundaries.selectors import area_names
from layers.models import Complaint, ForwardTarget, HistoryKind, Status
from layers.policy import PUBLIC_VIEWER, Viewer, shape
from layers.selectors.intake import category_name


def _district_centre(names) -> str:
    return _("the %(district)s district centre") % {"district": names.district}


def _province_centre(names) -> str:
    return _("the %(province)s province centre") % {"province": names.province}


def _forward_unit(target: str, names) -> str:
    if target == ForwardTarget.PROVINCE:
        return _province_centre(names)
    if target == ForwardTarget.CENTRAL:
        return _("the central level (DOPA)")
    return _("another agency")


def unit_in_charge(case: Complaint, names=None) -> str:
    """The office holding the case now, in words (never a person, never a typed agency)."""
    names = names or area_names(subdistrict_code=case.subdistrict_id)
    if case.status == Status.FORWARDED and case.forwarded_to:
        return _forward_unit(case.forwarded_to, names)
    if case.assigned_team_id:
        return case.assigned_team.name
    return _district_centre(names)


def _event(row, names) -> tuple[str, str]:
    """(what happened, the unit in charge after it) for one history row."""
    kind = row.kind
    if kind == HistoryKind.CREATED:
        return _("Complaint received"), _district_centre(names)
    if kind in (HistoryKind.ASSIGNED, HistoryKind.REASSIGNED):
        # to_value is the team's name (an office: HISTORY_VALUE_CLASSES says CASE, not text).
        return _("Sent to the sub-district team"), row.to_value
    if kind == HistoryKind.STATUS:
        return _("Work started"), ""
    if kind == HistoryKind.FORWARDED:
        # The history of a forward keeps the typed agency name in to_value: read the target
        # from the status words only.
        target = row.target if hasattr(row, "target") else ""
        return _("Forwarded"), _forward_unit(target, names) if target else ""
    if kind == HistoryKind.RETURNED:
        return _("Sent back to the district centre"), _district_centre(names)
    if kind == HistoryKind.CLOSED:
        return _("Closed"), ""
    if kind == HistoryKind.REOPENED:
        return _("Reopened"), ""
    if kind == HistoryKind.NOTE:
        return _("Progress recorded"), ""
    if kind == HistoryKind.COMPLAINANT:
        return _("Information from you added"), ""
    return _("Details updated"), ""


def public_timeline(case: Complaint, *, viewer: Viewer = PUBLIC_VIEWER, names=None) -> list[dict]:
    names = names or area_names(subdistrict_code=case.subdistrict_id)
    rows = list(case.history.order_by("at", "id"))
    # Which level each forward went to: the case's own target for the last forward; earlier
    # ones are said without a target (their typed agency stays out).
    forwards = [r for r in rows if r.kind == HistoryKind.FORWARDED]
    if forwards and case.forwarded_to:
        forwards[-1].target = case.forwarded_to
    out = []
    for row in rows:
        event, unit = _event(row, names)
        to_status = row.to_status or case.status
        out.append(
            shape(
                viewer,
                "timeline",
                {
                    "at": row.at,
                    "event": event,
                    "status_label": Status(to_status).label if to_status else "",
                    "unit": unit,
                    "note": row.note,
                },
            )
        )
    return out


def public_case(case: Complaint, *, viewer: Viewer = PUBLIC_VIEWER) -> dict:
    """The case as the tracking page shows it; every key through ``policy.shape``."""
    names = area_names(subdistrict_code=case.subdistrict_id)
    data = {
        "tracking_no": case.tracking_no,
        "status": case.status,
        "status_label": case.get_status_display(),
        "is_open": case.is_open,
        "category_name": category_name(case.category),
        "subcategory_name": category_name(case.subcategory) if case.subcategory_id else "",
        "subcategory_text": case.subcategory_text,
        "subdistrict_name": names.subdistrict,
        "district_name": names.district,
        "province_name": names.province,
        "received_at": case.received_at,
        "closed_at": case.closed_at,
        "unit": unit_in_charge(case, names),
        "close_result_label": case.get_close_result_display() if case.close_result else "",
        "description": case.description,
        "close_note": case.close_note,
        "close_note_public": case.close_note_public if case.status == Status.CLOSED else "",
        "complainant_name": case.complainant_name,
        "timeline": public_timeline(case, viewer=viewer, names=names),
    }
    return shape(viewer, "track", data)
