"""The complainant's side of a case (issue 11): the tracking PIN, the throttles of the public
pages, and what a complainant may add to their open case.

* **PIN.** Every complaint, whatever its channel, gets a random PIN of ``PIN_DIGITS`` digits
  when it is recorded (``complaint_create`` calls ``pin_issue``). It is given once: on the
  screen that recorded it, and by SMS and e-mail through a job (``layers.tasks.pin_deliver``)
  when the complainant left a phone or an address. Only a keyed hash is stored
  (``pin_digest``: HMAC-SHA256 with a key derived from ``SECRET_KEY``, bound to the tracking
  number), and the job row carries the message sealed, never in clear.
* **Wrong PINs.** ``tracking_open`` answers a wrong PIN and an unknown number with the same
  ``NotFound`` and counts the failure against the *number as typed*, whether it exists or not,
  so that the lock (``TRACKING_PIN_FAILURE_LIMIT`` failures within
  ``TRACKING_PIN_LOCK_MINUTES``) says nothing about which numbers exist either.
* **Filing throttles.** ``filing_check`` refuses the next online filing from an address past
  ``PUBLIC_FILING_PER_ADDRESS``, and with a phone past ``PUBLIC_FILING_PER_PHONE``, within
  ``PUBLIC_FILING_WINDOW_HOURS``; ``filing_record`` counts one. Addresses and phones are
  counted by keyed hash (``layers.identity.keyed_hash``), never stored.
"""

from __future__ import annotations

import importlib
import logging
import math
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from layers.errors import InvalidInput, NotFound, Throttled
from layers.identity import keyed_hash, normalize_phone
from layers.inputs import text_value
from layers.models import (
    OPEN_STATUSES,
    Complaint,
    HistoryKind,
    PublicAttempt,
    PublicAttemptKind,
)
from layers.services.mail import MailTemporaryError, seal, unseal

logger = logging.getLogger(__name__)

PIN_DIGITS = 8
_PIN_SALT = "layers.services.tracking.pin"
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


# --------------------------------------------------------------------------- the PIN


def pin_new() -> str:
    """A random PIN of ``PIN_DIGITS`` digits (``secrets``: unpredictable)."""
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def pin_normalize(raw) -> str:
    """The digits of a PIN as typed: spaces and dashes dropped, Thai digits read.

    >>> pin_normalize(" ๑๒๓๔-5678 ")
    '12345678'
    >>> pin_normalize(None)
    ''
    """
    if not isinstance(raw, str):
        return ""
    return "".join(ch for ch in raw.translate(_THAI_DIGITS) if ch not in " -\t")


def pin_format(pin: str) -> str:
    """Four by four, easier to read out and copy.

    >>> pin_format("12345678")
    '1234 5678'
    """
    return f"{pin[:4]} {pin[4:]}" if len(pin) == 8 else pin


def pin_digest(tracking_no: str, pin: str) -> str:
    """The stored form of a PIN: HMAC-SHA256 of the tracking number and the PIN."""
    return salted_hmac(_PIN_SALT, f"{tracking_no}:{pin}", algorithm="sha256").hexdigest()


def tracking_normalize(raw) -> str:
    """A tracking number as typed, in the stored form ("2569-0000123").

    >>> tracking_normalize(" ๒๕๖๙-0000123 ")
    '2569-0000123'
    >>> tracking_normalize("25690000123")
    '2569-0000123'
    """
    if not isinstance(raw, str):
        return ""
    text = "".join(raw.translate(_THAI_DIGITS).split())[:32]
    if "-" not in text and len(text) == 11 and text.isdigit():
        text = f"{text[:4]}-{text[4:]}"
    return text


def pin_issue(complaint: Complaint) -> str:
    """Give ``complaint`` a new PIN: store its hash, queue it to the complainant's phone and
    e-mail (when they left one), and return it for the screen that recorded the case.

    Call it inside the transaction that records the case: the job commits with it.
    """
    pin = pin_new()
    complaint.pin_hash = pin_digest(complaint.tracking_no, pin)
    Complaint.objects.filter(pk=complaint.pk).update(pin_hash=complaint.pin_hash)
    complaint.pin = pin
    if complaint.complainant_phone or complaint.complainant_email:
        pin_send(complaint=complaint, pin=pin)
    return pin


def pin_message(*, tracking_no: str, pin: str) -> dict:
    """What the complainant is sent (in Thai, the citizens' language)."""
    with translation.override("th"):
        subject = _("Damrongdhama Center: your complaint %(no)s") % {"no": tracking_no}
        body = _(
            "Your complaint was received. Tracking number %(no)s, PIN %(pin)s. Follow it at "
            "%(url)s with the number and the PIN. Keep the PIN to yourself."
        ) % {
            "no": tracking_no,
            "pin": pin_format(pin),
            "url": settings.SITE_URL.rstrip("/") + "/track/",
        }
    return {"subject": subject, "body": body}


