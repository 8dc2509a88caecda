"""The anti-corruption channel's rules (issue 11, seed 000): routing away from the accused's own
office, who sees which tip (nobody else, not even counts), the role limits of the permission
form, encryption of the tipster at rest, the append-only audit log and timeline, the tipster's
number + PIN with its throttle, and what e-mails say."""

from __future__ import annotations

import json
import subprocess

import pytest
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction

from layers import policy, tipcrypto
from layers.errors import Conflict, InvalidInput, StaleVersion, Throttled
from layers.models import Role, RoleAssignment, Tip, TipAudit, TipEvent, TipLevel
from layers.selectors.anticorruption import (
    is_tip_number,
    tip_for_tracking,
    tips_visible_to,
)
from layers.services.anticorruption import assign_ac_role, tip_act
from tests.anticorruption_data import (
    TIPSTER_EMAIL,
    TIPSTER_NAME,
    TIPSTER_PHONE,
    ac_officers,
    file_tip,
    make_ac_officer,
)
from tests.factories import make_officer

pytestmark = pytest.mark.django_db


# --- Routing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accused_level,district,expected",
    [
        ("local", "4901", TipLevel.DISTRICT),  # a village head: the district's reporter
        ("district", "4901", TipLevel.PROVINCE),  # the district office: never the district
        ("province", "", TipLevel.CENTRE),  # the provincial office: never the province
        ("department", "", TipLevel.CENTRE),
    ],
)
def test_a_tip_goes_to_the_level_above_the_accuseds_office(accused_level, district, expected):
    receipt = file_tip(accused_level=accused_level, district=district)
    tip = Tip.objects.get(tracking_no=receipt.tracking_no)
    assert tip.level == expected == receipt.level
    assert tip.tracking_no.startswith("AC-") and is_tip_number(tip.tracking_no.lower())


def test_a_tip_naming_the_reporter_goes_past_them():
    """The district's reporter may be a village head (seed 000): a tip about them goes to the
    province, and one about a coordinator to the centre."""
    officers = ac_officers()
    rep = officers["rep4901"]
    receipt = file_tip(accused_name=f"ผู้ใหญ่บ้าน นาย{rep.first_name} {rep.last_name}")
    assert receipt.level == TipLevel.PROVINCE
    coord = officers["coord49"]
    receipt = file_tip(
        accused_level="district", accused_name=f"{coord.first_name} {coord.last_name}"
    )
    assert receipt.level == TipLevel.CENTRE
    # Someone else of the same district: the reporter, as usual.
    assert file_tip(accused_name="นายคนอื่น ทั่วไป").level == TipLevel.DISTRICT


def test_a_local_official_needs_a_district_and_the_district_must_lie_in_the_province():
    with pytest.raises(InvalidInput) as exc:
        file_tip(district="")
    assert "district" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        file_tip(province="48", district="4901")
    assert "district" in exc.value.fields
    assert not Tip.objects.exists()


# --- Who sees which tip ----------------------------------------------------------------------


def test_only_the_anti_corruption_roles_see_tips_and_only_of_their_area():
    officers = ac_officers()
    local_4901 = file_tip().tracking_no
    local_4902 = file_tip(district="4902", accused_unit="ตำบลอื่น").tracking_no
    district_4901 = file_tip(accused_level="district").tracking_no
    province_49 = file_tip(accused_level="province", district="").tracking_no
    local_4801 = file_tip(province="48", district="4801").tracking_no
    expected = {
        "rep4901": {local_4901},
        "rep4902": {local_4902},
        "coord49": {local_4901, local_4902, district_4901},
        "coord48": {local_4801},
        "centre": {local_4901, local_4902, district_4901, province_49, local_4801},
    }
    for key, officer in officers.items():
        seen = set(tips_visible_to(officer=officer).values_list("tracking_no", flat=True))
        assert seen == expected[key], key
    # Everybody else: nothing, whatever their level (a superuser included: need-to-know).
    others = [
        make_officer(Role.DISTRICT_OFFICER, district="4901"),
        make_officer(Role.DISTRICT_CHIEF, district="4901"),
        make_officer(Role.PROVINCE_OFFICER, province="49"),
        make_officer(Role.GOVERNOR, province="49"),
        make_officer(Role.CENTRAL_OFFICER),
        make_officer(Role.GIS_ANALYST, province="49"),
        make_officer(Role.ADMIN),
        make_officer(None, is_superuser=True, is_staff=True),
    ]
    for officer in others:
        assert tips_visible_to(officer=officer).count() == 0
        assert policy.tip_viewer_for(officer) is policy.NOBODY


def test_an_anti_corruption_role_adds_nothing_of_the_ordinary_complaints():
    officer = make_ac_officer(Role.AC_CENTRE)
    assert policy.viewer_for(officer).classes == {policy.PUBLIC}
    from layers.selectors.scope import complaints_visible_to, jurisdiction_for

    assert jurisdiction_for(officer).is_empty
    assert complaints_visible_to(officer=officer).query.is_empty()


# --- The permission form's limits --------------------------------------------------------------


