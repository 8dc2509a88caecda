"""Complaint intake (issue 2, "layers/ — the complaint") on the real sample boundaries."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.gis.db.models.functions import PointOnSurface
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from boundaries.models import District, Province, Subdistrict
from layers.errors import Forbidden, InvalidInput
from layers.inputs import TEXT_LIMITS
from layers.models import (
    Category,
    Complaint,
    ComplaintHistory,
    HistoryKind,
    Status,
    TrackingCounter,
)
from layers.services.complaints import complaint_create, tracking_number_issue
from layers.validators import (
    citizen_id_check_digit,
    is_valid_citizen_id,
    normalize_citizen_id,
    validate_citizen_id,
)
from tests.factories import MUKDAHAN_CITY, Role, make_complaint, make_officer, new_citizen_id

# Messages are checked in English (the msgids); the site's default is Thai.
pytestmark = pytest.mark.usefixtures("english")

# Savannakhet (Laos), across the Mekong from Mukdahan town: a pin dropped one river too far.
SAVANNAKHET = (16.5560, 104.7530)


def expected_codes(point):
    """The codes a point must get, straight from the raw polygons (not the lookup table).

    On a shared border the lowest sub-district code wins, as ``area_for_point`` promises.
    """
    covering = sorted(Subdistrict.objects.filter(geom__covers=point).values_list("code", flat=True))
    assert covering, f"test point {point.coords} is in no sample sub-district"
    sub = Subdistrict.objects.get(code=covering[0])
    assert District.objects.filter(code=sub.district_id, geom__covers=point).exists()
    assert Province.objects.filter(code=sub.province_id, geom__covers=point).exists()
    return sub.code, sub.district_id, sub.province_id


def counts():
    return (
        Complaint.objects.count(),
        ComplaintHistory.objects.count(),
        list(TrackingCounter.objects.order_by("year_be").values_list("year_be", "last_seq")),
    )


def codes_of(complaint):
    return complaint.subdistrict_id, complaint.district_id, complaint.province_id


# ---------------------------------------------------------------- areas from the point


@pytest.mark.django_db
def test_create_sets_the_three_codes_in_every_sample_district_of_both_provinces():
    # One interior point per district (its lowest-coded sub-district), Mukdahan and Nakhon Phanom.
    firsts = {}
    for sub in Subdistrict.objects.filter(province_id__in=["48", "49"]).order_by("code"):
        firsts.setdefault(sub.district_id, sub.code)
    points = Subdistrict.objects.filter(code__in=firsts.values()).annotate(p=PointOnSurface("geom"))
    seen_provinces = set()
    for sub in points:
        complaint = make_complaint(lat=sub.p.y, lon=sub.p.x)
        assert codes_of(complaint) == expected_codes(sub.p)
        assert codes_of(complaint)[0] == sub.code
        seen_provinces.add(complaint.province_id)
    assert len(firsts) == 19
    assert seen_provinces == {"48", "49"}


@pytest.mark.django_db
def test_create_at_a_known_place_in_mukdahan_town():
    complaint = make_complaint(lat=MUKDAHAN_CITY[0], lon=MUKDAHAN_CITY[1])
    point = Point(MUKDAHAN_CITY[1], MUKDAHAN_CITY[0], srid=4326)
    assert codes_of(complaint) == expected_codes(point)
    assert complaint.location.equals(point)


@pytest.mark.django_db
def test_point_on_the_border_of_two_provinces_gets_one_answer():
    # A vertex shared by Mukdahan's and Nakhon Phanom's polygons lies on both.
    with connection.cursor() as cur:
        cur.execute(
            # Raw SQL: ST_DumpPoints of the shared border has no ORM equivalent.
            """
            SELECT ST_X(d.geom), ST_Y(d.geom)
            FROM boundaries_province a, boundaries_province b,
                 LATERAL ST_DumpPoints(ST_Intersection(a.geom, b.geom)) AS d
            WHERE a.code = %s AND b.code = %s
            ORDER BY d.path LIMIT 1 OFFSET 10
            """,
            ["48", "49"],
        )
        lon, lat = cur.fetchone()
    point = Point(lon, lat, srid=4326)
    covering = set(
        Subdistrict.objects.filter(geom__covers=point).values_list("province_id", flat=True)
    )
    assert covering == {"48", "49"}
    complaint = make_complaint(lat=lat, lon=lon)
    assert codes_of(complaint) == expected_codes(point)


# ---------------------------------------------------------------- citizen ID


@pytest.mark.parametrize(
    "value",
    ["1101700203417", "1-1017-00203-41-7", " 1 1017 00203 41 7 ", new_citizen_id("3")],
)
def test_valid_citizen_ids_pass(value):
    validate_citizen_id(value)
    assert is_valid_citizen_id(normalize_citizen_id(value))


def test_every_wrong_last_digit_is_refused():
    first12 = "110170020341"
    good = citizen_id_check_digit(first12)
    for digit in range(10):
        assert is_valid_citizen_id(f"{first12}{digit}") is (digit == good)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1101700203411", "citizen_id_check_digit"),
        ("110170020341", "citizen_id_length"),
        ("11017002034170", "citizen_id_length"),
        ("11017002034l7", "citizen_id_length"),
        ("", "citizen_id_length"),
    ],
)
def test_invalid_citizen_ids_are_refused(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_citizen_id(value)
    assert exc.value.error_list[0].code == code


@pytest.mark.django_db
def test_create_refuses_a_bad_check_digit_naming_the_field_and_writes_nothing():
    before = counts()
    with pytest.raises(ValidationError) as exc:
        make_complaint(complainant_citizen_id="1101700203411")
    assert list(exc.value.message_dict) == ["complainant_citizen_id"]
    assert "check digit" in exc.value.message_dict["complainant_citizen_id"][0]
    assert counts() == before


@pytest.mark.django_db
def test_create_stores_the_citizen_id_without_dashes():
    complaint = make_complaint(complainant_citizen_id="1-1017-00203-41-7")
    assert complaint.complainant_citizen_id == "1101700203417"


# ---------------------------------------------------------------- categories


@pytest.mark.django_db
def test_other_without_words_is_refused():
    before = counts()
    with pytest.raises(ValidationError) as exc:
        make_complaint(category="other", subcategory=None, subcategory_text="   ")
    assert list(exc.value.message_dict) == ["subcategory_text"]
    assert counts() == before


@pytest.mark.django_db
def test_other_with_words_is_accepted_without_a_sub_category():
    assert Category.objects.get(code="other").is_other
    complaint = make_complaint(
        category="other",
        subcategory="land-public-encroach",  # picked by mistake: not kept under "Other"
        subcategory_text="  ขอให้ตรวจสอบป้ายโฆษณาที่ติดตั้งกีดขวางทางเท้า ",
    )
    complaint.refresh_from_db()
    assert complaint.category.code == "other"
    assert complaint.subcategory is None
    assert complaint.subcategory_text == "ขอให้ตรวจสอบป้ายโฆษณาที่ติดตั้งกีดขวางทางเท้า"


@pytest.mark.django_db
def test_sub_category_of_another_main_category_is_refused():
    before = counts()
    with pytest.raises(ValidationError) as exc:
        make_complaint(category="land", subcategory="debt-informal")
    assert list(exc.value.message_dict) == ["subcategory"]
    with pytest.raises(ValidationError) as exc:
        make_complaint(category="land", subcategory=None)
    assert list(exc.value.message_dict) == ["subcategory"]
    # A sub-category is not a main category.
    with pytest.raises(ValidationError) as exc:
        make_complaint(category="land-public-encroach", subcategory="land-public-encroach")
    assert "category" in exc.value.message_dict
    assert counts() == before


@pytest.mark.django_db
def test_sub_category_text_is_dropped_for_a_listed_sub_category():
    complaint = make_complaint(subcategory_text="ไม่ควรถูกเก็บ")
    assert complaint.subcategory.code == "land-public-encroach"
    assert complaint.subcategory_text == ""


@pytest.mark.django_db
def test_inactive_category_is_refused():
    Category.objects.filter(code="land-public-encroach").update(is_active=False)
    with pytest.raises(ValidationError) as exc:
        make_complaint()
    assert list(exc.value.message_dict) == ["subcategory"]


# ---------------------------------------------------------------- outside Thailand, bad input


@pytest.mark.django_db
def test_point_outside_thailand_is_refused_and_nothing_is_written():
    lat, lon = SAVANNAKHET
    point = Point(lon, lat, srid=4326)
    assert not Province.objects.filter(geom__covers=point).exists()
    first = make_complaint()
    before = counts()
    for lat_, lon_ in (SAVANNAKHET, (0.0, 0.0), (9.5, 99.0)):  # Laos, Gulf of Guinea, Gulf
        with pytest.raises(ValidationError) as exc:
            make_complaint(lat=lat_, lon=lon_)
        assert list(exc.value.message_dict) == ["location"]
        assert "outside Thailand" in exc.value.message_dict["location"][0]
    assert counts() == before
    # No tracking number was used up: the next intake takes the very next one.
    after = make_complaint()
    assert after.tracking_year == first.tracking_year
    assert after.tracking_seq == first.tracking_seq + 1


@pytest.mark.django_db
def test_missing_fields_are_all_reported_at_once():
    with pytest.raises(ValidationError) as exc:
        complaint_create(
            location=None,
            category="land",
            subcategory="land-title",
            channel="pigeon",
            complainant_name=" ",
            description="",
            complainant_phone="12345",
            created_by=None,
        )
    assert set(exc.value.message_dict) == {
        "location",
        "channel",
        "complainant_name",
        "description",
        "complainant_phone",
    }
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_too_long_text_is_refused_with_its_limit():
    with pytest.raises(ValidationError) as exc:
        make_complaint(complainant_name="ก" * 201)
    assert exc.value.message_dict == {
        "complainant_name": ["At most 200 characters, please (this has 201)."]
    }
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_every_text_has_a_limit_in_the_service_a_3_million_character_description_included():
    """Through the service (forms, API and imports all reach it): the description too, which
    was stored whole at 3,000,010 characters before issue 7."""
    for field, limit in TEXT_LIMITS.items():
        if field in ("note", "text", "reason", "agency", "public_note"):
            continue  # the workflow's texts: tests/layers/test_workflow.py
        with pytest.raises(InvalidInput) as exc:
            make_complaint(**{field: "ก" * (limit + 1)})
        assert field in exc.value.fields, field
    with pytest.raises(InvalidInput) as exc:
        make_complaint(description="ก" * 3_000_010)
    assert list(exc.value.fields) == ["description"]
    assert Complaint.objects.count() == 0


def test_char_columns_agree_with_the_text_limits():
    for field, limit in TEXT_LIMITS.items():
        try:
            column = Complaint._meta.get_field(field)
        except Exception:  # noqa: BLE001 - workflow texts are not complaint columns
            continue
        if column.get_internal_type() == "CharField":
            assert column.max_length == limit, field


@pytest.mark.django_db
@pytest.mark.parametrize("value", [False, 12, {"a": 1}, ["x"], "a\x00b"])
def test_texts_are_strings_without_nul(value):
    with pytest.raises(InvalidInput) as exc:
        make_complaint(description=value)
    assert list(exc.value.fields) == ["description"]


@pytest.mark.django_db
def test_only_recording_roles_may_record(cast_for_recording):
    chief, analyst, recorder = cast_for_recording
    for officer in (chief, analyst):
        with pytest.raises(Forbidden):
            make_complaint(created_by=officer)
    assert Complaint.objects.count() == 0
    assert make_complaint(created_by=recorder).created_by == recorder


@pytest.fixture
def cast_for_recording():

    return (
        make_officer(Role.DISTRICT_CHIEF, district="4901"),
        make_officer(Role.GIS_ANALYST, province="49"),
        make_officer(Role.DISTRICT_OFFICER, district="4901"),
    )


@pytest.mark.django_db
def test_received_in_the_future_is_refused():
    with pytest.raises(ValidationError) as exc:
        make_complaint(received_at=timezone.now() + timedelta(days=2))
    assert list(exc.value.message_dict) == ["received_at"]


# ---------------------------------------------------------------- tracking numbers


@pytest.mark.django_db
def test_tracking_numbers_are_per_buddhist_era_year_and_restart_each_year():
    a = make_complaint(received_at=datetime(2025, 6, 1, 3, 0, tzinfo=UTC))
    b = make_complaint(received_at=datetime(2025, 11, 2, 3, 0, tzinfo=UTC))
    c = make_complaint(received_at=datetime(2026, 3, 1, 3, 0, tzinfo=UTC))
    d = make_complaint(received_at=datetime(2025, 2, 1, 3, 0, tzinfo=UTC))
    assert [x.tracking_no for x in (a, b, c, d)] == [
        "2568-0000001",
        "2568-0000002",
        "2569-0000001",
        "2568-0000003",
    ]
    assert [(x.tracking_year, x.tracking_seq) for x in (a, c)] == [(2568, 1), (2569, 1)]
    assert dict(TrackingCounter.objects.values_list("year_be", "last_seq")) == {2568: 3, 2569: 1}


@pytest.mark.django_db
def test_the_year_is_bangkoks():
    # 17:30 UTC on 31 December 2025 is already 00:30 on 1 January 2026 in Bangkok (B.E. 2569).
    complaint = make_complaint(received_at=datetime(2025, 12, 31, 17, 30, tzinfo=UTC))
    assert complaint.tracking_no.startswith("2569-")


@pytest.mark.django_db
def test_counter_stays_ahead_of_numbers_written_by_other_paths():
    first = make_complaint(received_at=datetime(2025, 6, 1, tzinfo=UTC))
    # A bulk import wrote numbers up to 41 without moving the counter.
    Complaint.objects.filter(pk=first.pk).update(tracking_seq=41, tracking_no="2568-0000041")
    assert make_complaint(received_at=datetime(2025, 6, 2, tzinfo=UTC)).tracking_seq == 42
    assert tracking_number_issue(year_be=2568, count=5) == 43
    assert TrackingCounter.objects.get(year_be=2568).last_seq == 47


@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_never_share_a_number(live_data):
    threads, per_thread = 6, 3
    barrier = threading.Barrier(threads)
    numbers, errors = [], []

    def intake():
        try:
            barrier.wait(timeout=10)
            for _ in range(per_thread):
                numbers.append(make_complaint().tracking_no)
        except Exception as exc:  # reported below: a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=intake) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert errors == []
    assert len(numbers) == threads * per_thread
    assert len(set(numbers)) == len(numbers)
    seqs = sorted(int(n.split("-")[1]) for n in numbers)
    assert seqs == list(range(1, threads * per_thread + 1))


@pytest.mark.django_db(transaction=True)
def test_a_second_intake_waits_for_the_first_to_commit(live_data):
    # Intake A holds its number in an open transaction; B, asking meanwhile, must queue on the
    # year's counter and get the next number only once A has committed.
    issued, b_started = threading.Event(), threading.Event()
    events, result = [], {}
    # The year's counter exists already (committed), as it does after the first intake.
    start = tracking_number_issue(year_be=2569)

    def first():
        try:
            with transaction.atomic():
                result["a"] = tracking_number_issue(year_be=2569)
                issued.set()
                b_started.wait(timeout=10)
                time.sleep(0.3)  # B is now blocked on the counter row (or about to be)
                events.append("a committed")
        finally:
            connection.close()

    def second():
        try:
            issued.wait(timeout=10)
            b_started.set()
            with transaction.atomic():
                result["b"] = tracking_number_issue(year_be=2569)
                events.append("b issued")
        finally:
            connection.close()

    workers = [threading.Thread(target=first), threading.Thread(target=second)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=30)
    assert events == ["a committed", "b issued"]
    assert (result["a"], result["b"]) == (start + 1, start + 2)


# ---------------------------------------------------------------- due date, status, history


@pytest.mark.django_db
def test_due_date_follows_the_category_sla():
    received = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    land = Category.objects.get(code="land")
    complaint = make_complaint(received_at=received)
    assert complaint.due_at == received + timedelta(days=land.sla_days)

    # A sub-category with its own SLA overrides its main category's.
    Category.objects.filter(code="land-title").update(sla_days=land.sla_days + 15)
    complaint = make_complaint(received_at=received, subcategory="land-title")
    assert complaint.due_at == received + timedelta(days=land.sla_days + 15)

    other = Category.objects.get(code="other")
    complaint = make_complaint(
        received_at=received, category="other", subcategory_text="ขอข้อมูลข่าวสาร"
    )
    assert complaint.due_at == received + timedelta(days=other.sla_days)


@pytest.mark.django_db
def test_a_created_history_row_is_written_first():
    complaint = make_complaint(received_at=datetime(2026, 1, 5, 3, 0, tzinfo=UTC))
    complaint.refresh_from_db()
    rows = list(complaint.history.all())
    assert rows[0].kind == HistoryKind.CREATED
    assert rows[0].to_status == Status.RECEIVED
    assert rows[0].from_status == ""
    assert rows[0].to_value == complaint.subdistrict_id
    assert complaint.received_at == datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    assert complaint.status_changed_at >= rows[0].at
    assert complaint.status in (Status.RECEIVED, Status.ASSIGNED)
    assert complaint.closed_at is None
