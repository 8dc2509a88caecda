"""Background jobs (Procrastinate, PostgreSQL only): thin adapters over the services.

The worker (``./damrong worker``, i.e. ``manage.py procrastinate worker``) runs them; jobs wait
in the ``procrastinate_jobs`` table until it does, and the Django admin lists them (Procrastinate
jobs: state, attempts, events; failed ones can be retried from there).

Tasks are ``async`` and run their (synchronous, ORM-using) service in Django's thread-sensitive
context, the way Django runs sync code from async code: one thread, one database connection,
managed around each job by the Procrastinate Django app.
"""

from datetime import UTC, datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError
from procrastinate import JobContext, RetryStrategy
from procrastinate.contrib.django import app

from layers.services.documents import document_extract_now
from layers.services.exports import export_job_run, exports_remove_expired
from layers.services.mail import MailTemporaryError, mail_deliver_now
from layers.services.reports import month_end_run, month_report_job
from layers.services.tracking import attempts_remove_old, pin_deliver_now
from layers.services.webhooks import WebhookNotDelivered, webhook_deliver_now

MAIL_RETRY = RetryStrategy(
    # Waits of base**1, base**2, ... seconds: with 5 and 6 retries, 5 s, 25 s, 2 min, 10 min,
    # 52 min and 4.3 h, seven tries in all over about five and a half hours.
    max_attempts=settings.MAIL_MAX_RETRIES,
    exponential_wait=settings.MAIL_RETRY_BACKOFF_SECONDS,
    # Only what may work later; a permanent SMTP refusal or a bug fails at once.
    retry_exceptions=[MailTemporaryError, OperationalError, InterfaceError],
)


@app.task(name="layers.mail_deliver", queue="mail", retry=MAIL_RETRY)
async def mail_deliver(
    *, message: str, reference: str, officer: int | None = None, team: int | None = None
) -> bool:
    """One e-mail, queued by ``layers.services.mail.mail_send``."""
    return await sync_to_async(mail_deliver_now, thread_sensitive=True)(
        message=message, reference=reference, officer=officer, team=team
    )


WEBHOOK_RETRY = RetryStrategy(
    # Waits of base**1, base**2, ... seconds: with 4 and 8 retries, 4 s, 16 s, 1 min, 4 min,
    # 17 min, 68 min, 4.6 h and 18 h: nine tries over about a day.
    max_attempts=settings.WEBHOOK_MAX_RETRIES,
    exponential_wait=settings.WEBHOOK_RETRY_BACKOFF_SECONDS,
    retry_exceptions=[WebhookNotDelivered, OperationalError, InterfaceError],
)


@app.task(name="layers.webhook_deliver", queue="webhooks", retry=WEBHOOK_RETRY, pass_context=True)
async def webhook_deliver(context: JobContext, *, delivery: str) -> bool:
    """One webhook delivery, queued by ``layers.services.webhooks.case_event_record``; the last
    attempt marks it given up when it fails (the admin lists it and can send it again)."""
    last = context.job.attempts >= settings.WEBHOOK_MAX_RETRIES
    return await sync_to_async(webhook_deliver_now, thread_sensitive=True)(
        delivery=delivery, last_attempt=last
    )


@app.periodic(cron="17 3 * * *", periodic_id="daily")
@app.task(
    name="layers.jobs_remove_old",
    queue="maintenance",
    queueing_lock="jobs_remove_old",
    pass_context=True,
)
async def jobs_remove_old(context: JobContext, timestamp: int) -> None:
    """Every night: forget finished jobs after JOBS_KEEP_DAYS, failed ones after
    JOBS_KEEP_FAILED_DAYS (until then an admin sees and can retry them); remove expired
    export files and cached tiles older than TILES_CACHE_HOURS."""
    manager = context.app.job_manager
    await manager.delete_old_jobs(
        nb_hours=settings.JOBS_KEEP_DAYS * 24, include_cancelled=True, include_aborted=True
    )
    await manager.delete_old_jobs(nb_hours=settings.JOBS_KEEP_FAILED_DAYS * 24, include_failed=True)
    # Expired export files and old cached tiles (downloads already refuse an expired export).
    await sync_to_async(exports_remove_expired, thread_sensitive=True)()
    # Counted public attempts (filing and PIN throttles) older than every window.
    await sync_to_async(attempts_remove_old, thread_sensitive=True)()


@app.task(name="layers.pin_deliver", queue="pins", retry=MAIL_RETRY)
async def pin_deliver(*, complaint: int, message: str) -> dict:
    """A complainant's tracking PIN by SMS and e-mail, queued by
    ``layers.services.tracking.pin_send`` (the message sealed in the job row)."""
    return await sync_to_async(pin_deliver_now, thread_sensitive=True)(
        complaint=complaint, message=message
    )


@app.task(name="layers.export_run", queue="exports")
async def export_run(*, job_id: int) -> None:
    """One analyst's export too large to write in the request (layers.services.exports)."""
    await sync_to_async(export_job_run, thread_sensitive=True)(job_id=job_id)


# --- Month-end statistics and the monthly reports ---------------------------------------------
#
# Procrastinate reads cron in UTC: 17:30 UTC is 00:30 in Bangkok (UTC+7, no daylight saving).
# Every day rather than on the 1st alone: a periodic job whose time passed while no worker ran
# is skipped, so the days after the 1st catch up a month left unfrozen (a no-op otherwise).
MONTH_END_CRON = "30 17 * * *"


@app.periodic(cron=MONTH_END_CRON, periodic_id="month_end")
@app.task(name="layers.month_end", queue="statistics", queueing_lock="month_end")
async def month_end(timestamp: int) -> dict:
    """Freeze the month that ended (``layers.services.statistics``), then queue one report
    job per province (``monthly_report``)."""
    now = datetime.fromtimestamp(timestamp, tz=UTC)
    return await sync_to_async(month_end_run, thread_sensitive=True)(now=now)


@app.task(name="layers.monthly_report", queue="statistics")
async def monthly_report(*, province: str, month: str, requested_by: int | None = None) -> int:
    """One province's monthly report (``layers.services.reports``), its governors told."""
    return await sync_to_async(month_report_job, thread_sensitive=True)(
        province=province, month=month, requested_by=requested_by
    )


@app.task(name="layers.import_run", queue="imports")
async def import_run(*, batch_id: int, dry_run: bool) -> dict:
    """A spreadsheet import's dry run or import (``layers.services.imports``); an import that
    stops resumes after the last row it committed."""
    from layers.services.imports import import_run as run

    return await sync_to_async(run, thread_sensitive=True)(batch_id=batch_id, dry_run=dry_run)


@app.task(name="layers.document_extract", queue="documents")
async def document_extract(*, document_id: int) -> None:
    """Read a scanned document's text, page by page (``layers.services.documents``)."""
    await sync_to_async(document_extract_now, thread_sensitive=True)(document_id=document_id)


@app.task(name="layers.opendata_build", queue="statistics", queueing_lock="opendata_build")
async def opendata_build(timestamp: int) -> dict:
    """Build the open-data files (``layers.services.opendata``), queued right after a month is
    frozen; the public only ever reads the files it wrote."""
    from layers.services.opendata import opendata_build as build

    now = datetime.fromtimestamp(timestamp, tz=UTC)
    return await sync_to_async(build, thread_sensitive=True)(now=now)
