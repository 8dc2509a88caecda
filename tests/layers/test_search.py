"""Search (issue 12): Thai words, the policy (a GIS analyst never matches a person or a typed
text), keyed hashes for citizen IDs and phones, the jurisdiction, filters in B.E., highlights,
bad input, and the words kept up to date on every write."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client

from layers.models import CaseSearch, Complaint, Role
from layers.searchwords import search_normalize, search_words
from layers.selectors.search import be_date
from layers.services import workflow as wf
from layers.services.search import search_index_rebuild
from tests.factories import make_complaint, make_officer, make_team, new_citizen_id

pytestmark = pytest.mark.django_db

NAKHON_PHANOM = (17.4075, 104.7786)  # 480101, another province


def client_of(officer) -> Client:
    client = Client()
    client.force_login(officer)
    return client


def api(officer, **params):
    return client_of(officer).get("/api/search/", params)


def found(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [r["tracking_no"] for r in response.json()["results"]]


@pytest.fixture
def desk():
    return make_officer(Role.DISTRICT_OFFICER, district="4901")


@pytest.fixture
def analyst():
    return make_officer(Role.GIS_ANALYST, district="4901")


# --- Words ---------------------------------------------------------------------------------


def test_thai_words_use_the_custom_dictionary_and_leave_out_ids_and_phones():
    words = search_words("ร้องเรียนศูนย์ดำรงธรรมจังหวัดมุกดาหาร ชปต.ตำบลบางทรายใหญ่")
    assert "ศูนย์ดำรงธรรม" in words and "ชปต" in words and "บางทรายใหญ่" in words
    text = search_normalize("โทร ๐๘๑-๒๓๔-๕๖๗๘ บัตร 1 4999 00012 34 5 เรื่อง ๒๕๖๙-๐๐๐๐๑๒๓")
    assert "081" not in text and "4999" not in text and "2569-0000123" in text
    # OCR's split sara am (ํ + า) is read as ำ.
    assert search_words("น\u0e49\u0e4d\u0e32ท่วม") == search_words("น้ำท่วม")


def test_no_search_index_holds_a_plain_citizen_id_or_phone():
    cid = new_citizen_id("1")
    case = make_complaint(
        complainant_citizen_id=cid,
        complainant_phone="0812345678",
        description=f"ผู้ร้องแจ้งเลขบัตร {cid} โทร 081-234-5678 ถนนชำรุด",
    )
    row = CaseSearch.objects.get(complaint=case)
    stored = f"{row.public_vector} {row.full_vector} {row.public_norm} {row.full_norm}"
    for value in (cid, "0812345678", "081-234-5678", "5678"):
        assert value not in stored
    assert "ถนน" in row.full_norm


# --- Matching ------------------------------------------------------------------------------


def test_thai_words_match_inside_unspaced_text_and_not_across_words(desk):
    road = make_complaint(description="ถนนลูกรังเป็นหลุมบ่อขอให้ซ่อมโดยด่วน")
    flood = make_complaint(description="น้ำท่วมขังหน้าบ้านหลายวันแล้ว")
    # ลูกรัง is a word inside ถนนลูกรัง? newmm keeps ถนนลูกรัง whole: found as a phrase of
    # the same tokeniser, and a partial word of 3+ letters falls back on the trigram index.
    assert found(api(desk, q="หลุมบ่อ")) == [road.tracking_no]
    assert found(api(desk, q="ถนนลูกรัง")) == [road.tracking_no]
    assert found(api(desk, q="ท่วมขัง")) == [flood.tracking_no]
    # Two pieces: both must be there.
    assert found(api(desk, q="หลุมบ่อ ซ่อม")) == [road.tracking_no]
    assert found(api(desk, q="หลุมบ่อ น้ำท่วม")) == []
    # นา is a word of its own; it is not found inside หน้า or นาน (2 letters: no trigram).
    assert found(api(desk, q="นา")) == []


def test_the_whole_word_ranks_before_a_partial_one(desk):
    partial = make_complaint(description="มีการบุกรุกที่ดินสาธารณะ")
    whole = make_complaint(description="ขอให้ตรวจสอบที่ดิน แปลงนี้")
    rows = api(desk, q="ที่ดิน").json()["results"]
    assert [r["tracking_no"] for r in rows][:1] == [whole.tracking_no]
    assert partial.tracking_no in [r["tracking_no"] for r in rows]


def test_names_places_and_tracking_numbers(desk):
    case = make_complaint(
        complainant_name="นางสาวพิมพ์ชนก แสงอรุณ",
        accused_name="บริษัท ทองประเสริฐก่อสร้าง จำกัด",
        location_note="หน้าวัดศรีมงคล",
    )
    other = make_complaint(complainant_name="นายสมชาย ใจดี")
    assert found(api(desk, q="แสงอรุณ")) == [case.tracking_no]
    assert found(api(desk, q="ทองประเสริฐ")) == [case.tracking_no]
    assert found(api(desk, q="วัดศรีมงคล")) == [case.tracking_no]
    assert found(api(desk, q=case.tracking_no)) == [case.tracking_no]
    # The tracking number in Thai digits and without its zeros.
    year, seq = case.tracking_no.split("-")
    thai = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
    assert found(api(desk, q=f"{year}-{int(seq)}".translate(thai))) == [case.tracking_no]
    # A place name of the boundaries: both cases lie in ต.มุกดาหาร.
    assert set(found(api(desk, q="มุกดาหาร"))) == {case.tracking_no, other.tracking_no}


def test_citizen_id_and_phone_match_through_the_keyed_hashes(desk):
    cid = new_citizen_id("1")
    case = make_complaint(complainant_citizen_id=cid, complainant_phone="0812345678")
    make_complaint(complainant_citizen_id=new_citizen_id("1"), complainant_phone="0899999999")
    spaced = f"{cid[0]} {cid[1:5]} {cid[5:10]} {cid[10:12]} {cid[12]}"
    for q in (cid, spaced, "081-234-5678", "+66812345678"):
        response = api(desk, q=q)
        assert found(response) == [case.tracking_no], q
    assert api(desk, q=cid).json()["results"][0]["matched_on"][0] == "citizen_id"


def test_the_analyst_never_matches_a_person_or_a_typed_text(desk, analyst):
    cid = new_citizen_id("1")
    case = make_complaint(
        complainant_name="นายวรวุฒิ ปัญญาวงศ์",
        complainant_citizen_id=cid,
        complainant_phone="0861112222",
        accused_name="นายอัครเดช เลิศวิริยะ",
        description="ร้องเรียนเรื่องกลิ่นเหม็นจากฟาร์มสุกร",
        location_note="ข้างโรงเรียนบ้านนาโปร่ง",
    )
    for q in ("ปัญญาวงศ์", cid, "0861112222", "เลิศวิริยะ", "ฟาร์มสุกร", "โรงเรียน", "ฟาร์ม"):
        assert found(api(desk, q=q)) == [case.tracking_no], q
        response = api(analyst, q=q)
        assert found(response) == [], q
        assert response.json()["scope"] == "public"
    # Public words still find it, without a person or a text in the answer.
    response = api(analyst, q=case.tracking_no)
    row = response.json()["results"][0]
    assert row["tracking_no"] == case.tracking_no
    assert row["complainant_name_html"] is None and row["description_html"] is None
    body = response.content.decode()
    assert "ปัญญาวงศ์" not in body and "ฟาร์มสุกร" not in body
    # The page too.
    page = client_of(analyst).get("/search/", {"q": "ฟาร์มสุกร"})
    assert page.status_code == 200 and case.tracking_no not in page.content.decode()


def test_search_stays_within_the_officer_s_area(desk):
    here = make_complaint(description="ไฟฟ้าดับทั้งหมู่บ้าน")
    there = make_complaint(*NAKHON_PHANOM, description="ไฟฟ้าดับทั้งหมู่บ้าน")
    assert found(api(desk, q="ไฟฟ้าดับ")) == [here.tracking_no]
    assert found(api(desk, q=there.tracking_no)) == []
    central = make_officer(Role.CENTRAL_OFFICER)
    assert set(found(api(central, q="ไฟฟ้าดับ"))) == {here.tracking_no, there.tracking_no}
    # A filter narrows, never widens.
    assert found(api(desk, q="ไฟฟ้าดับ", province="48")) == []
    assert found(api(central, q="ไฟฟ้าดับ", province="48")) == [there.tracking_no]


def test_filters_category_status_and_be_dates(desk):
    from datetime import datetime

    from django.utils import timezone

    old = make_complaint(
        description="ขยะล้นถังริมถนน",
        received_at=timezone.make_aware(datetime(2025, 1, 15, 10, 0)),
    )
    new = make_complaint(
        description="ขยะล้นถังริมถนน", category="other", subcategory=None, subcategory_text="ขยะ"
    )
    assert set(found(api(desk, q="ขยะ"))) == {old.tracking_no, new.tracking_no}
    assert found(api(desk, q="ขยะ", since="01/01/2568", until="31/01/2568")) == [old.tracking_no]
    assert found(api(desk, q="ขยะ", until="๓๑/๐๑/๒๕๖๘")) == [old.tracking_no]
    assert found(api(desk, q="ขยะ", since="2568-02-01")) == [new.tracking_no]
    assert found(api(desk, q="ขยะ", category="other")) == [new.tracking_no]
    assert found(api(desk, q="ขยะ", status="closed")) == []
    assert be_date("31/01/2568", "since").isoformat() == "2025-01-31"


@pytest.mark.parametrize(
    "params,field",
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "ถนน\x00"}, None),  # refused by the middleware before the view
        ({"q": "ถนน", "since": "2025-01-31"}, "since"),  # a C.E. year
        ({"q": "ถนน", "since": "31/02/2568"}, "since"),
        ({"q": "ถนน", "since": "yesterday"}, "since"),
        ({"q": "ถนน", "since": "01/02/2568", "until": "01/01/2568"}, "until"),
        ({"q": "ถนน", "district": "49x1"}, "district"),
        ({"q": "ถนน", "status": "lost"}, "status"),
        ({"q": "ถนน", "category": "nope"}, "category"),
        ({"q": "ถนน", "staus": "closed"}, "params"),
        ({"q": "ถนน", "page": "0"}, "page"),
        ({"q": "ถนน", "page": "2"}, "page"),
        ({"q": "ถนน", "page": "99999999999999999999999"}, "page"),
        ({"q": "ถนน", "page_size": "101"}, "page_size"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(desk, params, field):
    make_complaint(description="ถนนชำรุด")
    response = client_of(desk).get("/api/search/", params)
    assert response.status_code == 400, (params, response.status_code)
    body = response.json()
    assert set(body) >= {"code", "detail", "fields"}
    assert field is None or field in body["fields"], body


def test_the_page_refuses_a_page_number_beyond_reason(desk):
    response = client_of(desk).get("/search/", {"q": "ถนน", "page": "99999999999999999999"})
    assert response.status_code == 400


def test_the_page_reshows_what_was_typed_with_a_thai_message(desk):
    response = client_of(desk).get("/search/", {"q": "ถนน", "since": "2025-01-31"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="2025-01-31"' in body and 'value="ถนน"' in body
    assert "พุทธศักราช" in body or "พ.ศ." in body


def test_outsiders_are_refused():
    nobody = make_officer(None)
    make_complaint(description="ถนนชำรุด")
    assert client_of(nobody).get("/api/search/", {"q": "ถนน"}).status_code == 403
    assert client_of(nobody).get("/search/", {"q": "ถนน"}).status_code == 403
    anonymous = Client()
    assert anonymous.get("/api/search/", {"q": "ถนน"}).status_code in (401, 403)
    response = anonymous.get("/search/", {"q": "ถนน"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Highlights ----------------------------------------------------------------------------


def test_words_found_are_highlighted_and_everything_else_escaped(desk):
    case = make_complaint(
        title="<script>alert(1)</script> ถนนพัง",
        description="ถนนพังเป็นหลุมลึก <b>อันตราย</b> ต่อผู้สัญจร",
    )
    row = api(desk, q="หลุม").json()["results"][0]
    assert row["tracking_no"] == case.tracking_no
    assert "<mark>หลุม</mark>" in row["description_html"]
    assert "&lt;b&gt;" in row["description_html"] and "<b>" not in row["description_html"]
    assert list(row)[0] == "tracking_no"
    page = client_of(desk).get("/search/", {"q": "ถนนพัง"}).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert re.search(r"<mark>ถนน(พัง)?</mark>", page)


# --- Kept up to date -----------------------------------------------------------------------


def test_notes_and_closing_notes_are_found_after_the_write(desk):
    team = make_team("490101")
    case = make_complaint(created_by=desk, description="เสียงดังรบกวนยามวิกาล")
    assert found(api(desk, q="ไกล่เกลี่ย")) == []
    case = Complaint.objects.get(pk=case.pk)
    wf.complaint_act(
        complaint=case,
        actor=desk,
        action="note",
        expected_version=case.version,
        data={"text": "ลงพื้นที่ไกล่เกลี่ยคู่กรณีแล้ว"},
    )
    assert found(api(desk, q="ไกล่เกลี่ย")) == [case.tracking_no]
    assert team.pk  # routed to a team at intake when one exists; the note is the district's


def test_rebuild_indexes_rows_written_in_bulk(desk):
    case = make_complaint(description="ท่อประปาแตกน้ำไหลนองถนน")
    CaseSearch.objects.filter(complaint=case).delete()
    assert found(api(desk, q="ท่อประปา")) == []
    assert search_index_rebuild() == 1
    assert found(api(desk, q="ท่อประปา")) == [case.tracking_no]
    assert search_index_rebuild() == 0


def test_the_migration_refuses_a_c_ctype_database(monkeypatch):
    import importlib

    migration = importlib.import_module("layers.migrations.0013_search12_case_search")

    class Editor:
        def __init__(self):
            self.connection = connection

    monkeypatch.setattr(
        "layers.dbcheck.ctype_problem", lambda cursor: "The database has LC_CTYPE 'C'"
    )
    with pytest.raises(RuntimeError, match="LC_CTYPE"):
        migration.refuse_c_ctype(None, Editor())
