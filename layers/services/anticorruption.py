"""Writes of the anti-corruption channel: filing a tip, the tipster's PIN check with its throttle,
the handlers' changes, and the anti-corruption roles with the limits of the permission form.

Routing (seed 000; issue 11): a tip is never handled by the accused official's own office. Where
they serve decides the level (``route``): a village or sub-district official's conduct goes to
the district's reporter, a district office's to the province's coordinators, a provincial
office's or the department's to the centre; and if the accused is, by name, one of the
anti-corruption officers who would receive it, it goes one level up.

Nothing here logs or notifies with a tip's text or its tipster: a handler is told only that a
tip numbered so-and-so is waiting (``notify_handlers``), through the in-app list.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from boundaries.models import District, Province
from layers import policy, tipcrypto
from layers.errors import (
    ActionForbidden,
    Conflict,
    InvalidInput,
    StaleVersion,
    Throttled,
)
from layers.identity import normalize_name
from layers.models import (
    TIP_PREFIX,
    AccusedLevel,
    Role,
    RoleAssignment,
    Tip,
    TipAttempt,
    TipAuditAction,
    TipEvent,
    TipEventKind,
    TipFile,
    TipLevel,
    TipResult,
    TipStatus,
)
from layers.selectors.anticorruption import audit_write, tip_get
from layers.services.workflow import attachments_validate

# Unambiguous characters for the random part of a number and for PINs read over the phone.
_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PIN_LENGTH = 6


def _digest(purpose: str, value: str) -> str:
    key = hashlib.sha256(f"{settings.SECRET_KEY}:anticorruption:{purpose}".encode()).digest()
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def pin_digest(tracking_no: str, pin: str) -> str:
    """The keyed hash kept of a PIN (bound to its number: the same PIN of two tips differs)."""
    return _digest("pin", f"{tracking_no}:{pin}")


def new_tracking_no(now=None) -> str:
    year = (now or timezone.now()).year + 543
    tail = "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(6))
    return f"{TIP_PREFIX}{year}-{tail}"


def new_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))


# --- Routing -----------------------------------------------------------------------------------

_UP = {TipLevel.DISTRICT: TipLevel.PROVINCE, TipLevel.PROVINCE: TipLevel.CENTRE}
_BY_ACCUSED = {
    AccusedLevel.LOCAL: TipLevel.DISTRICT,
    AccusedLevel.DISTRICT: TipLevel.PROVINCE,
    AccusedLevel.PROVINCE: TipLevel.CENTRE,
    AccusedLevel.DEPARTMENT: TipLevel.CENTRE,
}


def _handlers_q(level: str, province: str, district: str | None) -> Q:
    if level == TipLevel.DISTRICT:
        return Q(role=Role.AC_REPORTER, district_id=district)
    if level == TipLevel.PROVINCE:
        return Q(role=Role.AC_COORDINATOR, province_id=province)
    return Q(role=Role.AC_CENTRE)


def _accused_is_a_handler(accused_name: str, level: str, province: str, district) -> bool:
    """Whether the accused is, by name, one of the officers the tip would go to."""
    wanted = normalize_name(accused_name)
    if not wanted:
        return False
    for first, last in RoleAssignment.objects.filter(
        _handlers_q(level, province, district), is_active=True
    ).values_list("officer__first_name", "officer__last_name"):
        if normalize_name(f"{first} {last}") == wanted:
            return True
    return False


def route(*, accused_level: str, accused_name: str, province: str, district: str | None) -> str:
    """The level that handles a tip: never the accused's own office, never the accused."""
    level = _BY_ACCUSED[accused_level]
    if level == TipLevel.DISTRICT and not district:
        level = TipLevel.PROVINCE
    while level != TipLevel.CENTRE and _accused_is_a_handler(
        accused_name, level, province, district
    ):
        level = _UP[level]
    return level


# --- Filing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TipReceipt:
    """What the tipster is told once: the number and the PIN (kept nowhere in clear)."""

    tracking_no: str
    pin: str
    level: str


def _count_recent(kind: str, key: str, minutes: int) -> int:
    since = timezone.now() - timedelta(minutes=minutes)
    return TipAttempt.objects.filter(kind=kind, key_digest=key, at__gte=since).count()