def test_two_coordinators_per_province_at_most():
    make_ac_officer(Role.AC_COORDINATOR, province="49")
    make_ac_officer(Role.AC_COORDINATOR, province="49")
    third = make_officer(None)
    with pytest.raises(Conflict):
        assign_ac_role(officer=third, role=Role.AC_COORDINATOR, province="49")
    # The database holds the limit too (the admin, a script...).
    with pytest.raises(IntegrityError, match="two anti-corruption coordinators"):
        with transaction.atomic():
            RoleAssignment.objects.create(officer=third, role=Role.AC_COORDINATOR, province_id="49")
    # Another province is free; a coordinator who leaves frees the place.
    assign_ac_role(officer=third, role=Role.AC_COORDINATOR, province="48")
    leaving = RoleAssignment.objects.filter(role=Role.AC_COORDINATOR, province_id="49").first()
    leaving.is_active = False
    leaving.save()
    assign_ac_role(officer=third, role=Role.AC_COORDINATOR, province="49")


def test_one_reporter_per_district():
    make_ac_officer(Role.AC_REPORTER, district="4901")
    second = make_officer(None)
    with pytest.raises(Conflict):
        assign_ac_role(officer=second, role=Role.AC_REPORTER, district="4901")
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            RoleAssignment.objects.create(
                officer=second, role=Role.AC_REPORTER, province_id="49", district_id="4901"
            )
    assign_ac_role(officer=second, role=Role.AC_REPORTER, district="4902")


# --- Encryption at rest ----------------------------------------------------------------------------


