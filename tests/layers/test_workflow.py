"""The case workflow: every allowed and every refused transition, who may act, history,
optimistic concurrency, required inputs, notes with GPS and attachments."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from layers.errors import StaleVersion, TransitionRefused, WorkflowError
from layers.models import (
    Attachment,
    CaseNote,
    Complaint,
    ComplaintHistory,
    Notification,
)
from layers.selectors.cases import case_inbox_for, case_queue_for
from layers.services import workflow as wf
from tests.case_fixtures import build_cast, history_count, put_in_state, snapshot
from tests.factories import make_complaint, make_team

# Messages are checked in English (the msgids); the site's default is Thai.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def cast(settings):
    return build_cast(settings)


R, A, P, F, C = "received", "assigned", "in_progress", "forwarded", "closed"
STATUSES = (R, A, P, F, C)

# The workflow as the issue describes it, written out independently of the code's table:
# (action, from) -> (to when the case has a team, to when it has none, who may).
SPEC = {
    ("start", R): (P, P, {"district"}),
    ("start", A): (P, P, {"district", "team"}),
    ("assign", R): (A, A, {"district"}),
    ("assign", A): (A, A, {"district"}),
    ("assign", P): (A, A, {"district"}),
    ("forward", R): (F, F, {"district"}),
    ("forward", A): (F, F, {"district"}),
    ("forward", P): (F, F, {"district"}),
    ("return", F): (A, R, {"holder"}),
    ("close", R): (C, C, {"district"}),
    ("close", A): (C, C, {"district", "team"}),
    ("close", P): (C, C, {"district", "team"}),
    ("close", F): (C, C, {"holder"}),
    ("reopen", C): (A, P, {"district", "holder"}),
    ("note", R): (R, R, {"district"}),
    ("note", A): (A, A, {"district", "team"}),
    ("note", P): (P, P, {"district", "team"}),
    ("note", F): (F, F, {"district", "holder"}),
    ("note", C): (C, C, {"district", "holder"}),
}
REFUSED = sorted(
    (action, status) for action in wf.ACTIONS for status in STATUSES if (action, status) not in SPEC
)


def test_the_code_table_is_the_documented_workflow():
    table = {
        (t.action, t.from_status): (t.to_status, t.to_status_no_team or t.to_status, set(t.by))
        for t in wf.TRANSITIONS
    }
    assert table == SPEC


def run(action, case, actor, *, version=None, **overrides):
    """Call the action's service with valid input unless overridden."""
    version = case.version if version is None else version
    common = dict(complaint=case, actor=actor, expected_version=version)
    if action == "start":
        return wf.complaint_start(**common, **overrides)
    if action == "assign":
        kwargs = {"team": overrides.pop("team", None), "reason": "ทีมเดิมติดภารกิจ"}
        kwargs.update(overrides)
        return wf.complaint_assign(**common, **kwargs)
    if action == "forward":
        kwargs = {"target": "province", "note": "เกินอำนาจอำเภอ"}
        kwargs.update(overrides)
        return wf.complaint_forward(**common, **kwargs)
    if action == "return":
        return wf.complaint_return(**common, **{"reason": "ให้อำเภอดำเนินการต่อ", **overrides})
    if action == "close":
        kwargs = {"result": "resolved", "note": "ไกล่เกลี่ยสำเร็จ"}
        kwargs.update(overrides)
        return wf.complaint_close(**common, **kwargs)
    if action == "reopen":
        return wf.complaint_reopen(**common, **{"reason": "ผู้ร้องแจ้งว่ายังไม่แก้ไข", **overrides})
    if action == "note":
        return wf.complaint_add_note(**common, **{"text": "ลงพื้นที่ตรวจสอบแล้ว", **overrides})
    raise AssertionError(action)


def actor_for(capacity, cast, forwarded_to):
    if capacity == "team":
        return cast.member
    if capacity == "holder":
        return {"province": cast.province_officer, "central": cast.central}.get(
            forwarded_to, cast.district_officer
        )
    return cast.district_officer


def _cases_of_spec():
    """One test per (row, who, with/without team, forwarded where)."""
    for (action, status), (_to, _to_no_team, by) in SPEC.items():
        for capacity in sorted(by):
            destinations = ["province", "central", "agency"] if status == F else [""]
            if status == C and capacity == "holder":
                destinations = ["", "province", "central"]
            for forwarded_to in destinations:
                if status == C and forwarded_to and capacity == "district":
                    continue
                for has_team in (True, False):
                    if capacity == "team" and not has_team:
                        continue
                    if status in (A, P) and not has_team:
                        continue
                    if status == R and has_team:
                        continue
                    team_label = "team" if has_team else "noteam"
                    yield pytest.param(
                        action,
                        status,
                        capacity,
                        forwarded_to,
                        has_team,
                        id=f"{action}-{status}-{capacity}-{forwarded_to or 'district'}-{team_label}",
                    )


