"""Background jobs (Procrastinate, PostgreSQL only): thin adapters over the services.

The worker (``./damrong worker``, i.e. ``manage.py procrastinate worker``) runs them; jobs wait
in the ``procrastinate_jobs`` table until it does, and the Django admin lists them (Procrastinate
jobs: state, attempts, events; failed ones can be retried from there).

Tasks are ``async`` and run their (synchronous, ORM-using) service in Django's thread-sensitive
context, the way Django runs sync code from async code: one thread, one database connection,
managed around each job by the Procrastinate Django app.
"""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError
from procrastinate import JobContext, RetryStrategy
from procrastinate.contrib.django import app

from layers.services.exports import export_job_run, exports_remove_expired
from layers.services.mail import MailTemporaryError, mail_deliver_now

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


@app.task(name="layers.export_run", queue="exports")
async def export_run(*, job_id: int) -> None:
    """One analyst's export too large to write in the request (layers.services.exports)."""
    await sync_to_async(export_job_run, thread_sensitive=True)(job_id=job_id)