def test_the_tipsters_identity_is_stored_encrypted_and_decrypted_for_handlers_only():
    receipt = file_tip(
        tipster_name=TIPSTER_NAME, tipster_phone=TIPSTER_PHONE, tipster_email=TIPSTER_EMAIL
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(t)::text FROM layers_tip t")
        (row,) = cursor.fetchone()
    for secret in (TIPSTER_NAME, TIPSTER_PHONE, TIPSTER_EMAIL):
        assert secret not in row
    tip = Tip.objects.get(tracking_no=receipt.tracking_no)
    assert not tip.anonymous
    assert tipcrypto.decrypt(tip.tipster_name_enc) == TIPSTER_NAME
    # A fresh IV each time: the same name twice gives two tokens.
    assert tipcrypto.encrypt(TIPSTER_NAME) != tipcrypto.encrypt(TIPSTER_NAME)


def test_a_token_of_another_key_does_not_open(settings):
    token = tipcrypto.encrypt(TIPSTER_NAME)
    settings.ANTICORRUPTION_KEY = "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXkhIT0="
    assert tipcrypto.decrypt(token) == ""
    # Rotation: the old key among the fallbacks opens it again.
    settings.ANTICORRUPTION_KEY_FALLBACKS = ["ZGV2ZWxvcG1lbnQtb25seS1hbnRpY29ycnVwdGlvbiE="]
    assert tipcrypto.decrypt(token) == TIPSTER_NAME


@pytest.mark.django_db(transaction=True)
def test_the_tipster_is_not_in_a_dump_of_the_database(live_data, tmp_path):
    """Issue 11: grep a ``pg_dump`` of the test database for the tipster's name and phone."""
    receipt = file_tip(
        tipster_name=TIPSTER_NAME, tipster_phone=TIPSTER_PHONE, tipster_email=TIPSTER_EMAIL
    )
    db = connection.settings_dict
    env = {"PGPASSWORD": db.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"}
    args = ["pg_dump", "--data-only", "--no-owner", "-h", db["HOST"] or "localhost"]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    args += ["-U", db["USER"], db["NAME"]]
    dump = subprocess.run(args, check=True, capture_output=True, env=env).stdout.decode()
    assert receipt.tracking_no in dump  # the dump holds the tip...
    for secret in (TIPSTER_NAME, TIPSTER_PHONE, TIPSTER_EMAIL):
        assert secret not in dump  # ...but not its tipster


# --- Audit log and timeline: append-only ---------------------------------------------------------


def test_changes_write_audit_rows_and_the_logs_refuse_update_and_delete():
    officers = ac_officers()
    receipt = file_tip()
    tip = Tip.objects.get(tracking_no=receipt.tracking_no)
    tip_act(officer=officers["rep4901"], tracking_no=tip.tracking_no, action="check", version=1)
    rows = list(TipAudit.objects.filter(tip=tip).values_list("officer_id", "action", "shown"))
    assert rows == [(officers["rep4901"].pk, "changed", "check")]
    for model in (TipAudit, TipEvent):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic():
                model.objects.filter(tip=tip).update(at=tip.received_at)
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic():
                model.objects.filter(tip=tip).delete()
    assert TipAudit.objects.filter(tip=tip).count() == 1


def test_the_workflow_checks_version_status_and_scope():
    officers = ac_officers()
    number = file_tip().tracking_no
    rep = officers["rep4901"]
    with pytest.raises(StaleVersion):
        tip_act(officer=rep, tracking_no=number, action="check", version=7)
    with pytest.raises(InvalidInput):
        tip_act(officer=rep, tracking_no=number, action="close", version=1, result="nonsense")
    # Another district's reporter does not find it; an ordinary officer is refused.
    from layers.errors import Forbidden, NotFound

    with pytest.raises(NotFound):
        tip_act(officer=officers["rep4902"], tracking_no=number, action="note", version=1, note="x")
    with pytest.raises(Forbidden):
        tip_act(
            officer=make_officer(Role.DISTRICT_CHIEF, district="4901"),
            tracking_no=number,
            action="note",
            version=1,
            note="x",
        )
    tip = tip_act(
        officer=rep, tracking_no=number, action="escalate", version=1, note="เกี่ยวข้องกับอำเภอ"
    )
    assert tip.level == TipLevel.PROVINCE
    assert not tips_visible_to(officer=rep).filter(pk=tip.pk).exists()
    coord = officers["coord49"]
    tip = tip_act(
        officer=coord,
        tracking_no=number,
        action="close",
        version=2,
        result="referred",
        note="ส่ง ป.ป.ช.",
    )
    assert tip.status == "closed" and tip.closed_at is not None
    with pytest.raises(Conflict):
        tip_act(officer=coord, tracking_no=number, action="check", version=3)


# --- The tipster's number + PIN ---------------------------------------------------------------------


def test_number_and_pin_find_the_tip_and_a_wrong_pin_is_a_wrong_number(settings):
    receipt = file_tip()
    tracked = tip_for_tracking(f" {receipt.tracking_no.lower()} ", receipt.pin)
    assert tracked.tracking_no == receipt.tracking_no
    assert tracked.view.status == "received"
    # The tipster's view holds the public part only.
    assert tracked.view.description is policy.WITHHELD
    assert TipAudit.objects.filter(action="tracked").count() == 1
    assert (
        tip_for_tracking(receipt.tracking_no, "000000" if receipt.pin != "000000" else "1") is None
    )
    assert tip_for_tracking("AC-2569-ZZZZZZ", receipt.pin) is None


def test_ten_wrong_pins_lock_the_number_even_for_the_right_pin(settings):
    settings.ANTICORRUPTION_WRONG_PINS = 10
    receipt = file_tip()
    wrong = "1" * 6 if receipt.pin != "1" * 6 else "2" * 6
    for _ in range(10):
        assert tip_for_tracking(receipt.tracking_no, wrong, address="192.0.2.7") is None
    with pytest.raises(Throttled):
        tip_for_tracking(receipt.tracking_no, receipt.pin, address="192.0.2.8")
    # Another number is not locked by them.
    other = file_tip()
    assert tip_for_tracking(other.tracking_no, other.pin, address="192.0.2.8") is not None


def test_filings_from_one_address_are_throttled(settings):
    settings.ANTICORRUPTION_FILINGS_PER_HOUR = 3
    for _ in range(3):
        file_tip(address="198.51.100.4")
    with pytest.raises(Throttled):
        file_tip(address="198.51.100.4")
    file_tip(address="198.51.100.5")
    assert Tip.objects.count() == 4


# --- What leaves the system ---------------------------------------------------------------------------


def test_handlers_e_mail_names_only_the_number(run_jobs, mailoutbox):
    officers = ac_officers()
    for officer in officers.values():
        officer.email = f"{officer.last_name.lower()}@example.org"
        officer.save()
    receipt = file_tip(
        tipster_name=TIPSTER_NAME,
        tipster_phone=TIPSTER_PHONE,
        tipster_email=TIPSTER_EMAIL,
        description="รายละเอียดลับเฉพาะของเบาะแส ห้ามส่งทางอีเมล",
    )
    run_jobs()
    assert [m.to for m in mailoutbox] == [["rep4901@example.org"]]
    text = json.dumps([m.subject + m.body for m in mailoutbox], ensure_ascii=False)
    assert receipt.tracking_no in text
    for secret in (TIPSTER_NAME, TIPSTER_PHONE, TIPSTER_EMAIL, "ลับเฉพาะ", "ผู้ถูกกล่าวหา", receipt.pin):
        assert secret not in text
    assert settings.SITE_URL in text


def test_the_admin_form_says_why_before_the_database_refuses():
    from layers.admin import RoleAssignmentForm

    make_ac_officer(Role.AC_COORDINATOR, province="49")
    make_ac_officer(Role.AC_COORDINATOR, province="49")
    make_ac_officer(Role.AC_REPORTER, district="4901")

    def form(**data):
        fields = {"assigned_on": "2026-11-30", "is_active": "on", **data}
        return RoleAssignmentForm(data=fields, instance=RoleAssignment(officer=make_officer(None)))

    third = form(role=Role.AC_COORDINATOR, province="49")
    assert not third.is_valid() and "province" in third.errors
    second = form(role=Role.AC_REPORTER, province="49", district="4901")
    assert not second.is_valid() and "district" in second.errors
    assert form(role=Role.AC_REPORTER, province="49", district="4902").is_valid()
    assert form(role=Role.AC_COORDINATOR, province="48").is_valid()
    assert not form(role=Role.AC_CENTRE, province="49").is_valid()
