"""The month-end job on the real Procrastinate worker (tests/jobs.py): registered as a periodic
task at 00:30 Bangkok time, it freezes the month, queues one report per province, and the
reports tell the governors."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from layers.demo import demo_complaints_seed
from layers.models import MonthlyReport, MonthSnapshot, Notification, Role
from layers.tasks import MONTH_END_CRON, month_end
from layers.thaidate import BANGKOK
from tests.factories import make_officer


def test_the_month_end_job_is_registered_for_00_30_in_bangkok_every_day():
    periodic = app.periodic_registry.periodic_tasks[("layers.month_end", "month_end")]
    assert periodic.cron == MONTH_END_CRON
    # Procrastinate reads cron in UTC: the next run after noon on 31 October is 00:30 on
    # 1 November in Bangkok, then 00:30 on the 2nd.
    after = datetime(2026, 10, 31, 12, 0, tzinfo=UTC).timestamp()
    periodic.croniter.set_current(start_time=after)
    first = datetime.fromtimestamp(periodic.croniter.get_next(float), tz=BANGKOK)
    second = datetime.fromtimestamp(periodic.croniter.get_next(float), tz=BANGKOK)
    assert (first.day, first.hour, first.minute) == (1, 0, 30)
    assert (second.day, second.hour, second.minute) == (2, 0, 30)


@pytest.mark.django_db
def test_the_worker_runs_the_month_end_freezes_makes_reports_and_tells_governors(
    settings, tmp_path, run_jobs, mailoutbox
):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_complaints_seed(count=200, seed=3, until=date(2026, 11, 1))
    governor = make_officer(Role.GOVERNOR, province="49", email="governor49@example.go.th")
    governor48 = make_officer(Role.GOVERNOR, province="48")
    chief = make_officer(Role.DISTRICT_CHIEF, district="4901")

    # The deferrer's tick of 1 October 2026, 00:30 in Bangkok: September has ended.
    tick = int(datetime(2026, 10, 1, 0, 30, tzinfo=BANGKOK).timestamp())
    month_end.defer(timestamp=tick)
    ran = run_jobs()

    snapshot = MonthSnapshot.objects.get()
    assert snapshot.month == date(2026, 9, 1)
    reports = {r.province_id: r for r in MonthlyReport.objects.all()}
    assert set(reports) == {"48", "49"}
    names = ProcrastinateJob.objects.values_list("task_name", "status")
    assert sorted(names) == sorted(
        [("layers.month_end", "succeeded")]
        + [("layers.monthly_report", "succeeded")] * 2
        + [("layers.mail_deliver", "succeeded")]  # the governor of 49 has an address
        + [("layers.opendata_build", "succeeded")]  # the open-data files, built again
    )
    assert ran == 5
    told = {(n.recipient_id, n.report.province_id) for n in Notification.objects.all()}
    assert told == {(governor.pk, "49"), (governor48.pk, "48")}
    assert not Notification.objects.filter(recipient=chief).exists()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["governor49@example.go.th"]
    assert "/reports/monthly/49/2569-09.pdf" in mailoutbox[0].body

    # The next day's tick (the catch-up) changes nothing: nothing frozen or made twice.
    month_end.defer(timestamp=tick + 86400)
    assert run_jobs() == 1
    assert MonthSnapshot.objects.count() == 1 and MonthlyReport.objects.count() == 2
    assert Notification.objects.count() == 2
