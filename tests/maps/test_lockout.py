"""Login throttling and lock-out (issue 7, "Accounts that resist guessing"): by account and by
address, on our citizen-ID login and the admin login; the Thai message with the waiting time;
who may unlock whom."""

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from layers.lockout import client_address
from layers.models import Officer, RoleAssignment
from layers.selectors.lockouts import lockout_for
from tests.factories import Role, make_officer, new_citizen_id

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
LIST = "/accounts/lockouts/"
UNLOCK = "/accounts/lockouts/unlock/"
LOCKED_TH = "ผิดหลายครั้งเกินไป"  # "too many failed logins", in both Thai lock-out messages
NETWORK_TH = "จากเครือข่ายนี้"  # "from this network": the address lock's message


@pytest.fixture(autouse=True)
def limits(settings):
    """The defaults, written out so that the tests read without looking them up."""
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 30
    settings.LOCKOUT_MINUTES = 15
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    # Hundreds of password checks: a fast hasher (the lock-out does not depend on it).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def dashed(cid: str) -> str:
    return f"{cid[0]}-{cid[1:5]}-{cid[5:10]}-{cid[10:12]}-{cid[12]}"


def login(client, username, password, *, address="127.0.0.1", url=LOGIN):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def age_failures(minutes: float, **filters):
    """Move counted failures back in time (what waiting does, without a timed test)."""
    AccessAttempt.objects.filter(**filters).update(
        attempt_time=timezone.now() - timedelta(minutes=minutes)
    )


# --- Lock-out by account ----------------------------------------------------------------------


def test_thirty_wrong_passwords_lock_the_account_and_the_right_one_no_longer_works(client):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    statuses = [login(client, officer.citizen_id, f"wrong-{i}").status_code for i in range(30)]
    # Four refusals as "wrong ID or password", the fifth locks, then every try is refused.
    assert statuses[:4] == [200] * 4
    assert statuses[4:] == [429] * 26
    response = login(client, officer.citizen_id, officer.test_password)
    assert response.status_code == 429
    assert not logged_in(client)
    html = response.content.decode()
    assert LOCKED_TH in html and "กรุณารอ 15 นาที" in html  # "please wait 15 minutes"
    assert 'class="card narrow"' in html and 'name="password"' in html  # our login page
    assert int(response["Retry-After"]) <= 15 * 60 + 1
    # Tries during the lock are not counted: the waiting time shown stays true.
    assert AccessAttempt.objects.get(username=officer.citizen_id).failures_since_start == 5


def test_the_waiting_time_counts_down_and_the_lock_lifts(client):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    for i in range(5):
        login(client, officer.citizen_id, f"wrong-{i}")
    age_failures(10.5, username=officer.citizen_id)
    response = login(client, officer.citizen_id, officer.test_password)
    assert response.status_code == 429
    assert "กรุณารอ 5 นาที" in response.content.decode()  # 4.5 minutes left, rounded up
    age_failures(15.5, username=officer.citizen_id)
    response = login(client, officer.citizen_id, officer.test_password)
    assert response.status_code == 302 and logged_in(client)


def test_the_id_counts_as_one_account_however_it_is_typed(client):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    cid = officer.citizen_id
    for typed in (dashed(cid), cid, " ".join([cid[:1], cid[1:5], cid[5:10], cid[10:]]), cid):
        assert login(client, typed, "wrong").status_code == 200
    assert login(client, dashed(cid), "wrong").status_code == 429
    assert login(client, cid, officer.test_password).status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {cid}


def test_an_unknown_id_locks_the_same_way(client):
    """The lock tells nothing about which IDs have an account."""
    unknown = new_citizen_id("1")
    known = make_officer(Role.DISTRICT_OFFICER, district="4901")
    answers = {}
    for cid in (unknown, known.citizen_id):
        answers[cid] = [login(client, cid, "wrong").status_code for _ in range(6)]
    assert answers[unknown] == answers[known.citizen_id] == [200] * 4 + [429] * 2


def test_a_right_password_forgets_the_typos_from_that_address(client):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    for _ in range(4):
        login(client, officer.citizen_id, "typo")
    assert login(client, officer.citizen_id, officer.test_password).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert login(client, officer.citizen_id, "typo").status_code == 200
    assert login(client, officer.citizen_id, officer.test_password).status_code == 302


def test_failures_from_elsewhere_still_count_after_the_owner_logs_in(client):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    for _ in range(4):
        login(client, officer.citizen_id, "guess", address="203.0.113.9")
    assert login(client, officer.citizen_id, officer.test_password).status_code == 302
    client.post(reverse("logout"))
    assert login(client, officer.citizen_id, "guess", address="203.0.113.9").status_code == 429


