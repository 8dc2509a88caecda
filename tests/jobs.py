"""Running queued jobs in tests with the real Procrastinate worker.

Services queue jobs (e-mail...) through Django's connection, inside their transaction. In a
test that runs inside one transaction (``db``), ``run_queued_jobs`` runs the real worker on that
same connection and thread until the queue is empty: it fetches each job row, runs the real
task (our tasks run their service in Django's thread-sensitive context: here, this thread),
and records success, retry or failure on the row, as in production. Tests with a worker of its
own connection and process (``transactional_db``) are in tests/layers/test_jobs.py.
"""

from __future__ import annotations

import json

from asgiref.sync import async_to_sync
from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector
from procrastinate.contrib.django.models import ProcrastinateEvent
from procrastinate.worker import Worker


class _JsonDecodingConnector(DjangoConnector):
    """Django's connection, as the app defers with, for the worker too. Django has psycopg hand
    ``jsonb`` over as text (its JSONField decodes it); the worker wants the job's arguments as a
    dict, as the worker's own psycopg connection gives them."""

    def _dictfetch(self, cursor):
        for row in super()._dictfetch(cursor):
            if isinstance(row.get("args"), str):
                row["args"] = json.loads(row["args"])
            yield row


def run_queued_jobs(*, queues: list[str] | None = None) -> int:
    """Run the jobs due now; returns how many ran (retries scheduled later wait)."""
    started = ProcrastinateEvent.objects.filter(type="started")
    before = started.count()
    worker = Worker(
        app=app,
        queues=queues,
        wait=False,  # stop when no job is due
        listen_notify=False,  # the Django connection does not LISTEN
        install_signal_handlers=False,
        # Not the Django app's connection clean-up: closing the connection would end the
        # test's transaction (Django's test client skips it around requests too).
        task_middleware=[],
    )
    # From this (the main) thread: the worker's queries and the tasks' thread-sensitive code
    # come back to it, so they share the test's connection and transaction.
    with app.replace_connector(_JsonDecodingConnector()):
        async_to_sync(worker.run)()
    return started.count() - before


def empty_the_queue() -> None:
    """Forget every job, event and worker row. Procrastinate's tables are not Django-managed,
    so the flush after a transactional test (a live server...) leaves its jobs behind. Inside
    a test's transaction, this lasts until the rollback."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, "
            "procrastinate_workers CASCADE"
        )
