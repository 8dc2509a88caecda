"""E-mail through the job queue (layers/services/mail.py, layers/tasks.py): retries, failures an
admin sees, jobs that wait in the database for a worker, and a real worker process."""

from __future__ import annotations

import json
import os
import smtplib
import socket
import subprocess
import sys
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, transaction
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateEvent, ProcrastinateJob

from layers.services import mail
from tests.factories import make_officer, make_team
from tests.jobs import empty_the_queue

ROOT = Path(__file__).resolve().parents[2]
TASK = "layers.mail_deliver"


def jobs():
    return ProcrastinateJob.objects.filter(task_name=TASK).order_by("id")


def events(job) -> list[str]:
    return list(
        ProcrastinateEvent.objects.filter(job=job).order_by("id").values_list("type", flat=True)
    )


def make_due_now(job) -> None:
    """The time a retry waits for has passed (rather than sleeping through the backoff)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = %s", [job.pk])


class FlakyBackend(LocmemBackend):
    """An SMTP server that drops the first connection, then delivers (into mail.outbox)."""

    failures_left = 1

    def send_messages(self, messages):
        if FlakyBackend.failures_left:
            FlakyBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class BusyBackend(BaseEmailBackend):
    """An SMTP server that always answers 421 (busy, try later)."""

    def send_messages(self, messages):
        raise smtplib.SMTPSenderRefused(421, b"try again later", "damrong-gis@localhost")


class UnknownMailboxBackend(BaseEmailBackend):
    def send_messages(self, messages):
        to = messages[0].to[0]
        raise smtplib.SMTPRecipientsRefused({to: (550, b"no such mailbox")})


@pytest.mark.django_db
def test_a_mail_that_fails_once_is_retried_with_backoff_and_then_sent(
    settings, run_jobs, mailoutbox
):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.failures_left = 1
    officer = make_officer(email="somchai@example.go.th")
    with transaction.atomic():
        queued = mail.mail_send(
            subject="Case 2569-0000042", body="Open the case.", officers=[officer], reference="t1"
        )
    assert queued == 1 and mailoutbox == []

    started = timezone.now()
    assert run_jobs() == 1  # the SMTP server drops the connection: a transient failure
    job = jobs().get()
    assert (job.status, job.attempts) == ("todo", 1)  # to be retried...
    assert job.scheduled_at >= started + timedelta(seconds=4)  # ...after a backoff (5 s)
    assert mailoutbox == []
    assert run_jobs() == 0  # nothing is due before the backoff ends

    make_due_now(job)
    assert run_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("succeeded", 2)
    history = events(job)  # as the admin shows it
    assert history.count("started") == 2 and "deferred_for_retry" in history
    assert history[-1] == "succeeded"
    assert [(m.to, m.subject, m.body) for m in mailoutbox] == [
        (["somchai@example.go.th"], "Case 2569-0000042", "Open the case.")
    ]


@pytest.mark.django_db
def test_transient_failures_end_in_a_failed_job_after_the_last_retry(settings, run_jobs):
    settings.EMAIL_BACKEND = f"{__name__}.BusyBackend"
    officer = make_officer(email="busy@example.go.th")
    mail.mail_send(subject="s", body="b", officers=[officer], reference="t2")
    waits = []
    for _ in range(django_settings.MAIL_MAX_RETRIES):
        before = timezone.now()
        assert run_jobs() == 1
        job = jobs().get()
        assert job.status == "todo"
        waits.append(round((job.scheduled_at - before).total_seconds()))
        make_due_now(job)
    assert run_jobs() == 1  # the last try
    job = jobs().get()
    assert (job.status, job.attempts) == ("failed", django_settings.MAIL_MAX_RETRIES + 1)
    # Exponential backoff: each wait is MAIL_RETRY_BACKOFF_SECONDS times the one before.
    base = django_settings.MAIL_RETRY_BACKOFF_SECONDS
    expected = [base**n for n in range(1, django_settings.MAIL_MAX_RETRIES + 1)]
    assert all(abs(w - e) <= 2 for w, e in zip(waits, expected, strict=True)), waits


@pytest.mark.django_db
def test_a_permanent_refusal_fails_at_once_and_the_admin_lists_it(settings, run_jobs, client):
    settings.EMAIL_BACKEND = f"{__name__}.UnknownMailboxBackend"
    officer = make_officer(email="nobody@example.go.th")
    mail.mail_send(subject="s", body="b", officers=[officer], reference="case 2569-0000007")
    assert run_jobs() == 1
    job = jobs().get()
    assert (job.status, job.attempts) == ("failed", 1)  # 5xx: no retry

    admin = make_officer(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get("/admin/procrastinate/procrastinatejob/", {"status": "failed"})
    assert response.status_code == 200
    html = response.content.decode()
    assert TASK in html and "Failed" in html and "case 2569-0000007" in html
    assert "nobody@example.go.th" not in html  # the row holds ids, not addresses
    detail = client.get(f"/admin/procrastinate/procrastinatejob/{job.pk}/change/")
    assert detail.status_code == 200


@pytest.mark.django_db
def test_an_officer_is_refused_the_job_admin(client):
    client.force_login(make_officer())  # not staff
    response = client.get("/admin/procrastinate/procrastinatejob/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_the_job_row_holds_ids_and_a_sealed_message_only(run_jobs, mailoutbox):
    officer = make_officer(email="wipa@example.go.th", first_name="วิภา")
    mail.mail_send(
        subject="รหัสผ่าน", body="First password: Xy7-secret", officers=[officer], reference="r9"
    )
    job = jobs().get()
    assert set(job.args) == {"officer", "message", "reference"}
    assert job.args["officer"] == officer.pk
    stored = json.dumps(job.args, ensure_ascii=False)
    for clear in ("wipa@example.go.th", "Xy7-secret", "รหัสผ่าน", officer.citizen_id):
        assert clear not in stored
    assert mail.unseal(job.args["message"]) == {
        "subject": "รหัสผ่าน",
        "body": "First password: Xy7-secret",
    }
    assert run_jobs() == 1 and mailoutbox[0].body == "First password: Xy7-secret"


@pytest.mark.django_db
def test_one_job_per_distinct_address_and_none_for_officers_without_one(run_jobs, mailoutbox):
    a = make_officer(email="Same@Example.org")
    b = make_officer(email="same@example.org")  # the same mailbox: one message
    c = make_officer(email="")
    d = make_officer(email="gone@example.org", is_active=False)
    team = make_team("490101", email="team@example.org")
    assert mail.mail_send(subject="s", body="b", officers=[a, b, c, d], reference="r") == 1
    assert mail.mail_send(subject="s", body="b", officers=[c], reference="r") == 0
    assert mail.mail_send(subject="s", body="b", teams=[team], reference="r") == 1
    assert run_jobs() == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["Same@Example.org", "team@example.org"]
    assert set(jobs().values_list("status", flat=True)) == {"succeeded"}


@pytest.mark.django_db
def test_an_officer_who_lost_the_address_before_the_worker_ran_gets_nothing(run_jobs, mailoutbox):
    officer = make_officer(email="leaving@example.org")
    mail.mail_send(subject="s", body="b", officers=[officer], reference="r")
    officer.email = ""
    officer.save()
    assert run_jobs() == 1
    assert mailoutbox == [] and jobs().get().status == "succeeded"


@pytest.mark.django_db
def test_a_rotated_secret_key_still_opens_queued_messages_through_the_fallbacks(settings):
    token = mail.seal({"subject": "s", "body": "b"})
    old = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "n" * 60, [old]
    assert mail.unseal(token) == {"subject": "s", "body": "b"}
    settings.SECRET_KEY_FALLBACKS = []
    officer = make_officer(email="x@example.org")
    with pytest.raises(mail.MailPermanentError, match="cannot be unsealed"):
        mail.mail_deliver_now(message=token, reference="r", officer=officer.pk)


@pytest.mark.parametrize(
    "error, kind",
    [
        (smtplib.SMTPRecipientsRefused({"a@b.c": (550, b"no")}), mail.MailPermanentError),
        (smtplib.SMTPRecipientsRefused({"a@b.c": (452, b"full")}), mail.MailTemporaryError),
        (smtplib.SMTPSenderRefused(421, b"busy", "x@y"), mail.MailTemporaryError),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), mail.MailPermanentError),
        (smtplib.SMTPServerDisconnected("closed"), mail.MailTemporaryError),
        (smtplib.SMTPNotSupportedError("no STARTTLS"), mail.MailPermanentError),
        (ConnectionRefusedError(111, "refused"), mail.MailTemporaryError),
        (TimeoutError("timed out"), mail.MailTemporaryError),
        (socket.gaierror(-2, "Name or service not known"), mail.MailTemporaryError),
        (ValueError("a@b.c has a bad header"), mail.MailPermanentError),
    ],
    ids=lambda v: type(v).__name__,
)
def test_smtp_errors_are_transient_or_permanent_and_named_without_the_address(error, kind):
    failure = mail._failure(error)
    assert type(failure) is kind
    assert "a@b.c" not in str(failure) and "x@y" not in str(failure)


# --------------------------------------------------------------------------- a real worker


def database_url_of_the_test_db() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgis://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def run_worker_process(**env) -> subprocess.CompletedProcess:
    """``manage.py procrastinate worker --one-shot``: a worker process of its own, on its own
    connection to the test database, that runs every due job and exits."""
    return subprocess.run(
        [sys.executable, "manage.py", "procrastinate", "worker", "--one-shot"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_ENV": "development",
            "DATABASE_URL": database_url_of_the_test_db(),
            "SECRET_KEY": django_settings.SECRET_KEY,  # to open the sealed messages
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on leaving: connections are refused


@pytest.fixture
def empty_queue(transactional_db):
    empty_the_queue()
    yield
    empty_the_queue()


def test_jobs_wait_in_the_database_and_a_restarted_worker_retries_and_sends_them(
    empty_queue, tmp_path
):
    first = make_officer(email="first@example.org")
    second = make_officer(email="second@example.org")
    with transaction.atomic():  # a change commits: its e-mail job with it
        mail.mail_send(subject="one", body="first", officers=[first], reference="w1")
    job1 = jobs().get()
    assert job1.status == "todo"  # no worker runs: the job waits in the database

    # A worker starts while the SMTP server is unreachable: the job fails and is rescheduled.
    down = run_worker_process(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(closed_port()),
        MAIL_RETRY_BACKOFF_SECONDS="60",
    )
    assert down.returncode == 0, down.stderr
    assert "ConnectionRefusedError" in down.stderr and "first@example.org" not in down.stderr
    job1.refresh_from_db()
    assert (job1.status, job1.attempts) == ("todo", 1)
    assert 0 < (job1.scheduled_at - timezone.now()).total_seconds() <= 60  # the backoff

    # The worker is gone; more work comes in and waits too.
    with transaction.atomic():
        mail.mail_send(subject="two", body="second", officers=[second], reference="w2")
    assert list(jobs().values_list("status", flat=True)) == ["todo", "todo"]

    # The backoff passes; a worker starts again (the mail server is back): both are sent.
    make_due_now(job1)
    up = run_worker_process(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path),
    )
    assert up.returncode == 0, up.stderr
    assert [(j.status, j.attempts) for j in jobs()] == [("succeeded", 2), ("succeeded", 1)]
    sent = sorted(
        (
            m["To"],
            m["Subject"],
            m.get_payload(decode=True).decode().strip(),
        )
        for m in (message_from_bytes(chunk) for f in tmp_path.iterdir() for chunk in split(f))
    )
    assert sent == [("first@example.org", "one", "first"), ("second@example.org", "two", "second")]


def split(path: Path) -> list[bytes]:
    """The file backend appends each message to the file, with a line of dashes after it."""
    return [chunk.strip() for chunk in path.read_bytes().split(b"-" * 79) if chunk.strip()]
