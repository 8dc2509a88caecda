"""The same person across cases (issue 8): keyed hashes, normalised names, and no plain-text
index of citizen IDs or phones."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from layers.identity import citizen_id_hash, normalize_name, person_columns, phone_hash
from layers.models import Complaint
from layers.selectors.people import person_matches_for, person_matches_for_case
from tests.factories import make_complaint, new_citizen_id

pytestmark = pytest.mark.django_db

NAKHON_PHANOM = (17.4075, 104.7786)  # 480101, another province


def test_no_index_holds_a_plain_citizen_id_or_phone():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'layers_complaint'"
        )
        indexes = dict(cur.fetchall())
    plain = re.compile(r"\b(complainant_citizen_id|complainant_phone)\b(?!_hash)")
    assert not [name for name, sql in indexes.items() if plain.search(sql)], indexes
    assert "complaint_complainant_cid" not in indexes
    assert {"complaint_cid_hash", "complaint_phone_hash", "complaint_name_trgm"} <= set(indexes)


def test_intake_stores_keyed_hashes_that_change_with_the_key(settings):
    cid = new_citizen_id("1")
    case = make_complaint(complainant_citizen_id=cid, complainant_phone="081-234-5678")
    case.refresh_from_db()
    assert case.complainant_cid_hash == citizen_id_hash(cid)
    assert re.fullmatch(r"[0-9a-f]{64}", case.complainant_cid_hash)
    assert cid not in case.complainant_cid_hash
    assert case.complainant_phone_hash == phone_hash("+66812345678")
    settings.PERSON_MATCH_KEY = "another key"
    assert citizen_id_hash(cid) != case.complainant_cid_hash
    assert phone_hash("0812345678") != case.complainant_phone_hash


def test_the_same_citizen_id_in_another_province_is_found_through_the_hash():
    cid = new_citizen_id("1")
    here = make_complaint(complainant_citizen_id=cid, complainant_name="นายสมชาย ใจดี")
    there = make_complaint(
        *NAKHON_PHANOM,
        complainant_citizen_id=cid,
        complainant_name="นายอื่น คนละคน",
        complainant_phone="",
    )
    assert there.province_id == "48"
    with CaptureQueriesContext(connection) as queries:
        matches = person_matches_for(
            citizen_id=f"{cid[:1]}-{cid[1:5]}-{cid[5:]}", exclude_id=here.pk
        )
    assert [(m.tracking_no, m.role, m.matched_on) for m in matches] == [
        (there.tracking_no, "complainant", "citizen_id")
    ]
    assert matches[0].province_code == "48" and matches[0].district_code == there.district_id
    # The query carries the keyed hash, never the ID.
    assert not any(cid in q["sql"] for q in queries.captured_queries)


def test_a_phone_however_written_matches_and_the_strongest_reason_wins():
    cid = new_citizen_id("1")
    first = make_complaint(complainant_citizen_id=cid, complainant_phone="0812345678")
    matches = person_matches_for(phone="+66 81-234-5678")
    assert [(m.tracking_no, m.matched_on) for m in matches] == [(first.tracking_no, "phone")]
    # The same case by ID, phone and name: one row, on the ID.
    (match,) = person_matches_for(citizen_id=cid, phone="0812345678", name="นายสมชาย ใจดี")
    assert match.matched_on == "citizen_id"


@pytest.mark.parametrize(
    "typed",
    ["สมชาย ใจดี", "นาย สมชาย  ใจดี", "ผู้ใหญ่บ้านสมชาย ใจดี", "นายสมชาย ใจดีี", "นายสมชาย ใจด"],
    ids=["no title", "spaces", "village head", "doubled vowel", "one letter less"],
)
def test_a_near_identical_name_matches(typed):
    case = make_complaint(complainant_name="นายสมชาย ใจดี", complainant_citizen_id="")
    assert [m.tracking_no for m in person_matches_for(name=typed)] == [case.tracking_no]


@pytest.mark.parametrize("typed", ["นายสมศักดิ์ ใจดี", "นายสมชาย รักไทย", "นางสมศรี มีสุข"])
def test_another_persons_name_does_not(typed):
    make_complaint(complainant_name="นายสมชาย ใจดี", complainant_citizen_id="")
    assert person_matches_for(name=typed) == []


def test_a_repeat_accused_party_anywhere_in_the_country():
    first = make_complaint(accused_name="กำนันประสิทธิ์ มั่นคง")
    second = make_complaint(*NAKHON_PHANOM, accused_name="นายประสิทธิ์  มั่นคง")
    make_complaint(accused_name="นายประเสริฐ ศรีสุข")
    matches = person_matches_for_case(complaint=second)
    assert [(m.tracking_no, m.role, m.matched_on) for m in matches if m.role == "accused"] == [
        (first.tracking_no, "accused", "name")
    ]


def test_newest_first_at_most_the_limit_and_nothing_for_nothing():
    cid = new_citizen_id("1")
    cases = [make_complaint(complainant_citizen_id=cid) for _ in range(4)]
    matches = person_matches_for(citizen_id=cid, limit=3)
    assert len(matches) == 3
    assert [m.received_at for m in matches] == sorted(
        (m.received_at for m in matches), reverse=True
    )
    assert (
        person_matches_for(citizen_id=cid, exclude_id=cases[0].pk, limit=50)[-1].tracking_no
        != cases[0].tracking_no
    )
    assert person_matches_for() == []
    assert person_matches_for(citizen_id="123", phone="12") == []


def test_the_migration_fills_the_columns_of_existing_complaints():
    case = make_complaint(complainant_phone="0891112222", accused_name="นางสาวมาลี ดีใจ")
    Complaint.objects.filter(pk=case.pk).update(
        complainant_cid_hash="",
        complainant_phone_hash="",
        complainant_name_norm="",
        accused_name_norm="",
        description_norm="",
    )
    migration = importlib.import_module("layers.migrations.0006_duplicates_and_person_matching")
    migration.fill_comparison_columns(apps, None)
    case.refresh_from_db()
    expected = person_columns(
        citizen_id=case.complainant_citizen_id,
        phone=case.complainant_phone,
        name=case.complainant_name,
        accused_name=case.accused_name,
    )
    assert {k: getattr(case, k) for k in expected} == expected
    assert case.accused_name_norm == "มาลีดีใจ" and case.description_norm


def test_name_normalisation():
    assert normalize_name("นางสาว  มาลี ดีใจ") == normalize_name("น.ส.มาลี ดีใจ") == "มาลีดีใจ"


def test_after_a_key_change_the_command_computes_the_hashes_again(settings):
    from io import StringIO

    from django.core.management import call_command

    cid = new_citizen_id("1")
    case = make_complaint(complainant_citizen_id=cid)
    old = Complaint.objects.get(pk=case.pk).complainant_cid_hash
    settings.PERSON_MATCH_KEY = "a new key"
    assert person_matches_for(citizen_id=cid) == []  # the stored hash is of the old key
    out = StringIO()
    call_command("person_hashes", "--all", stdout=out)
    assert "rehashed" in out.getvalue()
    assert Complaint.objects.get(pk=case.pk).complainant_cid_hash not in ("", old)
    assert [m.tracking_no for m in person_matches_for(citizen_id=cid)] == [case.tracking_no]
