"""The duplicates review page of a district or province (issue 8): clusters of suspected
duplicates, repeat complainants and accused parties with counts; who may open it."""

from __future__ import annotations

import pytest

from layers.models import DuplicateDecision
from layers.selectors.duplicate_review import duplicate_clusters, repeat_people
from tests.case_fixtures import build_cast
from tests.factories import MUKDAHAN_CITY, make_complaint, new_citizen_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TEXT = "ถนนลูกรังในหมู่ที่ 4 เป็นหลุมบ่อ ช่วงฤดูฝนรถสัญจรไม่ได้ ขอให้ซ่อมแซม"
OTHER = "มีการบุกรุกที่สาธารณประโยชน์ริมหนองน้ำ ล้อมรั้วลวดหนาม"
NAKHON_PHANOM = (17.4075, 104.7786)  # 480101
SECRET = "นายลับเฉพาะ คนร้องซ้ำ"


@pytest.fixture
def cast(settings):
    return build_cast(settings)


_phones = iter(range(10_000_000, 99_999_999))


def road(lat=MUKDAHAN_CITY[0], lon=MUKDAHAN_CITY[1], **fields):
    fields.setdefault("description", TEXT)
    # A phone of its own unless a test shares one (the factory gives everyone the same).
    fields.setdefault("complainant_phone", f"08{next(_phones)}")
    return make_complaint(lat, lon, category="utilities", subcategory="utilities-roads", **fields)


def test_clusters_join_pairs_and_leave_out_dismissed_and_other_matters(cast):
    a, b = road(), road(MUKDAHAN_CITY[0] + 0.0004)
    c = road(MUKDAHAN_CITY[0] + 0.0008)  # 45 m from b, 90 m from a: one cluster of three
    other = road(description=OTHER)  # the same place, another matter: not likely
    far = road(*NAKHON_PHANOM)
    (cluster,) = duplicate_clusters(province="49", district="4901")
    assert {x.tracking_no for x in cluster.cases} == {a.tracking_no, b.tracking_no, c.tracking_no}
    assert cluster.category_code == "utilities" and cluster.best_score >= 0.9
    assert other.tracking_no not in {x.tracking_no for x in cluster.cases}
    assert duplicate_clusters(province="48") == []  # far is alone there
    assert far.pk
    # Dismissed pairs are left out: c stays joined through b.
    DuplicateDecision.objects.create(case=a, candidate=c, decision="dismissed", score=1)
    DuplicateDecision.objects.create(case=a, candidate=b, decision="dismissed", score=1)
    (cluster,) = duplicate_clusters(province="49")
    assert {x.tracking_no for x in cluster.cases} == {b.tracking_no, c.tracking_no}


def test_repeat_people_count_here_and_elsewhere(cast):
    cid = new_citizen_id("1")
    here = [road(complainant_citizen_id=cid, complainant_name=SECRET) for _ in range(2)]
    road(*NAKHON_PHANOM, complainant_citizen_id=cid)
    road(accused_name="นายประสิทธิ์ มั่นคง")
    road(accused_name="ประสิทธิ์  มั่นคง", description=OTHER)
    road(complainant_citizen_id=new_citizen_id("1"))  # once only: not listed
    people = repeat_people(province="49", district="4901")
    complainants = [p for p in people if p.role == "complainant"]
    (person,) = complainants
    assert person.name == SECRET and person.cases_elsewhere == 1
    assert {c.tracking_no for c in person.cases_here} == {h.tracking_no for h in here}
    (accused,) = [p for p in people if p.role == "accused"]
    assert len(accused.cases_here) == 2 and accused.cases_elsewhere == 0
    # From Nakhon Phanom: one here, two elsewhere.
    (there,) = [p for p in repeat_people(province="48") if p.role == "complainant"]
    assert len(there.cases_here) == 1 and there.cases_elsewhere == 2