def tip_file(*, data: dict, files=(), address: str | None = None) -> TipReceipt:
    """File a tip (the public form). ``data`` is the form's cleaned data. Raises
    ``InvalidInput`` (with fields) or ``Throttled``; writes the tip, its files and its first
    timeline row in one transaction (a failure leaves no row and no file)."""
    if address:
        key = _digest("address", address)
        if _count_recent(TipAttempt.Kind.FILE, key, 60) >= settings.ANTICORRUPTION_FILINGS_PER_HOUR:
            raise Throttled(
                _("Too many tips were sent from this connection: try again in an hour."),
                wait_seconds=3600,
            )
    checked = attachments_validate(files)
    province = Province.objects.filter(code=data["province"]).first()
    if province is None:
        raise InvalidInput({"province": _("Choose a province.")})
    district = None
    if data.get("district"):
        district = District.objects.filter(code=data["district"], province=province).first()
        if district is None:
            raise InvalidInput({"district": _("This district is not in the province chosen.")})
    if data["accused_level"] == AccusedLevel.LOCAL and district is None:
        raise InvalidInput({"district": _("Choose the district where the official serves.")})
    anonymous = not data.get("tipster_name")
    level = route(
        accused_level=data["accused_level"],
        accused_name=data["accused_name"],
        province=province.code,
        district=district.code if district else None,
    )
    pin = new_pin()
    saved: list[str] = []
    try:
        with transaction.atomic():
            for _attempt in range(5):
                number = new_tracking_no()
                try:
                    with transaction.atomic():
                        tip = Tip.objects.create(
                            tracking_no=number,
                            pin_digest=pin_digest(number, pin),
                            anonymous=anonymous,
                            tipster_name_enc=tipcrypto.encrypt(data.get("tipster_name", "")),
                            tipster_phone_enc=tipcrypto.encrypt(data.get("tipster_phone", "")),
                            tipster_email_enc=tipcrypto.encrypt(data.get("tipster_email", "")),
                            accused_name=data["accused_name"],
                            accused_position=data.get("accused_position", ""),
                            accused_unit=data["accused_unit"],
                            accused_level=data["accused_level"],
                            province=province,
                            district=district,
                            place_note=data.get("place_note", ""),
                            description=data["description"],
                            happened_on=data.get("happened_on"),
                            level=level,
                        )
                    break
                except IntegrityError:
                    continue
            else:  # pragma: no cover - 31**6 numbers a year
                raise Conflict(_("No tracking number could be issued: try again."))
            for item in checked:
                stored = TipFile(
                    tip=tip,
                    original_name=item.original_name,
                    content_type=item.content_type,
                    size_bytes=item.size,
                )
                field = stored.file.field
                # Recorded before writing: a write that fails half-way leaves a partial file.
                name = field.generate_filename(stored, f"evidence{item.extension}")
                saved.append(name)
                item.file.seek(0)
                stored.file.name = field.storage.save(name, item.file, max_length=field.max_length)
                saved.append(stored.file.name)
                stored.save()
            TipEvent.objects.create(
                tip=tip, kind=TipEventKind.RECEIVED, to_value=TipStatus.RECEIVED
            )
            notify_handlers(tip=tip)
            if address:
                TipAttempt.objects.create(
                    kind=TipAttempt.Kind.FILE,
                    key_digest=_digest("address", address),
                    at=tip.received_at,
                )
    except Exception:
        for name in saved:
            default_storage.delete(name)
        raise
    return TipReceipt(tracking_no=tip.tracking_no, pin=pin, level=level)


def _handlers(tip: Tip):
    from layers.models import Officer

    return Officer.objects.filter(
        is_active=True,
        roles__in=RoleAssignment.objects.filter(
            _handlers_q(tip.level, tip.province_id, tip.district_id), is_active=True
        ),
    ).distinct()


def notify_handlers(*, tip: Tip) -> int:
    """E-mail the tip's handlers that it waits: its number and a link, nothing else (no
    tipster, no accused, no text: mail servers and phones are outside our hands)."""
    from django.urls import reverse

    from layers.services.mail import mail_send

    with translation.override(settings.LANGUAGE_CODE):
        subject = _("New anti-corruption tip %(no)s") % {"no": tip.tracking_no}
        url = settings.SITE_URL.rstrip("/") + reverse("anticorruption_tip", args=[tip.tracking_no])
        body = _(
            "A tip numbered %(no)s waits for you in the anti-corruption channel. Open it (after "
            "logging in): %(url)s"
        ) % {"no": tip.tracking_no, "url": url}
    return mail_send(
        subject=subject, body=body, officers=_handlers(tip), reference=f"tip {tip.tracking_no}"
    )


# --- The tipster's number + PIN -------------------------------------------------------------------


def tracking_check(*, number: str, pin: str, address: str | None = None) -> Tip | None:
    """The tip when number and PIN match; None otherwise (a wrong number and a wrong PIN are
    counted and answered alike). ``Throttled`` while the number (or the address) is locked."""
    minutes = settings.ANTICORRUPTION_LOCK_MINUTES
    number_key = _digest("number", number)
    address_key = _digest("address", address) if address else None
    locked = (
        _count_recent(TipAttempt.Kind.WRONG_PIN_NUMBER, number_key, minutes)
        >= settings.ANTICORRUPTION_WRONG_PINS
    ) or (
        address_key is not None
        and _count_recent(TipAttempt.Kind.WRONG_PIN_ADDRESS, address_key, minutes)
        >= settings.ANTICORRUPTION_WRONG_PINS_PER_ADDRESS
    )
    if locked:
        raise Throttled(
            _("Too many wrong tries for this number: try again in %(n)d minutes.") % {"n": minutes},
            wait_seconds=minutes * 60,
        )
    tip = Tip.objects.select_related("province", "district").filter(tracking_no=number).first()
    given = "".join(str(pin or "").split())
    expected = tip.pin_digest if tip else pin_digest(number, "-")
    if hmac.compare_digest(expected, pin_digest(number, given)) and tip is not None:
        return tip
    now = timezone.now()
    TipAttempt.objects.create(kind=TipAttempt.Kind.WRONG_PIN_NUMBER, key_digest=number_key, at=now)
    if address_key:
        TipAttempt.objects.create(
            kind=TipAttempt.Kind.WRONG_PIN_ADDRESS, key_digest=address_key, at=now
        )
    return None


