"""Webhooks: an outbox row in the change's transaction, delivered by the real job queue to a real
local HTTP server that is down first and then up; signed, once per delivery id, given up after
the last retry and sent again from the admin; no person and no free text in the body."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection, transaction
from django.test import Client

from layers import policy
from layers.errors import StaleVersion
from layers.models import (
    CaseEvent,
    Complaint,
    DeliveryStatus,
    Role,
    WebhookDelivery,
    WebhookSubscriber,
)
from layers.services import workflow as wf
from layers.services.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    deliveries_send_again,
    subscriber_secret_issue,
    webhook_jobs_queue,
)
from layers.tasks import WEBHOOK_RETRY
from tests.factories import make_complaint, make_officer, make_team

pytestmark = pytest.mark.django_db

ALL_EVENTS = list(CaseEvent.values)
# Only the webhooks' own jobs: every case also queues its tracking PIN (issue 11, queue "pins").
WEBHOOK_QUEUE = ["webhooks"]


class Receiver:
    """A subscriber's HTTP server on a fixed port: down until ``start``; answers ``status``."""

    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/damrong"
        self.received: list[tuple[dict, bytes]] = []
        self.status = 200
        self.redirect = False
        self.server = None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                if receiver.redirect:
                    self.send_response(307)
                    self.send_header("Location", "/elsewhere")
                else:
                    self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


def subscribe(url: str, *, events=ALL_EVENTS, provinces=(), whole_country=True, **fields):
    subscriber = WebhookSubscriber.objects.create(
        name="ระบบรับเหตุการณ์", url=url, events=events, whole_country=whole_country, **fields
    )
    subscriber.provinces.set(provinces)
    return subscriber, subscriber_secret_issue(subscriber=subscriber)