@pytest.mark.parametrize("action,status,capacity,forwarded_to,has_team", list(_cases_of_spec()))
def test_every_allowed_transition(cast, action, status, capacity, forwarded_to, has_team):
    case = make_complaint()  # routed to cast.team (490101)
    case = put_in_state(
        case, status=status, forwarded_to=forwarded_to, team=cast.team if has_team else None
    )
    actor = actor_for(capacity, cast, forwarded_to)
    before_version, before_history = case.version, history_count(case)
    overrides = {"team": cast.team2} if action == "assign" else {}
    if action == "start":
        overrides["note"] = "เริ่มดำเนินการ"

    result = run(action, case, actor, **overrides)

    to_team, to_no_team, _by = SPEC[(action, status)]
    expected = to_team if (has_team or action == "assign") else to_no_team
    assert result.status == expected
    stored = Complaint.objects.get(pk=case.pk)
    assert (stored.status, stored.version) == (expected, before_version + 1)
    assert history_count(case) == before_history + 1
    entry = ComplaintHistory.objects.filter(complaint=case).order_by("-id").first()
    assert (entry.from_status, entry.to_status, entry.actor_id) == (status, expected, actor.pk)
    assert entry.at is not None and entry.note  # every action here came with a note or reason


@pytest.mark.parametrize("action,status", REFUSED, ids=[f"{a}-{s}" for a, s in REFUSED])
def test_every_refused_transition(cast, action, status):
    case = make_complaint()
    # Forwarded to an agency: the district still holds it, so only the status can refuse.
    case = put_in_state(
        case,
        status=status,
        forwarded_to="agency" if status == F else "",
        team=None if status == R else cast.team,
    )
    before = snapshot(case)
    overrides = {"team": cast.team2} if action == "assign" else {}
    with pytest.raises(TransitionRefused) as refused:
        run(action, case, cast.district_officer, **overrides)
    assert refused.value.complaint.status == status
    assert snapshot(case) == before


# Who holds which capacity, by role, written out from the rules (not from the code).
DISTRICT_ROLES = ("district_officer", "chief")
OUTSIDERS = ("member2", "other_district_officer", "other_province_officer", "no_role")


def expected_capacities(role, forwarded_to, has_team):
    if role in DISTRICT_ROLES:
        held_up = forwarded_to in ("province", "central")
        return {"district"} | (set() if held_up else {"holder"})
    if role == "member":
        return {"team"} if has_team else set()
    if role == "province_officer":
        return {"holder"} if forwarded_to == "province" else set()
    if role == "central":
        return {"holder"} if forwarded_to == "central" else set()
    return set()  # governor, analyst: read only


MATRIX_STATES = [
    (R, "", False),
    (A, "", True),
    (P, "", True),
    (F, "province", True),
    (F, "central", False),
    (F, "agency", True),
    (C, "", True),
    (C, "province", False),
]


def test_who_may_act_every_role_every_state_every_action(cast):
    case = make_complaint()
    mismatches = []
    checked = 0
    for status, forwarded_to, has_team in MATRIX_STATES:
        put_in_state(
            case, status=status, forwarded_to=forwarded_to, team=cast.team if has_team else None
        )
        for role, officer in cast.roles().items():
            for action in wf.ACTIONS:
                if role in OUTSIDERS:
                    expected = "not_found"
                else:
                    caps = expected_capacities(role, forwarded_to, has_team)
                    row = SPEC.get((action, status))
                    if not caps:
                        expected = "forbidden"
                    elif row is None:
                        expected = "transition_refused"
                    elif not (row[2] & caps):
                        expected = "forbidden"
                    else:
                        expected = "ok"
                fresh = Complaint.objects.get(pk=case.pk)
                savepoint = transaction.savepoint()
                try:
                    overrides = {"team": cast.team2} if action == "assign" else {}
                    run(action, fresh, officer, **overrides)
                    outcome = "ok"
                except WorkflowError as exc:
                    outcome = exc.code
                finally:
                    transaction.savepoint_rollback(savepoint)
                checked += 1
                if outcome != expected:
                    mismatches.append((status, forwarded_to, role, action, expected, outcome))
    assert checked == len(MATRIX_STATES) * len(cast.roles()) * len(wf.ACTIONS)
    assert mismatches == []