# --- The handlers' work -----------------------------------------------------------------------------

TIP_ACTIONS = ("check", "note", "close", "escalate")


def tip_act(*, officer, tracking_no: str, action: str, version: int, note: str = "", result=""):
    """A handler's change of a tip: start checking, a note, close with a result, send it up a
    level. Audited; a stale version changes nothing."""
    policy.require_tip_handler(officer)
    if action not in TIP_ACTIONS:
        raise InvalidInput({"action": _("Unknown action.")})
    note = (note or "").strip()
    with transaction.atomic():
        tip = tip_get(officer=officer, tracking_no=tracking_no)
        tip = Tip.objects.select_for_update().get(pk=tip.pk)
        if tip.version != version:
            raise StaleVersion(_("The tip changed since you opened it: look again."))
        now = timezone.now()
        event = TipEvent(tip=tip, actor=officer)
        if action == "note":
            if not note:
                raise InvalidInput({"note": _("Write the note.")})
            event.kind = TipEventKind.NOTE
        elif tip.status == TipStatus.CLOSED:
            raise Conflict(_("The tip is closed."))
        elif action == "check":
            if tip.status != TipStatus.RECEIVED:
                raise Conflict(_("The tip is already being checked."))
            event.kind, event.from_value, event.to_value = (
                TipEventKind.STATUS,
                tip.status,
                TipStatus.CHECKING,
            )
            tip.status, tip.status_changed_at = TipStatus.CHECKING, now
        elif action == "close":
            if result not in TipResult.values:
                raise InvalidInput({"result": _("Choose the result.")})
            if not note:
                raise InvalidInput({"note": _("Write what was found.")})
            event.kind, event.from_value, event.to_value = (
                TipEventKind.STATUS,
                tip.status,
                TipStatus.CLOSED,
            )
            tip.status, tip.result, tip.closed_at, tip.status_changed_at = (
                TipStatus.CLOSED,
                result,
                now,
                now,
            )
        else:  # escalate
            if tip.level == TipLevel.CENTRE:
                raise ActionForbidden(_("The centre is the last level."))
            event.kind, event.from_value, event.to_value = (
                TipEventKind.ESCALATED,
                tip.level,
                _UP[tip.level],
            )
            tip.level = _UP[tip.level]
        event.note = note
        tip.version += 1
        tip.save()
        event.save()
        if action == "escalate":
            notify_handlers(tip=tip)
        audit_write(tip_ids=[tip.pk], officer=officer, action=TipAuditAction.CHANGED, shown=action)
    return tip


# --- The roles of the permission form --------------------------------------------------------------

MAX_COORDINATORS_PER_PROVINCE = 2


def assign_ac_role(
    *,
    officer,
    role: str,
    province: str | None = None,
    district: str | None = None,
    assigned_on=None,
):
    """Give an officer an anti-corruption role: a coordinator of a province (at most two), the
    reporter of a district (one), or the centre. The limits hold in the database too (a
    constraint and a trigger, migration 0016); here they are refused with a reason, also when
    the database is the one to refuse (two approvals at the same moment)."""
    if role == Role.AC_COORDINATOR:
        if not province:
            raise InvalidInput({"province": _("A coordinator serves a province.")})
        taken = RoleAssignment.objects.filter(
            role=role, province_id=province, is_active=True
        ).exclude(officer=officer)
        if taken.count() >= MAX_COORDINATORS_PER_PROVINCE:
            raise Conflict(_("This province has its two coordinators already."))
        area = {"province_id": province, "district_id": None}
    elif role == Role.AC_REPORTER:
        if not district:
            raise InvalidInput({"district": _("A reporter serves a district.")})
        taken = RoleAssignment.objects.filter(role=role, district_id=district, is_active=True)
        if taken.exclude(officer=officer).exists():
            raise Conflict(_("This district has its reporter already."))
        area = {"province_id": district[:2], "district_id": district}
    elif role == Role.AC_CENTRE:
        area = {"province_id": None, "district_id": None}
    else:
        raise InvalidInput({"role": _("Not an anti-corruption role.")})
    defaults = {"is_active": True}
    if assigned_on is not None:
        defaults["assigned_on"] = assigned_on
    try:
        with transaction.atomic():
            assignment, _created = RoleAssignment.objects.update_or_create(
                officer=officer, role=role, **area, defaults=defaults
            )
    except IntegrityError as exc:
        # The trigger (coordinators) or the unique constraint (reporter) of a concurrent grant.
        if role == Role.AC_COORDINATOR:
            raise Conflict(_("This province has its two coordinators already.")) from exc
        if role == Role.AC_REPORTER:
            raise Conflict(_("This district has its reporter already.")) from exc
        raise
    return assignment