def retries_due():
    """Time passes: the retries the queue scheduled for later are due now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_jobs SET scheduled_at = now() - interval '1 second' "
            "WHERE status = 'todo'"
        )


def deliveries(**filters):
    return list(WebhookDelivery.objects.filter(**filters).order_by("created_at"))


def test_a_subscriber_that_is_down_loses_nothing_and_gets_each_event_once(receiver, run_jobs):
    subscriber, secret = subscribe(receiver.url)
    desk = make_officer(Role.DISTRICT_OFFICER, district="4901")
    make_team("490101")
    case = make_complaint(created_by=desk, description="DESC-MARKER", complainant_name="นาย PERSON")
    # Intake: received, then routed to the team, in the same transaction.
    written = deliveries(complaint=case)
    assert [d.event for d in written] == [CaseEvent.CREATED, CaseEvent.ASSIGNED]
    assert all(d.status == DeliveryStatus.PENDING for d in written)

    assert run_jobs(queues=WEBHOOK_QUEUE) == 2  # the subscriber is down
    for d in deliveries(complaint=case):
        assert d.status == DeliveryStatus.RETRYING and d.attempts == 1
        assert d.last_error == "ConnectionRefusedError" and d.last_status is None
    assert run_jobs(queues=WEBHOOK_QUEUE) == 0  # the retries wait for their back-off

    receiver.start()
    retries_due()
    assert run_jobs(queues=WEBHOOK_QUEUE) == 2
    assert all(d.status == DeliveryStatus.DELIVERED for d in deliveries(complaint=case))
    assert [b["event"] for b in receiver.bodies()] == ["case.created", "case.assigned"]

    for (headers, body), row in zip(receiver.received, deliveries(complaint=case), strict=True):
        assert headers[DELIVERY_HEADER] == str(row.pk) == json.loads(body)["delivery_id"]
        assert headers[EVENT_HEADER] == row.event
        assert int(headers[TIMESTAMP_HEADER]) > 0
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers[SIGNATURE_HEADER] == f"sha256={expected}"
        assert headers["Content-Type"] == "application/json; charset=utf-8"
        assert body == row.body.encode()  # the bytes written with the change
        text = body.decode()
        assert "DESC-MARKER" not in text and "PERSON" not in text
        assert case.complainant_citizen_id not in text and case.complainant_phone not in text

    # A job that runs again for a delivered one sends nothing: once per delivery id.
    webhook_jobs_queue([d.pk for d in deliveries(complaint=case)])
    assert run_jobs(queues=WEBHOOK_QUEUE) == 2
    assert len(receiver.received) == 2
    assert subscriber.deliveries.count() == 2


def test_the_workflow_events_reach_the_subscriber(receiver, run_jobs):
    receiver.start()
    subscribe(receiver.url)
    desk = make_officer(Role.DISTRICT_OFFICER, district="4901")
    team = make_team("490102")
    case = make_complaint(created_by=desk)  # 490101 has no team: stays received

    def act(action, **data):
        current = Complaint.objects.get(pk=case.pk)
        return wf.complaint_act(
            complaint=current,
            actor=desk,
            action=action,
            expected_version=current.version,
            data=data,
        )

    act("assign", team=team.pk)
    act("start")
    act("note", text="NOTE-MARKER")  # a note is no event
    act("forward", target="agency", agency="AGENCY-MARKER", note="FORWARD-MARKER")
    act("return", reason="RETURN-MARKER")
    act("close", result="resolved", note="CLOSE-MARKER")
    act("reopen", reason="REOPEN-MARKER")
    run_jobs(queues=WEBHOOK_QUEUE)
    bodies = receiver.bodies()
    assert [b["event"] for b in bodies] == [
        "case.created",
        "case.assigned",
        "case.started",
        "case.forwarded",
        "case.returned",
        "case.closed",
        "case.reopened",
    ]
    closed = bodies[5]
    assert closed["status"] == "closed" and closed["close_result"] == "resolved"
    assert bodies[3]["forwarded_to"] == "agency"
    assert [b["version"] for b in bodies] == sorted(b["version"] for b in bodies)
    text = b"".join(body for _, body in receiver.received).decode()
    for marker in ("NOTE", "AGENCY", "FORWARD", "RETURN", "CLOSE", "REOPEN"):
        assert f"{marker}-MARKER" not in text


def test_every_body_field_is_classified_and_visible_to_the_webhook_viewer(receiver, run_jobs):
    receiver.start()
    subscribe(receiver.url)
    make_complaint(created_by=make_officer(Role.DISTRICT_OFFICER, district="4901"))
    run_jobs(queues=WEBHOOK_QUEUE)
    (body,) = receiver.bodies()
    for key in body:
        cls = policy.field_class(f"webhook.{key}")  # UnclassifiedField names a new one
        assert policy.WEBHOOK_VIEWER.sees_class(cls), key
        assert cls not in (policy.PERSONAL, policy.FREE_TEXT, policy.ATTACHMENT, policy.STAFF)


def test_a_refused_or_rolled_back_change_tells_nobody(receiver, run_jobs):
    receiver.start()
    subscriber, _ = subscribe(receiver.url, events=["case.closed"])
    desk = make_officer(Role.DISTRICT_OFFICER, district="4901")
    case = make_complaint(created_by=desk)
    with pytest.raises(StaleVersion):
        wf.complaint_close(
            complaint=case, actor=desk, expected_version=99, result="resolved", note="x"
        )
    with transaction.atomic():
        wf.complaint_close(
            complaint=case, actor=desk, expected_version=case.version, result="resolved", note="x"
        )
        assert subscriber.deliveries.count() == 1
        transaction.set_rollback(True)
    assert subscriber.deliveries.count() == 0
    assert run_jobs(queues=WEBHOOK_QUEUE) == 0
    assert receiver.received == []


def test_subscribers_hear_only_their_events_and_areas(receiver, run_jobs):
    receiver.start()
    closed_only, _ = subscribe(receiver.url, events=["case.closed"])
    nakhon_phanom, _ = subscribe(receiver.url, whole_country=False, provinces=["48"])
    mukdahan, _ = subscribe(receiver.url, whole_country=False, provinces=["49"])
    nowhere, _ = subscribe(receiver.url, whole_country=False)
    inactive, _ = subscribe(receiver.url, is_active=False)
    make_complaint(created_by=make_officer(Role.DISTRICT_OFFICER, district="4901"))
    assert closed_only.deliveries.count() == 0
    assert nakhon_phanom.deliveries.count() == 0
    assert nowhere.deliveries.count() == 0
    assert inactive.deliveries.count() == 0
    assert mukdahan.deliveries.count() == 1


def test_a_failing_subscriber_is_given_up_after_the_last_retry_and_sent_again(receiver, run_jobs):
    receiver.start()
    receiver.status = 503
    subscribe(receiver.url, events=["case.created"])
    case = make_complaint(created_by=make_officer(Role.DISTRICT_OFFICER, district="4901"))
    tries = WEBHOOK_RETRY.max_attempts + 1
    for _ in range(tries):
        assert run_jobs(queues=WEBHOOK_QUEUE) == 1
        retries_due()
    assert run_jobs(queues=WEBHOOK_QUEUE) == 0
    (row,) = deliveries(complaint=case)
    assert row.status == DeliveryStatus.GIVEN_UP and row.attempts == tries
    assert row.last_status == 503 and row.last_error == "HTTP 503"
    ids = {headers[DELIVERY_HEADER] for headers, _ in receiver.received}
    assert ids == {str(row.pk)} and len(receiver.received) == tries  # the same id every time

    receiver.status = 204
    assert deliveries_send_again(deliveries=[row]) == 1
    assert run_jobs(queues=WEBHOOK_QUEUE) == 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.DELIVERED
    assert receiver.received[-1][0][DELIVERY_HEADER] == str(row.pk)
    assert deliveries_send_again(deliveries=[row]) == 0  # delivered: never again


def test_a_redirect_is_not_followed(receiver, run_jobs):
    receiver.start()
    receiver.redirect = True
    subscribe(receiver.url, events=["case.created"])
    case = make_complaint(created_by=make_officer(Role.DISTRICT_OFFICER, district="4901"))
    run_jobs(queues=WEBHOOK_QUEUE)
    (row,) = deliveries(complaint=case)
    assert row.status == DeliveryStatus.RETRYING and row.last_status == 307
    assert len(receiver.received) == 1  # nothing was sent to /elsewhere


def test_a_subscriber_deactivated_before_delivery_is_given_up(receiver, run_jobs):
    receiver.start()
    subscriber, _ = subscribe(receiver.url, events=["case.created"])
    case = make_complaint(created_by=make_officer(Role.DISTRICT_OFFICER, district="4901"))
    WebhookSubscriber.objects.filter(pk=subscriber.pk).update(is_active=False)
    run_jobs(queues=WEBHOOK_QUEUE)
    (row,) = deliveries(complaint=case)
    assert row.status == DeliveryStatus.GIVEN_UP and row.last_error == "subscriber inactive"
    assert receiver.received == []


def test_the_admin_lists_deliveries_and_sends_given_up_ones_again(receiver, run_jobs):
    receiver.start()
    subscribe(receiver.url, events=["case.created"])
    case = make_complaint(created_by=make_officer(Role.DISTRICT_OFFICER, district="4901"))
    WebhookDelivery.objects.filter(complaint=case).update(status=DeliveryStatus.GIVEN_UP)
    admin = make_officer(Role.ADMIN, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/layers/webhookdelivery/?status__exact=given_up")
    assert page.status_code == 200 and case.tracking_no in page.content.decode()
    (row,) = deliveries(complaint=case)
    response = client.post(
        "/admin/layers/webhookdelivery/",
        {"action": "send_again", "_selected_action": [str(row.pk)]},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == DeliveryStatus.PENDING
    run_jobs(queues=WEBHOOK_QUEUE)
    row.refresh_from_db()
    assert row.status == DeliveryStatus.DELIVERED


def test_the_admin_registers_a_subscriber_and_shows_its_secret_once(receiver, run_jobs):
    receiver.start()
    admin = make_officer(Role.ADMIN, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/layers/webhooksubscriber/add/",
        {
            "name": "ระบบจังหวัด",
            "url": receiver.url,
            "events": ["case.created"],
            "whole_country": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    secret = response.content.decode().split('<code class="issued-secret">')[1].split("</code>")[0]
    subscriber = WebhookSubscriber.objects.get(name="ระบบจังหวัด")
    assert subscriber.events == ["case.created"] and secret not in subscriber.secret_sealed
    make_complaint(created_by=make_officer(Role.DISTRICT_OFFICER, district="4901"))
    run_jobs(queues=WEBHOOK_QUEUE)
    ((headers, body),) = receiver.received
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == f"sha256={expected}"
