"""Events for other systems: webhooks on a case's status, through an outbox.

* **Written with the change.** The workflow's one status writer (``complaint_change_write``)
  and intake (``complaint_create``) call ``case_event_record``: one ``WebhookDelivery`` row per
  active subscriber that asked for the event and whose areas hold the case, and one queued job
  per row (``layers.tasks.webhook_deliver``), both in the transaction of the change. A refused
  or rolled-back change tells nobody; a committed one is told even if the worker is down.
* **Delivered by the job queue**, with retries and exponential back-off
  (``WEBHOOK_MAX_RETRIES``, ``WEBHOOK_RETRY_BACKOFF_SECONDS``). A subscriber that is down loses
  nothing: the delivery stays until it is delivered, or is given up after the last retry and
  listed in the admin, which can send it again.
* **Each event once per delivery id.** The body (with ``delivery_id``) is written once, when
  the event happens; every retry sends the same bytes with the same ``X-Damrong-Delivery``
  header, so a subscriber drops a repeat by its id. A delivered one is never sent again.
* **Signed.** ``X-Damrong-Signature: sha256=<hex>`` is the HMAC-SHA256 of the body's bytes
  with the subscriber's secret; ``X-Damrong-Timestamp`` is the time of this attempt (Unix
  seconds) and ``X-Damrong-Event`` the event. The secret is shown once when issued and kept
  sealed (encrypted with a key derived from ``SECRET_KEY``): we need it to sign.
* **No person, no free text.** The body is shaped by ``layers.policy`` as ``WEBHOOK_VIEWER``
  (``webhook.*``: codes, statuses, dates, the team, the point), like a notification.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
import uuid

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from layers import policy
from layers.models import (
    CaseEvent,
    Complaint,
    DeliveryStatus,
    HistoryKind,
    Status,
    WebhookDelivery,
    WebhookSubscriber,
)
from layers.selectors.systems import system_covers

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Damrong-Signature"
DELIVERY_HEADER = "X-Damrong-Delivery"
TIMESTAMP_HEADER = "X-Damrong-Timestamp"
EVENT_HEADER = "X-Damrong-Event"
USER_AGENT = "Damrong-GIS-Webhooks/1"

# The events of the history's kinds (a status change to "in progress" is "started").
EVENT_FOR_KIND = {
    HistoryKind.CREATED: CaseEvent.CREATED,
    HistoryKind.ASSIGNED: CaseEvent.ASSIGNED,
    HistoryKind.REASSIGNED: CaseEvent.ASSIGNED,
    HistoryKind.FORWARDED: CaseEvent.FORWARDED,
    HistoryKind.RETURNED: CaseEvent.RETURNED,
    HistoryKind.CLOSED: CaseEvent.CLOSED,
    HistoryKind.REOPENED: CaseEvent.REOPENED,
}


class WebhookNotDelivered(Exception):
    """An attempt failed (the subscriber's status or the connection error's type): the job is
    retried with back-off until the last attempt."""


# --- Secrets -----------------------------------------------------------------------------------

_SEAL_SALT = "layers.services.webhooks.secret"


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    salted_hmac(_SEAL_SALT, "", secret=key, algorithm="sha256").digest()
                )
            )
            for key in keys
        ]
    )


@transaction.atomic
def subscriber_secret_issue(*, subscriber: WebhookSubscriber) -> str:
    """A new signing secret for the subscriber (returned once; the previous one stops)."""
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscriber.secret_sealed = _fernet().encrypt(secret.encode()).decode("ascii")
    subscriber.save(update_fields=["secret_sealed"])
    return secret


def subscriber_secret(subscriber: WebhookSubscriber) -> str:
    return _fernet().decrypt(subscriber.secret_sealed.encode("ascii")).decode()


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the body's bytes with the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- Recording events (in the transaction of the change) ---------------------------------------


def event_for(kind: str, to_status: str) -> str | None:
    if kind == HistoryKind.STATUS and to_status == Status.IN_PROGRESS:
        return CaseEvent.STARTED
    return EVENT_FOR_KIND.get(kind)


def _iso(value) -> str | None:
    return value.astimezone(timezone.get_default_timezone()).isoformat() if value else None


def webhook_body(*, delivery_id, event: str, complaint: Complaint, occurred_at) -> str:
    """The JSON body of one delivery: the policy's ``webhook`` fields as WEBHOOK_VIEWER."""
    data = policy.shape(
        policy.WEBHOOK_VIEWER,
        "webhook",
        {
            "delivery_id": str(delivery_id),
            "event": event,
            "occurred_at": _iso(occurred_at),
            "tracking_no": complaint.tracking_no,
            "status": complaint.status,
            "version": complaint.version,
            "category": complaint.category.code,
            "subcategory": complaint.subcategory.code if complaint.subcategory_id else None,
            "province": complaint.province_id,
            "district": complaint.district_id,
            "subdistrict": complaint.subdistrict_id,
            "team": complaint.assigned_team_id,
            "team_name": complaint.assigned_team.name if complaint.assigned_team_id else None,
            "forwarded_to": complaint.forwarded_to or None,
            "close_result": complaint.close_result or None,
            "channel": complaint.channel,
            "received_at": _iso(complaint.received_at),
            "due_at": _iso(complaint.due_at),
            "closed_at": _iso(complaint.closed_at),
            "lat": round(complaint.location.y, 6),
            "lon": round(complaint.location.x, 6),
        },
    )
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def case_event_record(*, complaint: Complaint, kind: str, to_status: str = "") -> int:
    """Write the outbox rows and queue their jobs for a change of ``complaint`` (call it in
    the change's transaction); returns how many deliveries were written."""
    event = event_for(kind, to_status)
    if event is None:
        return 0
    subscribers = [
        s
        for s in WebhookSubscriber.objects.filter(is_active=True).exclude(secret_sealed="")
        if event in (s.events or [])
        and system_covers(
            s,
            province=complaint.province_id,
            district=complaint.district_id,
            subdistrict=complaint.subdistrict_id,
        )
    ]
    if not subscribers:
        return 0
    now = timezone.now()
    deliveries = []
    for subscriber in subscribers:
        delivery_id = uuid.uuid4()
        deliveries.append(
            WebhookDelivery(
                id=delivery_id,
                subscriber=subscriber,
                event=event,
                complaint=complaint,
                body=webhook_body(
                    delivery_id=delivery_id, event=event, complaint=complaint, occurred_at=now
                ),
            )
        )
    WebhookDelivery.objects.bulk_create(deliveries)
    webhook_jobs_queue([d.pk for d in deliveries])
    return len(deliveries)