def pin_send(*, complaint: Complaint, pin: str) -> None:
    """Queue the PIN's delivery (``layers.tasks.pin_deliver``); the job holds it sealed."""
    from layers.tasks import pin_deliver  # the task module imports this one

    pin_deliver.defer(
        complaint=complaint.pk,
        message=seal(pin_message(tracking_no=complaint.tracking_no, pin=pin)),
    )


def sms_sender():
    """The configured SMS sender (``TRACKING_SMS_SENDER``), an instance."""
    module, _dot, name = settings.TRACKING_SMS_SENDER.rpartition(".")
    return getattr(importlib.import_module(module), name)()


def pin_deliver_now(*, complaint: int, message: str) -> dict:
    """Send the sealed message to the case's phone (SMS) and e-mail; the worker's job.

    Returns what was sent ({"sms": bool, "email": bool}). Logs name the case's tracking number
    and never the PIN, the phone or the address."""
    case = (
        Complaint.objects.filter(pk=complaint)
        .values("tracking_no", "complainant_phone", "complainant_email")
        .first()
    )
    if case is None:
        return {"sms": False, "email": False}
    content = unseal(message)
    sent = {"sms": False, "email": False}
    phone = normalize_phone(case["complainant_phone"])
    if phone:
        sent["sms"] = bool(sms_sender().send(phone=phone, message=content["body"]))
    if case["complainant_email"]:
        try:
            EmailMessage(
                content["subject"],
                content["body"],
                settings.DEFAULT_FROM_EMAIL,
                [case["complainant_email"]],
            ).send()
        except OSError as exc:
            logger.warning("PIN e-mail for %s not sent (%s)", case["tracking_no"], type(exc))
            raise MailTemporaryError(type(exc).__name__) from None
        sent["email"] = True
    logger.info("PIN for %s sent (sms=%s, email=%s)", case["tracking_no"], *sent.values())
    return sent


# --------------------------------------------------------------------------- counted attempts


def _count(kind: str, key: str, *, since) -> int:
    return PublicAttempt.objects.filter(kind=kind, key=key, at__gte=since).count()


def _oldest(kind: str, key: str, *, since):
    return (
        PublicAttempt.objects.filter(kind=kind, key=key, at__gte=since)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )


def _wait_seconds(oldest, window: timedelta, now) -> int:
    return max(1, math.ceil(((oldest + window) - now).total_seconds())) if oldest else 60


def _filing_keys(*, address: str | None, phone: str) -> list[tuple[str, str, int]]:
    keys = []
    if address:
        keys.append(
            (
                PublicAttemptKind.FILING_ADDRESS,
                keyed_hash("filing-address", address),
                settings.PUBLIC_FILING_PER_ADDRESS,
            )
        )
    phone = normalize_phone(phone or "")
    if phone:
        keys.append(
            (
                PublicAttemptKind.FILING_PHONE,
                keyed_hash("filing-phone", phone),
                settings.PUBLIC_FILING_PER_PHONE,
            )
        )
    return keys


def filing_check(*, address: str | None, phone: str, now=None) -> None:
    """``Throttled`` (with a Thai message saying why and when) when this address or this phone
    already filed its limit within the window."""
    now = now or timezone.now()
    window = timedelta(hours=settings.PUBLIC_FILING_WINDOW_HOURS)
    since = now - window
    for kind, key, limit in _filing_keys(address=address, phone=phone):
        if _count(kind, key, since=since) >= limit:
            wait = _wait_seconds(_oldest(kind, key, since=since), window, now)
            if kind == PublicAttemptKind.FILING_ADDRESS:
                message = _(
                    "Too many complaints were filed from your connection in the last "
                    "%(hours)d hours (at most %(limit)d). Try again in about %(minutes)d "
                    "minutes, or call the 1567 hotline or visit the Damrongdhama Center."
                )
            else:
                message = _(
                    "Too many complaints were filed with this phone number in the last "
                    "%(hours)d hours (at most %(limit)d). Try again in about %(minutes)d "
                    "minutes, or call the 1567 hotline or visit the Damrongdhama Center."
                )
            raise Throttled(
                message
                % {
                    "hours": settings.PUBLIC_FILING_WINDOW_HOURS,
                    "limit": limit,
                    "minutes": max(1, math.ceil(wait / 60)),
                },
                wait_seconds=wait,
            )


