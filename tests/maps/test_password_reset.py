"""Password reset by e-mail (issue 7): our Thai pages, the same answer for a known and an
unknown address, an e-mail in Thai with the masked citizen ID only, short-lived links, and a
throttle that answers the same way whether the address has an account or not."""

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from layers.models import PasswordResetAttempt
from layers.selectors.lockouts import lockout_for
from tests.factories import Role, make_officer

pytestmark = pytest.mark.django_db

RESET = "/accounts/password_reset/"
DONE = "/accounts/password_reset/done/"
LOGIN = "/accounts/login/"
KNOWN = "somsri.reset@example.go.th"
UNKNOWN = "nobody.here@example.go.th"
DJANGO_ADMIN_TH = "ผู้ดูแลระบบ Django"  # the title of Django admin's own reset pages


@pytest.fixture(autouse=True)
def fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PASSWORD_RESET_LIMIT = 3
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 20
    settings.LOCKOUT_MINUTES = 15
    settings.SITE_URL = "https://damrong.example.go.th"


@pytest.fixture
def officer():
    return make_officer(Role.DISTRICT_OFFICER, district="4901", email=KNOWN)


def same_page(html: str) -> str:
    """The page with its per-response CSRF token masked (Django masks the token anew in every
    response; the rest must be byte for byte the same)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)


def ask(client, email, address="127.0.0.1"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def reset_link(message) -> str:
    match = re.search(
        r"https://damrong\.example\.go\.th(/accounts/reset/[^/\s]+/[^/\s]+/)", message
    )
    assert match, message
    return match.group(1)


def test_every_step_is_our_thai_page(client, officer):
    pages = [client.get(RESET), client.get(DONE), client.get("/accounts/reset/done/")]
    pages.append(client.get("/accounts/reset/MQ/bad-token/"))
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert DJANGO_ADMIN_TH not in html and "Django" not in html
        assert 'class="card narrow"' in html  # our base page
    assert "ขอตั้งรหัสผ่านใหม่" in pages[0].content.decode()
    assert "30 นาที" in pages[0].content.decode()  # how long the link works
    assert "ตรวจสอบอีเมลของคุณ" in pages[1].content.decode()
    assert "ลิงก์นี้ใช้ไม่ได้" in pages[3].content.decode()  # a bad link says so
    # The login page links the reset.
    assert RESET in client.get(LOGIN).content.decode()


def test_known_and_unknown_addresses_get_the_same_answer(client, officer, run_jobs):
    known = ask(client, KNOWN)
    unknown = ask(client, UNKNOWN)
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known.status_code == 302 and known["Location"] == DONE
    assert known.content == unknown.content
    assert set(known.cookies) == set(unknown.cookies)
    # And the page it leads to.
    after_known, after_unknown = client.get(known["Location"]), client.get(unknown["Location"])
    assert after_known.status_code == after_unknown.status_code == 200
    assert same_page(after_known.content.decode()) == same_page(after_unknown.content.decode())
    # Only the known address got a mail.
    run_jobs()  # the reset e-mail is sent by the job worker
    assert [m.to for m in mail.outbox] == [[KNOWN]]


def test_the_mail_is_thai_with_the_masked_id_only_and_a_working_link(client, officer, run_jobs):
    client.cookies["django_language"] = "en"  # the page in English: the mail is still Thai
    assert "Reset your password" in client.get(RESET).content.decode()
    ask(client, KNOWN.upper())  # the address matches whatever its case
    del client.cookies["django_language"]
    run_jobs()  # the reset e-mail is sent by the job worker
    (message,) = mail.outbox
    assert message.subject == "ดำรงธรรม GIS: ตั้งรหัสผ่านใหม่"
    assert officer.masked_citizen_id in message.body
    assert officer.citizen_id not in message.body + message.subject
    assert "ตั้งรหัสผ่านใหม่ได้ที่ลิงก์นี้" in message.body and "30 นาที" in message.body
    link = reset_link(message.body)

    # The link leads to the form (Django swaps the token for a session key first).
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    new_password = "Rice-field-2569!"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302 and response["Location"] == "/accounts/reset/done/"
    officer.refresh_from_db()
    assert officer.check_password(new_password) and not officer.must_change_password
    response = client.post(LOGIN, {"username": officer.citizen_id, "password": new_password})
    assert response.status_code == 302
    client.post("/accounts/logout/")
    # Used once: the same link no longer works.
    response = client.get(link, follow=True)
    assert "ลิงก์นี้ใช้ไม่ได้" in response.content.decode()


@pytest.mark.parametrize("age_minutes,works", [(29, True), (31, False)])
def test_a_link_works_for_the_set_time_only(client, officer, settings, age_minutes, works):
    settings.PASSWORD_RESET_TIMEOUT = 30 * 60
    uid = urlsafe_base64_encode(force_bytes(officer.pk))
    gen = default_token_generator
    # A token made age_minutes ago, by the generator's own clock (naive local time).
    made = gen._now() - timedelta(minutes=age_minutes)
    token = gen._make_token_with_timestamp(officer, gen._num_seconds(made), gen.secret)
    response = client.get(f"/accounts/reset/{uid}/{token}/", follow=True)
    assert ("ลิงก์นี้ใช้ไม่ได้" not in response.content.decode()) is works


def test_the_link_lifetime_comes_from_the_environment_with_a_short_default():

    code = "from django.conf import settings; print(settings.PASSWORD_RESET_TIMEOUT)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gisapp.settings"}
    env.pop("PASSWORD_RESET_TIMEOUT_MINUTES", None)
    run = [sys.executable, "-c", f"import django; django.setup(); {code}"]
    assert subprocess.run(run, env=env, capture_output=True, text=True).stdout.strip() == "1800"
    env["PASSWORD_RESET_TIMEOUT_MINUTES"] = "10"
    assert subprocess.run(run, env=env, capture_output=True, text=True).stdout.strip() == "600"


def test_a_reset_lifts_the_login_lock(client, officer, run_jobs):
    for _ in range(5):
        client.post(LOGIN, {"username": officer.citizen_id, "password": "wrong"})
    assert lockout_for(username=officer.citizen_id, ip_address=None) is not None
    ask(client, KNOWN)
    run_jobs()  # the reset e-mail is sent by the job worker
    link = reset_link(mail.outbox[0].body)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "Rice-2569-field", "new_password2": "Rice-2569-field"})
    assert lockout_for(username=officer.citizen_id, ip_address=None) is None
    response = client.post(LOGIN, {"username": officer.citizen_id, "password": "Rice-2569-field"})
    assert response.status_code == 302


# --- Throttle ---------------------------------------------------------------------------------


def test_too_many_requests_for_one_address_wait_the_same_known_or_not(client, officer, run_jobs):
    answers = {}
    for email in (KNOWN, UNKNOWN):
        answers[email] = [ask(client, email) for _ in range(5)]
    for email, responses in answers.items():
        assert [r.status_code for r in responses] == [302, 302, 302, 429, 429], email
    known, unknown = answers[KNOWN][3], answers[UNKNOWN][3]
    html = same_page(known.content.decode())
    assert html == same_page(unknown.content.decode()).replace(UNKNOWN, KNOWN)
    assert "ขอตั้งรหัสผ่านใหม่บ่อยเกินไป" in html and "กรุณารอ 15 นาที" in html
    assert known["Retry-After"] and unknown["Retry-After"]
    # Three mails to the known address, none more; nothing for the unknown one.
    run_jobs()  # the reset e-mail is sent by the job worker
    assert [m.to for m in mail.outbox] == [[KNOWN]] * 3
    # Refused requests are not counted; the stored rows hold no address in clear.
    assert PasswordResetAttempt.objects.count() == 6
    assert not PasswordResetAttempt.objects.filter(email_digest__icontains="example").exists()


def test_the_throttle_ends_after_the_window(client, officer, run_jobs):
    for _ in range(3):
        ask(client, KNOWN)
    assert ask(client, KNOWN).status_code == 429
    PasswordResetAttempt.objects.update(requested_at=timezone.now() - timedelta(minutes=10))
    response = ask(client, KNOWN)
    assert response.status_code == 429 and "กรุณารอ 5 นาที" in response.content.decode()
    PasswordResetAttempt.objects.update(requested_at=timezone.now() - timedelta(minutes=16))
    assert ask(client, KNOWN).status_code == 302
    run_jobs()  # the reset e-mail is sent by the job worker
    assert len(mail.outbox) == 4


def test_one_client_asking_for_many_addresses_is_throttled(client, officer, run_jobs):
    statuses = [
        ask(client, f"guess{i}@example.go.th", "203.0.113.50").status_code for i in range(21)
    ]
    assert statuses == [302] * 20 + [429]
    assert ask(client, KNOWN, "203.0.113.50").status_code == 429
    assert ask(client, KNOWN, "198.51.100.1").status_code == 302
    run_jobs()  # the reset e-mail is sent by the job worker
    assert [m.to for m in mail.outbox] == [[KNOWN]]


def test_a_bad_address_is_told_so(client):
    response = ask(client, "not an address")
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert PasswordResetAttempt.objects.count() == 0