def test_actions_available_lists_exactly_what_the_services_accept(cast):
    case = make_complaint()
    put_in_state(case, status=A, team=cast.team)
    assert wf.actions_available(complaint=case, officer=cast.member) == ["start", "close", "note"]
    assert wf.actions_available(complaint=case, officer=cast.governor) == []
    assert wf.actions_available(complaint=case, officer=cast.district_officer) == [
        "start",
        "assign",
        "forward",
        "close",
        "note",
    ]


def test_a_full_life_is_written_to_history_with_who_when_from_to_note(cast, run_jobs):
    case = make_complaint(created_by=cast.district_officer)
    run_jobs()
    case = wf.complaint_start(complaint=case, actor=cast.member, expected_version=case.version)
    case = wf.complaint_forward(
        complaint=case,
        actor=cast.district_officer,
        expected_version=case.version,
        target="province",
        note="เรื่องเกี่ยวกับหลายอำเภอ",
    )
    case = wf.complaint_return(
        complaint=case,
        actor=cast.province_officer,
        expected_version=case.version,
        reason="อำเภอดำเนินการได้",
    )
    case = wf.complaint_close(
        complaint=case,
        actor=cast.member,
        expected_version=case.version,
        result="resolved",
        note="คู่กรณีตกลงกันได้",
    )
    rows = list(
        ComplaintHistory.objects.filter(complaint=case)
        .order_by("at", "id")
        .values_list("kind", "from_status", "to_status", "actor_id", "note")
    )
    assert rows == [
        ("created", "", R, cast.district_officer.pk, ""),
        ("assigned", R, A, cast.district_officer.pk, ""),
        ("status", A, P, cast.member.pk, ""),
        ("forwarded", P, F, cast.district_officer.pk, "เรื่องเกี่ยวกับหลายอำเภอ"),
        ("returned", F, A, cast.province_officer.pk, "อำเภอดำเนินการได้"),
        ("closed", A, C, cast.member.pk, "คู่กรณีตกลงกันได้"),
    ]
    assert case.version == 6  # intake, routing and four actions
    assert (case.close_result, case.close_note) == ("resolved", "คู่กรณีตกลงกันได้")
    assert case.forwarded_to == ""  # sent back down clears the forwarding


