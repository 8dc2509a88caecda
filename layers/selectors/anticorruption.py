"""Reads of the anti-corruption channel: which tips an officer may see, a tip for its tipster,
the audit log. Every read of a tip by an officer writes an audit row (``audit_write``).

Scope (seed 000): the centre sees every tip; a province's coordinators the tips of their
province handled at the district or province level; a district's reporter the tips handled by
their district. Nobody else sees a tip, or counts of tips: the ordinary roles' jurisdiction
(``layers.selectors.scope``) is never asked here, and the anti-corruption roles add nothing to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from layers import policy, tipcrypto
from layers.errors import NotFound
from layers.models import (
    TIP_PREFIX,
    Role,
    Tip,
    TipAudit,
    TipAuditAction,
    TipEventKind,
    TipLevel,
    TipStatus,
)
from layers.selectors.scope import jurisdiction_for
from layers.thaidate import date_label


def tip_scope_q(officer) -> Q | None:
    """A filter for the tips the officer handles; None: every tip (the centre)."""
    j = jurisdiction_for(officer)
    if Role.AC_CENTRE in j.roles:
        return None
    q = Q(pk__in=[])
    provinces = j.by_role.get(Role.AC_COORDINATOR, frozenset()) - {"TH"}
    districts = {d for d in j.by_role.get(Role.AC_REPORTER, frozenset()) if len(d) == 4}
    if provinces:
        q |= Q(province_id__in=provinces, level__in=[TipLevel.DISTRICT, TipLevel.PROVINCE])
    if districts:
        q |= Q(district_id__in=districts, level=TipLevel.DISTRICT)
    return q


def tips_visible_to(*, officer) -> QuerySet:
    """Tips the officer may see: none for anyone without an anti-corruption role."""
    if policy.tip_viewer_for(officer) is policy.NOBODY:
        return Tip.objects.none()
    q = tip_scope_q(officer)
    qs = Tip.objects.select_related("province", "district")
    return qs if q is None else qs.filter(q)


def tip_get(*, officer, tracking_no: str) -> Tip:
    tip = tips_visible_to(officer=officer).filter(tracking_no=tracking_no).first()
    if tip is None:
        raise NotFound(_("No such tip."))
    return tip


def audit_write(*, tip_ids, officer, action: str, shown: str = "") -> None:
    """One append-only audit row per tip (who, when, what was on the screen)."""
    TipAudit.objects.bulk_create(
        TipAudit(tip_id=pk, officer=officer, action=action, shown=shown[:400]) for pk in tip_ids
    )


def shown_parts(viewer: policy.Viewer, fields) -> str:
    """The names of the fields the viewer was shown (for the audit row)."""
    return ", ".join(f for f in fields if viewer.sees(f"tip.{f}"))


# --- What a page shows of a tip --------------------------------------------------------------

LIST_FIELDS = (
    "tracking_no",
    "status_label",
    "received_at",
    "level_label",
    "province_name",
    "district_name",
    "accused_level_label",
    "accused_unit",
)
DETAIL_FIELDS = (
    *LIST_FIELDS,
    "anonymous",
    "tipster_name",
    "tipster_phone",
    "tipster_email",
    "accused_name",
    "accused_position",
    "place_note",
    "description",
    "happened_on",
    "result_label",
    "closed_at",
    "files",
    "events",
)


def _event_rows(tip: Tip, viewer: policy.Viewer, *, public: bool) -> list[dict]:
    rows = []
    for event in tip.events.select_related("actor"):
        if public and event.kind not in (TipEventKind.RECEIVED, TipEventKind.STATUS):
            continue
        to_label = ""
        if event.kind in (TipEventKind.RECEIVED, TipEventKind.STATUS) and event.to_value:
            to_label = TipStatus(event.to_value).label
        elif event.kind == TipEventKind.ESCALATED and event.to_value:
            to_label = TipLevel(event.to_value).label
        row = {
            "at": event.at,
            "kind_label": event.get_kind_display(),
            "to_label": str(to_label),
            "note": event.note,
            "actor": (event.actor.get_full_name() or event.actor.masked_citizen_id)
            if event.actor_id
            else "",
        }
        rows.append(policy.shape(viewer, "tipevent", row))
    return rows


TIP_DERIVED = {
    "status_label": lambda t, v: t.get_status_display(),
    "result_label": lambda t, v: t.get_result_display() if t.result else "",
    "level_label": lambda t, v: t.get_level_display(),
    "accused_level_label": lambda t, v: t.get_accused_level_display(),
    "province_name": lambda t, v: t.province.name_th,
    "district_name": lambda t, v: t.district.name_th if t.district_id else "",
    "tipster_name": lambda t, v: tipcrypto.decrypt(t.tipster_name_enc),
    "tipster_phone": lambda t, v: tipcrypto.decrypt(t.tipster_phone_enc),
    "tipster_email": lambda t, v: tipcrypto.decrypt(t.tipster_email_enc),
    "files": lambda t, v: [
        policy.shape(
            v,
            "tipfile",
            {"name": f.original_name, "size_bytes": f.size_bytes, "url": f.pk},
        )
        for f in t.files.all()
    ],
    "events": lambda t, v: _event_rows(t, v, public=False),
    "timeline": lambda t, v: _event_rows(t, v, public=True),
}


def tip_view(viewer: policy.Viewer, tip: Tip) -> policy.View:
    """A tip as a page shows it to one viewer (the tipster's identity is decrypted only when
    the viewer may see it: ``View`` asks the policy before calling ``derived``)."""
    return policy.View(viewer, tip, namespace="tip", derived=TIP_DERIVED)


# --- The tipster: number + PIN ----------------------------------------------------------------


@dataclass(frozen=True)
class TrackedTip:
    """What the tipster's tracking page shows: the public part only."""

    view: policy.View
    tracking_no: str