def filing_record(*, address: str | None, phone: str, now=None) -> None:
    now = now or timezone.now()
    PublicAttempt.objects.bulk_create(
        [
            PublicAttempt(kind=kind, key=key, at=now)
            for kind, key, _limit in _filing_keys(address=address, phone=phone)
        ]
    )


def attempts_remove_old(*, now=None) -> int:
    """Forget attempts older than every window (the nightly job)."""
    now = now or timezone.now()
    longest = max(
        timedelta(hours=settings.PUBLIC_FILING_WINDOW_HOURS),
        timedelta(minutes=settings.TRACKING_PIN_LOCK_MINUTES),
    )
    deleted, _rows = PublicAttempt.objects.filter(at__lt=now - longest).delete()
    return deleted


# --------------------------------------------------------------------------- tracking


def _wrong() -> NotFound:
    return NotFound(
        _("No case matches this tracking number and PIN. Check both and try again."),
        code="tracking_not_found",
    )


def tracking_open(*, tracking_no, pin, address: str | None = None, now=None) -> Complaint:
    """The case whose number and PIN were typed, or ``NotFound`` (the same for an unknown
    number and a wrong PIN), or ``Throttled`` once the number as typed has
    ``TRACKING_PIN_FAILURE_LIMIT`` failures within ``TRACKING_PIN_LOCK_MINUTES``, or the client
    ``address`` has ``TRACKING_FAILURES_PER_ADDRESS`` failures, whatever the numbers."""
    now = now or timezone.now()
    address_key = keyed_hash("tracking-address", address) if address else ""
    number = tracking_normalize(tracking_no)
    digits = pin_normalize(pin)
    key = keyed_hash("tracking-number", number or "-")
    window = timedelta(minutes=settings.TRACKING_PIN_LOCK_MINUTES)
    since = now - window
    kind = PublicAttemptKind.PIN_FAILURE
    by_address = PublicAttemptKind.TRACK_ADDRESS
    if (
        address_key
        and _count(by_address, address_key, since=since) >= settings.TRACKING_FAILURES_PER_ADDRESS
    ):
        wait = _wait_seconds(_oldest(by_address, address_key, since=since), window, now)
        raise Throttled(
            _(
                "Too many wrong tracking numbers or PINs from your connection. Try again in "
                "about %(minutes)d minutes."
            )
            % {"minutes": max(1, math.ceil(wait / 60))},
            wait_seconds=wait,
        )
    if _count(kind, key, since=since) >= settings.TRACKING_PIN_FAILURE_LIMIT:
        wait = _wait_seconds(_oldest(kind, key, since=since), window, now)
        raise Throttled(
            _(
                "Too many wrong PINs for this tracking number: it is locked for now. Try "
                "again in about %(minutes)d minutes."
            )
            % {"minutes": max(1, math.ceil(wait / 60))},
            wait_seconds=wait,
        )
    case = Complaint.objects.filter(tracking_no=number).first() if number else None
    expected = case.pin_hash if case is not None and case.pin_hash else "0" * 64
    # Compared in constant time, and a digest computed for unknown numbers too.
    if not (digits and constant_time_compare(pin_digest(number, digits), expected)):
        PublicAttempt.objects.create(kind=kind, key=key, at=now)
        if address_key:
            PublicAttempt.objects.create(kind=by_address, key=address_key, at=now)
        raise _wrong()
    return case


# --------------------------------------------------------------------------- adding information


ADD_TEXT_LIMIT = 2_000


@transaction.atomic
def complainant_add(*, complaint: Complaint, text: str, files=()) -> Complaint:
    """The complainant adds information and/or photos to their open case (from the tracking
    page): a history row ("information from the complainant", the text as its note: free
    text, officers only) and the files as attachments without an uploader. A closed case
    takes nothing more (the complainant files a new complaint or asks the centre to reopen).
    """
    from layers.services.workflow import (
        _attachments_save,
        _delete_files,
        attachments_validate,
        complaint_change_write,
    )

    current = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if current.status not in OPEN_STATUSES:
        raise InvalidInput(
            {"text": _("This case is closed: it takes no more information. File a new complaint.")}
        )
    text = text_value(text, field="text", limit=ADD_TEXT_LIMIT)
    checked = attachments_validate(files)
    if not text and not checked:
        raise InvalidInput({"text": _("Write the information to add, or attach a photo.")})
    saved: list[str] = []
    try:
        result = complaint_change_write(
            current=current,
            version=current.version,
            actor=None,
            kind=HistoryKind.COMPLAINANT,
            to_status=current.status,
            note=text,
            to_value=(_("%(n)d file(s)") % {"n": len(checked)}) if checked else "",
        )
        _attachments_save(complaint=result, checked=checked, actor=None, note=None, saved=saved)
    except BaseException:
        _delete_files(saved)
        raise
    return result