def test_history_rows_cannot_be_changed_or_deleted_in_the_database(cast):
    case = make_complaint()
    entry = ComplaintHistory.objects.filter(complaint=case).first()
    for attempt in (
        lambda: ComplaintHistory.objects.filter(pk=entry.pk).update(note="rewritten"),
        lambda: ComplaintHistory.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert ComplaintHistory.objects.get(pk=entry.pk).note == entry.note


def test_a_stale_version_is_refused_and_changes_nothing(cast):
    case = make_complaint()
    seen = case.version
    wf.complaint_start(complaint=case, actor=cast.member, expected_version=seen)
    before = snapshot(case)
    with pytest.raises(StaleVersion) as stale:
        wf.complaint_close(
            complaint=case,
            actor=cast.district_officer,
            expected_version=seen,
            result="withdrawn",
            note="ผู้ร้องถอนเรื่อง",
        )
    assert snapshot(case) == before
    assert stale.value.complaint.version == seen + 1
    assert stale.value.complaint.status == P
    assert "version" in stale.value.message


def test_a_write_between_check_and_update_is_refused_whole(cast):
    """The UPDATE carries ``WHERE version = seen``: a change that lands after the service read
    the row but before its UPDATE makes the UPDATE match nothing; no history row is written."""
    case = make_complaint()
    current, row, seen = wf._check(
        complaint=case, actor=cast.member, expected_version=case.version, action="start"
    )
    Complaint.objects.filter(pk=case.pk).update(version=seen + 1)  # the other writer
    before = history_count(case)
    with pytest.raises(StaleVersion), transaction.atomic():
        wf.complaint_change_write(
            current=current, version=seen, actor=cast.member, kind="status", to_status=P
        )
    stored = Complaint.objects.get(pk=case.pk)
    assert (stored.status, stored.version) == (A, seen + 1)
    assert history_count(case) == before


@pytest.mark.parametrize(
    "action,state,overrides,field",
    [
        ("close", A, {"result": ""}, "result"),
        ("close", A, {"result": "solved-ish"}, "result"),
        ("close", A, {"note": "   "}, "note"),
        ("reopen", C, {"reason": ""}, "reason"),
        ("return", F, {"reason": ""}, "reason"),
        ("forward", A, {"target": "moon"}, "target"),
        ("forward", A, {"target": "agency", "agency": ""}, "agency"),
        ("forward", A, {"note": ""}, "note"),
        ("assign", A, {"team": None}, "team"),
        ("assign", A, {"reason": ""}, "reason"),  # taking it from a team needs a reason
        ("note", A, {"text": ""}, "text"),
        (
            "note",
            A,
            {"visit_location": Point(104.7, 16.5), "visit_accuracy_m": -3},
            "visit_accuracy_m",
        ),
        ("note", A, {"visit_accuracy_m": 5}, "visit_location"),
        ("start", A, {"expected_version_text": "seven"}, "version"),
    ],
)
def test_missing_or_bad_input_names_the_field_and_changes_nothing(
    cast, action, state, overrides, field
):
    case = make_complaint()
    put_in_state(case, status=state, forwarded_to="province" if state == F else "", team=cast.team)
    actor = cast.province_officer if state == F else cast.district_officer
    if action == "assign" and "team" not in overrides:
        overrides["team"] = cast.team2
    version = overrides.pop("expected_version_text", None)
    before = snapshot(case)
    with pytest.raises(ValidationError) as bad:
        run(action, case, actor, version=version, **overrides)
    assert field in bad.value.message_dict
    assert snapshot(case) == before


def test_assign_refuses_a_team_of_another_district(cast):

    elsewhere = make_team("490201")
    case = make_complaint()
    with pytest.raises(ValidationError) as bad:
        wf.complaint_assign(
            complaint=case,
            actor=cast.district_officer,
            expected_version=case.version,
            team=elsewhere,
            reason="ลองส่งข้ามอำเภอ",
        )
    assert "team" in bad.value.message_dict


def test_reopen_restarts_the_due_date_and_clears_the_closing(cast):
    case = make_complaint(received_at=timezone.now() - timedelta(days=100))
    old_due = case.due_at
    put_in_state(case, status=C, team=cast.team)
    case = wf.complaint_reopen(
        complaint=case, actor=cast.district_officer, expected_version=case.version, reason="ยังไม่จบ"
    )
    sla = case.category.sla_days
    assert case.due_at > old_due
    assert abs((case.due_at - timezone.now()) - timedelta(days=sla)) < timedelta(minutes=1)
    assert (case.close_result, case.close_note, case.closed_at) == ("", "", None)
    assert case.received_at < old_due  # the backlog still orders it by its first receipt


def test_forward_to_province_lands_in_its_inbox_and_back_down_to_the_team(
    cast, run_jobs, mailoutbox
):
    case = make_complaint()
    run_jobs()  # the team is told of the new case
    mailoutbox.clear()
    case = wf.complaint_forward(
        complaint=case,
        actor=cast.district_officer,
        expected_version=case.version,
        target="province",
        note="ขอให้จังหวัดพิจารณา",
    )
    run_jobs()
    assert list(case_inbox_for(officer=cast.province_officer)) == [case]
    assert list(case_inbox_for(officer=cast.central)) == []
    assert case not in case_queue_for(officer=cast.member)
    assert Notification.objects.filter(recipient=cast.province_officer, complaint=case).exists()
    assert [m.to for m in mailoutbox] == [["province@example.org"]]

    mailoutbox.clear()
    case = wf.complaint_return(
        complaint=case,
        actor=cast.province_officer,
        expected_version=case.version,
        reason="อำเภอดำเนินการเอง",
    )
    run_jobs()
    assert case.status == A and case.assigned_team == cast.team
    assert list(case_inbox_for(officer=cast.province_officer)) == []
    assert case in case_queue_for(officer=cast.member)
    assert Notification.objects.filter(recipient=cast.member, complaint=case).count() == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["member@example.org", "team490101@example.org"]


def test_forward_to_an_agency_keeps_the_agency_name_and_the_district_holds_it(cast):
    case = make_complaint()
    case = wf.complaint_forward(
        complaint=case,
        actor=cast.district_officer,
        expected_version=case.version,
        target="agency",
        agency="สำนักงานที่ดินจังหวัดมุกดาหาร",
        note="เป็นเรื่องรังวัด",
    )
    assert (case.status, case.forwarded_to, case.forwarded_agency) == (
        F,
        "agency",
        "สำนักงานที่ดินจังหวัดมุกดาหาร",
    )
    assert case in case_queue_for(officer=cast.district_officer)
    assert wf.actions_available(complaint=case, officer=cast.province_officer) == []
    case = wf.complaint_close(
        complaint=case,
        actor=cast.district_officer,
        expected_version=case.version,
        result="outside_jurisdiction",
        note="หน่วยงานรับไปดำเนินการ",
    )
    assert case.status == C


# --- Notes with GPS and attachments --------------------------------------------------------

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"\x00" * 200


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def files_on_disk(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_a_note_with_gps_and_photos_of_each_type(cast, media):
    case = make_complaint()
    uploads = [
        SimpleUploadedFile("site.jpeg", JPEG, content_type="image/jpeg"),
        SimpleUploadedFile("map.png", PNG, content_type="image/png"),
        SimpleUploadedFile("phone.webp", WEBP, content_type="image/webp"),
        # A PDF with a photo's name: the type comes from the content.
        SimpleUploadedFile("scan.jpg", PDF, content_type="image/jpeg"),
    ]
    case = wf.complaint_add_note(
        complaint=case,
        actor=cast.member,
        expected_version=case.version,
        text="ลงพื้นที่ พบการถมดินจริง",
        visit_location=Point(104.7236, 16.5436, srid=4326),
        visit_accuracy_m=12.5,
        files=uploads,
    )
    note = CaseNote.objects.get(complaint=case)
    assert (note.visit_location.x, note.visit_location.y, note.visit_accuracy_m) == (
        104.7236,
        16.5436,
        12.5,
    )
    stored = list(note.attachments.order_by("id").values_list("content_type", "kind", "file"))
    assert [(ct, kind) for ct, kind, _f in stored] == [
        ("image/jpeg", "photo"),
        ("image/png", "photo"),
        ("image/webp", "photo"),
        ("application/pdf", "document"),
    ]
    assert [Path(f).suffix for _ct, _k, f in stored] == [".jpg", ".png", ".webp", ".pdf"]
    assert len(files_on_disk(media)) == 4
    assert ComplaintHistory.objects.filter(complaint=case, kind="note").count() == 1


@pytest.mark.parametrize(
    "uploads",
    [
        pytest.param([("evil.jpg", b"MZ\x90\x00 not a photo at all" * 10)], id="exe-named-jpg"),
        pytest.param([("notes.txt", b"plain text")], id="text"),
        pytest.param([("fake.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>")], id="svg"),
        pytest.param([("ok.jpg", JPEG), ("bad.gif", b"GIF89a" + b"\x00" * 50)], id="one-bad"),
        pytest.param([("empty.jpg", b"")], id="empty"),
    ],
)
def test_a_wrong_type_is_refused_with_nothing_saved(cast, media, uploads):
    case = make_complaint()
    before = snapshot(case)
    files = [SimpleUploadedFile(name, data, content_type="image/jpeg") for name, data in uploads]
    with pytest.raises(ValidationError) as bad:
        wf.complaint_add_note(
            complaint=case,
            actor=cast.member,
            expected_version=case.version,
            text="แนบรูป",
            files=files,
        )
    assert "files" in bad.value.message_dict
    assert snapshot(case) == before
    assert Attachment.objects.count() == 0 and CaseNote.objects.count() == 0
    assert files_on_disk(media) == []


def test_a_file_over_the_size_limit_is_refused_with_nothing_saved(cast, media, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    case = make_complaint()
    before = snapshot(case)
    big = SimpleUploadedFile("big.jpg", JPEG[:16] + b"\x00" * 1025, content_type="image/jpeg")
    small = SimpleUploadedFile("small.jpg", JPEG, content_type="image/jpeg")
    with pytest.raises(ValidationError) as bad:
        wf.complaint_add_note(
            complaint=case,
            actor=cast.member,
            expected_version=case.version,
            text="รูปใหญ่",
            files=[small, big],
        )
    assert "big.jpg" in bad.value.message_dict["files"][0]
    assert snapshot(case) == before
    assert files_on_disk(media) == []
    # Exactly at the limit is fine.
    exact = SimpleUploadedFile("exact.jpg", JPEG[:16] + b"\x00" * 1008, content_type="image/jpeg")
    wf.complaint_add_note(
        complaint=case, actor=cast.member, expected_version=case.version, text="พอดี", files=[exact]
    )
    assert len(files_on_disk(media)) == 1


def test_files_written_before_a_failure_are_removed(cast, media):
    """A failure after the first file reached the disk (here the second file's write) leaves
    neither rows nor files."""
    case = make_complaint()
    before = snapshot(case)

    class Exploding(SimpleUploadedFile):
        # Passes the content check (it reads the head), fails when written to storage.
        def chunks(self, chunk_size=None):
            raise OSError("disk full")

    first = SimpleUploadedFile("a.jpg", JPEG, content_type="image/jpeg")
    second = Exploding("b.jpg", JPEG, content_type="image/jpeg")
    with pytest.raises(OSError):
        wf.complaint_add_note(
            complaint=case,
            actor=cast.member,
            expected_version=case.version,
            text="สองรูป",
            files=[first, second],
        )
    assert snapshot(case) == before
    assert files_on_disk(media) == []