def webhook_jobs_queue(delivery_ids) -> None:
    """One job per delivery, queued through Django's connection (in the caller's
    transaction)."""
    from layers.tasks import webhook_deliver  # the task module imports this one

    jobs = [{"delivery": str(pk)} for pk in delivery_ids]
    if jobs:
        webhook_deliver.batch_defer(*jobs)


@transaction.atomic
def deliveries_send_again(*, deliveries) -> int:
    """Send given-up (or failed) deliveries again, with the same id and body (the admin's
    action); delivered ones are left alone. Returns how many were queued."""
    ids = [
        d.pk for d in deliveries if d.status in (DeliveryStatus.GIVEN_UP, DeliveryStatus.RETRYING)
    ]
    WebhookDelivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.PENDING)
    webhook_jobs_queue(ids)
    return len(ids)


# --- Delivering (the worker) --------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: the body is never re-sent elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _post(url: str, body: bytes, headers: dict) -> int:
    """POST and return the HTTP status; ``WebhookNotDelivered`` when nothing answered."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(4096)
            return response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None)
        name = type(reason).__name__ if isinstance(reason, BaseException) else type(exc).__name__
        raise WebhookNotDelivered(name) from None


def webhook_deliver_now(*, delivery: str, last_attempt: bool = False) -> bool:
    """One attempt at one delivery (the worker's job). True when delivered now or before;
    raises ``WebhookNotDelivered`` when it failed (the job is retried; on the last attempt the
    delivery is marked given up first)."""
    row = WebhookDelivery.objects.select_related("subscriber").filter(pk=delivery).first()
    if row is None:
        logger.warning("webhook delivery %s: no such delivery", delivery)
        return False
    if row.status == DeliveryStatus.DELIVERED:
        return True
    subscriber = row.subscriber
    body = row.body.encode("utf-8")
    now = timezone.now()
    if not subscriber.is_active:
        _attempt_record(row, status=None, error="subscriber inactive", final=True, now=now)
        logger.info("webhook delivery %s given up: the subscriber is inactive", row.pk)
        return False
    try:
        secret = subscriber_secret(subscriber)
    except (InvalidToken, ValueError):
        _attempt_record(row, status=None, error="secret cannot be unsealed", final=True, now=now)
        logger.warning("webhook delivery %s given up: the secret cannot be unsealed", row.pk)
        return False
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        DELIVERY_HEADER: str(row.pk),
        EVENT_HEADER: row.event,
        TIMESTAMP_HEADER: str(int(time.time())),
        SIGNATURE_HEADER: signature(secret, body),
    }
    try:
        status = _post(subscriber.url, body, headers)
    except WebhookNotDelivered as exc:
        failure = exc
        status = None
    else:
        if 200 <= status < 300:
            WebhookDelivery.objects.filter(pk=row.pk).update(
                status=DeliveryStatus.DELIVERED,
                attempts=F("attempts") + 1,
                last_attempt_at=now,
                delivered_at=now,
                last_status=status,
                last_error="",
            )
            logger.info("webhook delivery %s (%s) delivered", row.pk, row.event)
            return True
        failure = WebhookNotDelivered(f"HTTP {status}")
    _attempt_record(row, status=status, error=str(failure), final=last_attempt, now=now)
    logger.warning(
        "webhook delivery %s not delivered (%s)%s",
        row.pk,
        failure,
        ", given up" if last_attempt else ", will retry",
    )
    raise failure


def _attempt_record(row, *, status, error: str, final: bool, now) -> None:
    WebhookDelivery.objects.filter(pk=row.pk).exclude(status=DeliveryStatus.DELIVERED).update(
        status=DeliveryStatus.GIVEN_UP if final else DeliveryStatus.RETRYING,
        attempts=F("attempts") + 1,
        last_attempt_at=now,
        last_status=status,
        last_error=error[:200],
    )
