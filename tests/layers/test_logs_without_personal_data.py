"""A mail failure is logged without the address it failed for (personal data stays out of logs
and out of the queued job)."""

import json
import logging
import smtplib

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from procrastinate.contrib.django.models import ProcrastinateJob

from boundaries.models import District, Province
from layers.services.officers import registration_approve, registration_submit
from tests.factories import Role, make_officer, new_citizen_id

pytestmark = pytest.mark.django_db

ADDRESS = "somsri.private@example.go.th"


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that refuses the recipient, as smtplib reports it (address included)."""

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({ADDRESS: (550, b"mailbox unavailable")})


def test_a_refused_password_mail_is_logged_without_the_address(settings, caplog, run_jobs):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    chief = make_officer(Role.DISTRICT_CHIEF, district="4901")
    citizen_id = new_citizen_id("1")
    request = registration_submit(
        citizen_id=citizen_id,
        title="นางสาว",
        first_name="สมศรี",
        last_name="ใจดี",
        position="เจ้าพนักงานปกครอง",
        province=Province.objects.get(pk="49"),
        district=District.objects.get(pk="4901"),
        permission_level="district",
        phone_office="042611234",
        email=ADDRESS,
        date_assigned="2026-10-01",
    )
    with caplog.at_level(logging.DEBUG):
        result = registration_approve(request=request, approver=chief)
        run_jobs()
    assert result.created and result.password  # the approval stands
    assert "SMTPRecipientsRefused 550" in caplog.text  # the failure is logged...
    assert ADDRESS not in caplog.text  # ...without the address
    assert citizen_id not in caplog.text and result.password not in caplog.text
    # A permanent refusal (5xx) is not retried: the job failed, for an admin to see; its
    # stored arguments hold neither the address nor the password nor the citizen ID.
    job = ProcrastinateJob.objects.get(task_name="layers.mail_deliver")
    assert (job.status, job.attempts) == ("failed", 1)
    stored = json.dumps(job.args, ensure_ascii=False)
    for secret in (ADDRESS, result.password, citizen_id, "สมศรี"):
        assert secret not in stored