def normalize_tracking_no(value: str) -> str:
    return "".join(str(value or "").split()).upper()


def is_tip_number(value: str) -> bool:
    """Whether a tracking number belongs to this channel (for the general /track/ page)."""
    return normalize_tracking_no(value).startswith(TIP_PREFIX)


def tip_for_tracking(number: str, pin: str, *, address: str | None = None) -> TrackedTip | None:
    """The tip with this number and PIN, as its tipster sees it; None for a wrong number or a
    wrong PIN alike (the caller cannot tell them apart either). Throttled: after
    ``ANTICORRUPTION_WRONG_PINS`` wrong tries for a number (or many from one address) the
    number answers ``Throttled`` for a while, even to the right PIN. Writes an audit row."""
    from layers.services.anticorruption import tracking_check  # services import selectors

    tip = tracking_check(number=normalize_tracking_no(number), pin=pin, address=address)
    if tip is None:
        return None
    audit_write(tip_ids=[tip.pk], officer=None, action=TipAuditAction.TRACKED, shown="timeline")
    return TrackedTip(view=tip_view(policy.TIPSTER_VIEWER, tip), tracking_no=tip.tracking_no)


# --- The audit log ----------------------------------------------------------------------------


def may_read_audit(officer) -> bool:
    return Role.AC_CENTRE in jurisdiction_for(officer).roles


def audit_rows(*, officer, tracking_no: str = "") -> QuerySet:
    if not may_read_audit(officer):
        return TipAudit.objects.none()
    qs = TipAudit.objects.select_related("tip", "officer")
    if tracking_no:
        qs = qs.filter(tip__tracking_no=normalize_tracking_no(tracking_no))
    return qs


def audit_row_view(viewer: policy.Viewer, row: TipAudit) -> dict:
    who = (row.officer.get_full_name() or row.officer.masked_citizen_id) if row.officer_id else ""
    return policy.shape(
        viewer,
        "tipaudit",
        {
            "at": date_label(row.at, "short,time"),
            "tracking_no": row.tip.tracking_no,
            "action_label": row.get_action_display(),
            "shown": row.shown,
            "officer": who or _("the tipster (number + PIN)"),
        },
    )