def test_the_admin_login_is_locked_too(client):
    admin = Officer.objects.create_superuser(new_citizen_id("9"), "Admin-pass-2569")
    for _ in range(4):
        response = login(client, admin.citizen_id, "wrong", url=ADMIN_LOGIN)
        assert response.status_code == 200
    # The admin form takes the dashes too: the same account.
    response = login(client, dashed(admin.citizen_id), "wrong", url=ADMIN_LOGIN)
    assert response.status_code == 429
    response = login(client, admin.citizen_id, "Admin-pass-2569", url=ADMIN_LOGIN)
    assert response.status_code == 429 and not logged_in(client)
    assert LOCKED_TH in response.content.decode()
    # Locked on our login page as well: one account, one lock.
    assert login(client, admin.citizen_id, "Admin-pass-2569").status_code == 429


# --- Lock-out by address ----------------------------------------------------------------------


def test_an_office_behind_one_address_is_not_locked_by_its_staffs_typos(client):
    """Six officers of one district office (one NAT address) mistype four times each: 24
    failures from the address, nobody locked, and each then logs in."""
    office = "198.51.100.20"
    staff = [make_officer(Role.DISTRICT_OFFICER, district="4901") for _ in range(6)]
    for officer in staff:
        for _ in range(4):
            assert login(client, officer.citizen_id, "typo", address=office).status_code == 200
    for officer in staff:
        response = login(client, officer.citizen_id, officer.test_password, address=office)
        assert response.status_code == 302
        client.post(reverse("logout"))


def test_one_address_trying_many_accounts_is_locked(client):
    """Password spraying: two tries on each of many IDs stays under the account limit, but the
    address is locked at 30 failures, for every account, even with the right password; another
    address is not."""
    sprayer = "203.0.113.66"
    victim = make_officer(Role.DISTRICT_OFFICER, district="4901")
    statuses = []
    for _ in range(15):
        cid = new_citizen_id("1")
        statuses += [login(client, cid, p, address=sprayer).status_code for p in ("123456", "x")]
    assert statuses == [200] * 29 + [429]
    response = login(client, victim.citizen_id, victim.test_password, address=sprayer)
    assert response.status_code == 429 and not logged_in(client)
    assert NETWORK_TH in response.content.decode()
    response = login(client, victim.citizen_id, victim.test_password, address="198.51.100.7")
    assert response.status_code == 302


