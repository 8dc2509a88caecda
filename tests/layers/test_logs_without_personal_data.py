"""A mail failure is logged without the address it failed for (personal data stays out of logs)."""

import logging
import smtplib

import pytest
from django.core.mail.backends.base import BaseEmailBackend

from boundaries.models import District, Province
from layers.services.officers import registration_approve, registration_submit
from tests.factories import Role, make_officer, new_citizen_id

pytestmark = pytest.mark.django_db

ADDRESS = "somsri.private@example.go.th"


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that refuses the recipient, as smtplib reports it (address included)."""

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({ADDRESS: (550, b"mailbox unavailable")})


def test_a_refused_password_mail_is_logged_without_the_address(
    settings, caplog, django_capture_on_commit_callbacks
):
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
    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        result = registration_approve(request=request, approver=chief)
    assert result.created and result.password  # the approval stands
    assert "SMTPRecipientsRefused" in caplog.text  # the failure is logged...
    assert ADDRESS not in caplog.text  # ...without the address
    assert citizen_id not in caplog.text and result.password not in caplog.text