def test_the_page_and_who_may_open_it(cast, client):
    cid = new_citizen_id("1")
    a = road(complainant_citizen_id=cid, complainant_name=SECRET)
    b = road(complainant_citizen_id=cid, complainant_name=SECRET)
    client.force_login(cast.district_officer)
    page = client.get("/duplicates/4901/").content.decode()
    assert a.tracking_no in page and b.tracking_no in page and SECRET in page
    assert 'id="review-clusters"' in page and "2 cases here" in page
    for officer, code in (
        (cast.province_officer, "49"),
        (cast.governor, "4901"),
        (cast.central, "49"),
    ):
        client.force_login(officer)
        assert client.get(f"/duplicates/{code}/").status_code == 200, officer
    refused = (
        (cast.district_officer, "49"),
        (cast.other_district_officer, "4901"),
        (cast.other_province_officer, "49"),
        (cast.member, "4901"),
        (cast.analyst, "49"),
        (cast.no_role, "4901"),
    )
    for officer, code in refused:
        client.force_login(officer)
        response = client.get(f"/duplicates/{code}/")
        assert response.status_code == 403, (officer, code)
        assert a.tracking_no not in response.content.decode()
    client.force_login(cast.central)
    assert client.get("/duplicates/9999/").status_code == 404
    client.logout()
    assert client.get("/duplicates/4901/").status_code == 302


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width, mobile", [(1366, False), (360, True)])
def test_the_case_page_and_the_review_in_the_browser(live_server, live_data, width, mobile):
    from layers.models import Role
    from tests.browser import login, new_page, open_browser, screenshot
    from tests.factories import make_officer

    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    cid = new_citizen_id("1")
    first = road(complainant_citizen_id=cid, complainant_name=SECRET)
    again = road(MUKDAHAN_CITY[0] + 0.0004, complainant_citizen_id=cid)
    with open_browser() as browser:
        page = new_page(browser, live_server.url, width=width, height=900, mobile=mobile)
        login(page, live_server.url, officer)
        page.goto(f"{live_server.url}/cases/{again.tracking_no}/")
        row = page.locator(f'#case-duplicates li[data-tracking-no="{first.tracking_no}"]')
        assert row.locator("button").count() == 2 and row.is_visible()
        row.locator("form:has([value=mark_duplicate]) button").click()
        page.wait_for_load_state()
        assert page.locator("#duplicate-of").inner_text().strip().endswith(first.tracking_no)
        assert page.locator("#case-status").get_attribute("data-status") == "closed"
        page.locator("#case-duplicates").scroll_into_view_if_needed()
        screenshot(page, f"case_duplicate_{width}")
        page.goto(f"{live_server.url}/cases/{first.tracking_no}/")
        assert again.tracking_no in page.inner_text("#also-reported")
        page.goto(f"{live_server.url}/duplicates/4901/")
        assert first.tracking_no in page.inner_text("#review-people")
        screenshot(page, f"duplicate_review_{width}")
        assert page.blocked_requests == []
        assert page.console_errors == []


@pytest.mark.parametrize(
    "who, code",
    [
        ("district_officer", "4901"),
        ("chief", "4901"),
        ("province_officer", "49"),
        ("governor", "49"),
        ("other_province_officer", "48"),
        ("member", None),
        ("analyst", None),
        ("central", None),
        ("no_role", None),
    ],
)
def test_the_nav_links_to_the_review_of_the_officers_own_area(cast, client, who, code):
    officer = getattr(cast, who)
    client.force_login(officer)
    page = client.get("/profile/").content.decode()
    links = [part.split('"')[0] for part in page.split('href="/duplicates/')[1:]]
    assert links == ([f"{code}/"] if code else [])
    if code:
        assert client.get(f"/duplicates/{code}/").status_code == 200


def test_the_nav_has_no_review_link_for_anonymous(client):
    assert 'href="/duplicates/' not in client.get("/").content.decode()


def test_repeat_complainants_also_by_phone(cast):
    phone = "0869990001"
    # Two citizen IDs, one phone (typed two ways): listed once, by phone, with the case elsewhere.
    a = road(complainant_citizen_id=new_citizen_id("1"), complainant_phone=phone)
    b = road(complainant_citizen_id=new_citizen_id("1"), complainant_phone="086-999-0001")
    road(*NAKHON_PHANOM, complainant_phone=phone)
    # One citizen ID and one phone on the same two cases: listed once, by citizen ID.
    cid = new_citizen_id("1")
    c, d = (road(complainant_citizen_id=cid, complainant_phone="0869990002") for _ in range(2))
    people = [p for p in repeat_people(province="49", district="4901") if p.role == "complainant"]
    listed = {
        (p.matched_on, frozenset(x.tracking_no for x in p.cases_here), p.cases_elsewhere)
        for p in people
    }
    assert listed == {
        ("phone", frozenset({a.tracking_no, b.tracking_no}), 1),
        ("citizen_id", frozenset({c.tracking_no, d.tracking_no}), 0),
    }


def test_the_page_says_same_phone(cast, client):
    road(complainant_phone="0869990003", complainant_name="นายอื่น ชื่อเดิม")
    road(complainant_phone="0869990003", complainant_name=SECRET)  # the latest: its name shows
    client.force_login(cast.district_officer)
    page = client.get("/duplicates/4901/").content.decode()
    section = page.split('id="review-people"')[1].split("</section>")[0]
    assert "same phone number" in section and SECRET in section
    assert "0869990003" not in page  # the phone itself is never shown
    client.force_login(cast.other_province_officer)
    assert client.get("/duplicates/4901/").status_code == 403