def test_the_client_address_behind_trusted_proxies(rf, settings):
    request = rf.post("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request) == "10.0.0.5"  # a header the client may write is ignored
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.5"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(request) == "6.6.6.6"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer entries than proxies: the direct peer
    assert client_address(request) == "10.0.0.5"
    bad = rf.post("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="not-an-address")
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(bad) == "10.0.0.5"


def test_lockout_for_names_what_is_locked(client):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    assert lockout_for(username=officer.citizen_id, ip_address="127.0.0.1") is None
    for _ in range(5):
        login(client, officer.citizen_id, "wrong")
    lock = lockout_for(username=officer.citizen_id, ip_address="127.0.0.1")
    assert lock.by_account and not lock.by_address and lock.minutes == 15
    assert lockout_for(username=new_citizen_id("1"), ip_address="127.0.0.1") is None


def test_failed_logins_and_locks_are_logged_without_citizen_ids(client, caplog):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    with caplog.at_level(logging.DEBUG):
        for _ in range(6):
            login(client, dashed(officer.citizen_id), "Guess-7731", address="203.0.113.77")
    assert "AXES" in caplog.text  # the failures are logged...
    for secret in (officer.citizen_id, dashed(officer.citizen_id), "203.0.113.77", "Guess-7731"):
        assert secret not in caplog.text  # ...without the ID, the address or the password


# --- Unlocking --------------------------------------------------------------------------------


def lock(officer, client):
    # Each from its own address, so that no address reaches its own (higher) limit here.
    address = f"192.0.2.{officer.pk % 250 + 1}"
    for _ in range(5):
        login(client, officer.citizen_id, "wrong", address=address)
    assert lockout_for(username=officer.citizen_id, ip_address=None) is not None


@pytest.fixture
def locked(client):
    """Locked officers of 4901 (a district officer, a team member and the district chief),
    4902, the province 49 (province level) and Nakhon Phanom 48; a central officer; an admin."""
    people = {
        "d4901": make_officer(Role.DISTRICT_OFFICER, district="4901", last_name="LOCK-d4901"),
        "t4901": make_officer(Role.TEAM_MEMBER, district="4901", last_name="LOCK-t4901"),
        "chief4901": make_officer(Role.DISTRICT_CHIEF, district="4901", last_name="LOCK-c4901"),
        "d4902": make_officer(Role.DISTRICT_OFFICER, district="4902", last_name="LOCK-d4902"),
        "p49": make_officer(Role.PROVINCE_OFFICER, province="49", last_name="LOCK-p49"),
        "d4801": make_officer(Role.DISTRICT_OFFICER, district="4801", last_name="LOCK-d4801"),
        "central": make_officer(Role.CENTRAL_OFFICER, last_name="LOCK-central"),
        "norole": make_officer(None, last_name="LOCK-norole"),
        "admin": Officer.objects.create_superuser(
            new_citizen_id("9"), "Admin-pass-2569", last_name="LOCK-admin"
        ),
    }
    # Also in 4901 and in 48: locked with the other province, only 48 may unlock them.
    both = make_officer(Role.DISTRICT_OFFICER, district="4901", last_name="LOCK-both")
    RoleAssignment.objects.create(
        officer=both, role=Role.DISTRICT_OFFICER, province_id="48", district_id="4801"
    )
    people["both"] = both
    for officer in people.values():
        lock(officer, client)
    client.cookies.clear()
    return people


def shown(response, people) -> set[str]:
    """Whom the page lists as locked (its messages, e.g. "X is unlocked", aside)."""
    html = response.content.decode()
    start = html.find('id="locked-accounts"')
    listed = html[start : html.index("</ul>", start)] if start >= 0 else ""
    return {key for key, officer in people.items() if officer.last_name in listed}


@pytest.mark.parametrize(
    "role,area,expected",
    [
        (Role.DISTRICT_CHIEF, {"district": "4901"}, {"d4901", "t4901", "chief4901"}),
        (
            Role.PROVINCE_OFFICER,
            {"province": "49"},
            {"d4901", "t4901", "chief4901", "d4902", "p49"},
        ),
        (Role.PROVINCE_OFFICER, {"province": "48"}, {"d4801"}),
    ],
)
def test_approvers_see_and_unlock_the_locked_accounts_of_their_area(
    client, locked, role, area, expected
):
    approver = make_officer(role, **area)
    client.force_login(approver)
    response = client.get(LIST)
    assert response.status_code == 200
    assert shown(response, locked) == expected
    # The masked ID only, never the whole one.
    html = response.content.decode()
    for officer in locked.values():
        assert officer.citizen_id not in html
    for key in expected:
        response = client.post(UNLOCK, {"officer": locked[key].pk})
        assert response.status_code == 302 and response["Location"] == LIST
        assert lockout_for(username=locked[key].citizen_id, ip_address=None) is None
    for key in set(locked) - expected:
        response = client.post(UNLOCK, {"officer": locked[key].pk})
        assert response.status_code == 403, key
        assert lockout_for(username=locked[key].citizen_id, ip_address=None) is not None, key
    assert shown(client.get(LIST), locked) == set()


def test_an_unlocked_officer_logs_in_at_once(client, locked):
    chief = make_officer(Role.DISTRICT_CHIEF, district="4901")
    client.force_login(chief)
    client.post(UNLOCK, {"officer": locked["d4901"].pk})
    client.post(reverse("logout"))
    officer = locked["d4901"]
    response = login(client, officer.citizen_id, officer.test_password)
    assert response.status_code == 302 and logged_in(client)


def test_an_admin_sees_and_unlocks_everyone(client, locked):
    admin = Officer.objects.create_superuser(new_citizen_id("9"), "Admin-pass-2569")
    client.force_login(admin)
    response = client.get(LIST)
    assert shown(response, locked) == set(locked)
    attempts = reverse("admin:axes_accessattempt_changelist")
    assert attempts in response.content.decode()
    # axes' admin pages: every failed login, by account and by address.
    assert locked["d4901"].citizen_id in client.get(attempts).content.decode()
    for officer in locked.values():
        assert client.post(UNLOCK, {"officer": officer.pk}).status_code == 302
    assert AccessAttempt.objects.count() == 0
    # And the admin role without the superuser flag.
    client.force_login(make_officer(Role.ADMIN))
    assert client.get(LIST).status_code == 200


@pytest.mark.parametrize(
    "role,area",
    [
        (Role.DISTRICT_OFFICER, {"district": "4901"}),
        (Role.TEAM_MEMBER, {"district": "4901"}),
        (Role.GOVERNOR, {"province": "49"}),
        (Role.CENTRAL_OFFICER, {}),
        (Role.GIS_ANALYST, {"province": "49"}),
        (None, {}),
    ],
)
def test_outsiders_are_refused(client, locked, role, area):
    client.force_login(make_officer(role, **area))
    response = client.get(LIST)
    assert response.status_code == 403
    assert not shown(response, locked)
    response = client.post(UNLOCK, {"officer": locked["d4901"].pk})
    assert response.status_code == 403
    assert lockout_for(username=locked["d4901"].citizen_id, ip_address=None) is not None


def test_anonymous_is_sent_to_log_in(client, locked):
    for response in (client.get(LIST), client.post(UNLOCK, {"officer": locked["d4901"].pk})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert lockout_for(username=locked["d4901"].citizen_id, ip_address=None) is not None


def test_unlock_needs_a_post_and_a_real_officer(client, locked):
    client.force_login(make_officer(Role.DISTRICT_CHIEF, district="4901"))
    assert client.get(UNLOCK).status_code == 405
    for bad in ("", "x", "999999999"):
        assert client.post(UNLOCK, {"officer": bad}).status_code == 404


def test_the_nav_links_the_page_for_approvers_only(client):
    client.force_login(make_officer(Role.DISTRICT_CHIEF, district="4901"))
    assert LIST in client.get("/").content.decode()
    client.force_login(make_officer(Role.DISTRICT_OFFICER, district="4901"))
    assert LIST not in client.get("/").content.decode()
