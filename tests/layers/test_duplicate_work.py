"""Working duplicates (issue 8): mark as duplicate of, unlink, dismiss a suggestion; each act
in the case history, through the workflow service; on the case page and the API."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from layers.errors import ActionForbidden, CaseNotFound, InvalidInput, TransitionRefused
from layers.models import Complaint, ComplaintHistory, DuplicateDecision
from layers.selectors.duplicates import duplicates_for_case
from layers.services import workflow as wf
from tests.case_fixtures import build_cast
from tests.factories import MUKDAHAN_CITY, make_complaint, new_citizen_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TEXT = "ถนนลูกรังในหมู่ที่ 4 เป็นหลุมบ่อ ช่วงฤดูฝนรถสัญจรไม่ได้ ขอให้ซ่อมแซม"
NAKHON_PHANOM = (17.4075, 104.7786)  # 480101


@pytest.fixture
def cast(settings):
    return build_cast(settings)


def road(lat=MUKDAHAN_CITY[0], lon=MUKDAHAN_CITY[1], **fields):
    return make_complaint(
        lat, lon, category="utilities", subcategory="utilities-roads", description=TEXT, **fields
    )


def fresh(case) -> Complaint:
    return Complaint.objects.get(pk=case.pk)


def mark(case, officer, original, note=""):
    case = fresh(case)
    return wf.complaint_act(
        complaint=case,
        actor=officer,
        action=wf.MARK_DUPLICATE,
        expected_version=case.version,
        data={"original": original.tracking_no, "note": note},
    )


def test_mark_as_duplicate_closes_it_pointing_to_the_original(cast):
    original, again = road(), road()
    done = mark(again, cast.district_officer, original, note="ร้องซ้ำ")
    assert done.status == "closed" and done.close_result == "duplicate"
    assert done.duplicate_of_id == original.pk and done.closed_at is not None
    entry = ComplaintHistory.objects.filter(complaint=again).latest("at", "id")
    assert (entry.kind, entry.to_status, entry.to_value) == ("closed", "closed", "duplicate")
    assert original.tracking_no in entry.note and "ร้องซ้ำ" in entry.note
    assert entry.actor == cast.district_officer
    decision = DuplicateDecision.objects.get(case=again)
    assert (decision.candidate_id, decision.decision) == (original.pk, "linked")
    assert decision.score == 1.0 and decision.decided_by == cast.district_officer
    assert list(fresh(original).also_reported.all()) == [fresh(again)]


def test_who_may_mark_and_what(cast):
    original, again = road(), road()
    # A read-only role sees the case but may not close it; an outsider does not see it.
    with pytest.raises(ActionForbidden):
        mark(again, cast.governor, original)
    with pytest.raises(CaseNotFound):
        mark(again, cast.other_province_officer, original)
    # Not itself, not an unknown number, not a case outside the area that was not suggested.
    with pytest.raises(InvalidInput) as exc:
        mark(again, cast.district_officer, again)
    assert "original" in exc.value.fields
    far = road(*NAKHON_PHANOM)
    with pytest.raises(InvalidInput):
        mark(again, cast.district_officer, far)
    case = fresh(again)
    with pytest.raises(InvalidInput):
        wf.complaint_act(
            complaint=case,
            actor=cast.district_officer,
            action=wf.MARK_DUPLICATE,
            expected_version=case.version,
            data={"original": "2500-9999999"},
        )
    # A chain is refused: link to the original itself.
    third = road()
    mark(again, cast.district_officer, original)
    with pytest.raises(InvalidInput) as exc:
        mark(third, cast.district_officer, again)
    assert original.tracking_no in exc.value.fields["original"][0]
    # A case others point to is not marked a duplicate itself.
    with pytest.raises(InvalidInput):
        mark(original, cast.district_officer, third)
    assert fresh(third).status != "closed" and fresh(original).status != "closed"


def test_unlink_reopens_and_the_pair_is_not_suggested_again(cast):
    original, again = road(), road()
    mark(again, cast.district_officer, original)
    case = fresh(again)
    with pytest.raises(InvalidInput):  # a reason is required
        wf.complaint_act(
            complaint=case,
            actor=cast.district_officer,
            action=wf.UNLINK_DUPLICATE,
            expected_version=case.version,
            data={"reason": ""},
        )
    done = wf.complaint_act(
        complaint=case,
        actor=cast.district_officer,
        action=wf.UNLINK_DUPLICATE,
        expected_version=case.version,
        data={"reason": "คนละจุดกัน"},
    )
    assert done.status != "closed" and done.duplicate_of_id is None and done.close_result == ""
    entry = ComplaintHistory.objects.filter(complaint=again).latest("at", "id")
    assert entry.kind == "reopened" and entry.from_value == "duplicate"
    assert original.tracking_no in entry.note and "คนละจุดกัน" in entry.note
    assert DuplicateDecision.objects.filter(case=again).latest("decided_at", "id").decision == (
        "dismissed"
    )
    assert [c.tracking_no for c in duplicates_for_case(complaint=done)] == []
    # Unlinking a case that is not a duplicate is refused.
    with pytest.raises(TransitionRefused):
        wf.complaint_act(
            complaint=original,
            actor=cast.district_officer,
            action=wf.UNLINK_DUPLICATE,
            expected_version=fresh(original).version,
            data={"reason": "x"},
        )


def test_a_plain_reopen_clears_the_link(cast):
    original, again = road(), road()
    mark(again, cast.district_officer, original)
    case = fresh(again)
    done = wf.complaint_reopen(
        complaint=case, actor=cast.district_officer, expected_version=case.version, reason="x"
    )
    assert done.duplicate_of_id is None and not fresh(original).also_reported.exists()


def test_dismiss_a_suggestion(cast):
    first, second, third = road(), road(), road()
    case = fresh(first)
    done = wf.complaint_act(
        complaint=case,
        actor=cast.member,  # the team may add notes, so it may dismiss
        action=wf.DISMISS_DUPLICATE,
        expected_version=case.version,
        data={"candidate": second.tracking_no},
    )
    assert done.version == case.version + 1 and done.status == case.status
    entry = ComplaintHistory.objects.filter(complaint=first).latest("at", "id")
    assert (entry.kind, entry.to_value) == ("dup_dismissed", second.tracking_no)
    # Not suggested again for that pair, either way round; other pairs stay.
    assert [c.tracking_no for c in duplicates_for_case(complaint=fresh(first))] == [
        third.tracking_no
    ]
    assert first.tracking_no not in [
        c.tracking_no for c in duplicates_for_case(complaint=fresh(second))
    ]
    # Twice, or a case that is not a suggestion: refused.
    for number in (second.tracking_no, road(*NAKHON_PHANOM).tracking_no):
        with pytest.raises(InvalidInput) as exc:
            wf.complaint_act(
                complaint=fresh(first),
                actor=cast.district_officer,
                action=wf.DISMISS_DUPLICATE,
                expected_version=fresh(first).version,
                data={"candidate": number},
            )
        assert "candidate" in exc.value.fields


def test_the_api_actions(cast):
    original, again = road(), road()
    client = APIClient()
    client.force_login(cast.district_officer)
    url = f"/api/cases/{again.tracking_no}/actions/"
    body = {"action": "mark_duplicate", "version": fresh(again).version, "original": 5}
    assert client.post(url, json.dumps(body), content_type="application/json").status_code == 400
    body["original"] = original.tracking_no
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["close_result"] == "duplicate"
    outsider = APIClient()
    outsider.force_login(cast.other_province_officer)
    body = {"action": "unlink_duplicate", "version": fresh(again).version, "reason": "x"}
    response = outsider.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 404
    assert fresh(again).status == "closed"


def test_the_case_pages(cast, client):
    original, again = road(), road()
    client.force_login(cast.district_officer)
    page = client.get(f"/cases/{again.tracking_no}/").content.decode()
    assert 'id="case-duplicates"' in page and f'value="{original.tracking_no}"' in page
    assert 'value="mark_duplicate"' in page and 'value="dismiss_duplicate"' in page
    response = client.post(
        f"/cases/{again.tracking_no}/act/",
        {
            "action": "mark_duplicate",
            "version": fresh(again).version,
            "original": original.tracking_no,
        },
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{again.tracking_no}/").content.decode()
    assert 'id="duplicate-of"' in page and 'value="unlink_duplicate"' in page
    page = client.get(f"/cases/{original.tracking_no}/").content.decode()
    assert "Also reported by 1 other case" in page and again.tracking_no in page
    # A read-only role sees the links but has no buttons.
    client.force_login(cast.governor)
    page = client.get(f"/cases/{again.tracking_no}/").content.decode()
    assert 'id="duplicate-of"' in page and 'value="unlink_duplicate"' not in page
    page = client.get(f"/cases/{original.tracking_no}/").content.decode()
    assert 'value="mark_duplicate"' not in page and 'value="dismiss_duplicate"' not in page
    # An outsider: not found.
    client.force_login(cast.other_province_officer)
    assert client.get(f"/cases/{again.tracking_no}/").status_code == 404


def test_the_case_detail_api_tells_duplicate_of_and_also_reported_by(cast):
    original, first, second = road(), road(), road()
    client = APIClient()
    client.force_login(cast.district_officer)
    data = client.get(f"/api/cases/{original.tracking_no}/").json()
    assert (data["duplicate_of"], data["also_reported_by"]) == (None, 0)
    mark(first, cast.district_officer, original)
    mark(second, cast.district_officer, original)
    data = client.get(f"/api/cases/{original.tracking_no}/").json()
    assert (data["duplicate_of"], data["also_reported_by"]) == (None, 2)
    data = client.get(f"/api/cases/{first.tracking_no}/").json()
    assert (data["duplicate_of"], data["also_reported_by"]) == (original.tracking_no, 0)
    # A role without personal data sees them too (public fields); an outsider gets a 404.
    client.force_login(cast.analyst)
    data = client.get(f"/api/cases/{second.tracking_no}/").json()
    assert data["duplicate_of"] == original.tracking_no
    client.force_login(cast.other_province_officer)
    assert client.get(f"/api/cases/{original.tracking_no}/").status_code == 404


def test_the_case_page_lists_the_same_people_elsewhere_with_only_the_allowed_fields(cast, client):
    secret_name, secret_text = "นายลับเฉพาะ ข้ามจังหวัด", "เรื่องลับในนครพนมห้ามแสดงข้ามเขต"
    cid = new_citizen_id("1")
    accused = "นายผู้ถูกร้อง ซ้ำซาก"

    def case(*point, **fields):
        return make_complaint(*point, category="utilities", subcategory="utilities-roads", **fields)

    here = case(
        complainant_citizen_id=cid,
        complainant_name="นางสาวทดสอบ หนึ่งเดียว",
        complainant_phone="0811111111",
        accused_name=accused,
        description=TEXT,
    )
    near = case(
        complainant_name="นายอื่นใด สองสาม",
        complainant_phone="0822222222",
        accused_name=accused,
        description="อีกเรื่องหนึ่ง",
    )
    # The same citizen ID in Nakhon Phanom (province 48): outside the district officer's area.
    far = case(
        *NAKHON_PHANOM,
        complainant_citizen_id=cid,
        complainant_name=secret_name,
        complainant_phone="0899999999",
        description=secret_text,
    )
    unrelated = case(
        complainant_name="นางอื่นอีก คนที่สาม",
        complainant_phone="0833333333",
        accused_name="นางอื่น ไม่เกี่ยว",
        description=TEXT,
    )
    client.force_login(cast.district_officer)
    page = client.get(f"/cases/{here.tracking_no}/").content.decode()
    section = page.split('id="case-person-matches"')[1].split("</section>")[0]
    complainant = section.split('id="people-complainant"')[1].split("</ul>")[0]
    accused = section.split('id="people-accused"')[1].split("</ul>")[0]
    assert far.tracking_no in complainant and unrelated.tracking_no not in section
    assert near.tracking_no in accused and far.tracking_no not in accused
    # The case outside: its number without a link, its district, province, date, category and
    # status; not its sub-district, name, phone or description.
    assert f'href="/cases/{far.tracking_no}/"' not in section
    assert f'href="/cases/{near.tracking_no}/"' in section
    assert "4801" in complainant and "48" in complainant and "same citizen ID" in complainant
    for hidden in ("480101", secret_name, secret_text, "0899999999"):
        assert hidden not in page
    # The officer of province 48 sees the match the other way round, also without a link.
    client.force_login(cast.other_province_officer)
    page = client.get(f"/cases/{far.tracking_no}/").content.decode()
    assert here.tracking_no in page and f'href="/cases/{here.tracking_no}/"' not in page
    assert (
        here.subdistrict_id not in page.split('id="case-person-matches"')[1].split("</section>")[0]
    )
    # No personal data for the analyst: no section; an outsider: not found.
    client.force_login(cast.analyst)
    page = client.get(f"/cases/{here.tracking_no}/").content.decode()
    assert 'id="case-person-matches"' not in page and far.tracking_no not in page
    client.force_login(cast.other_district_officer)
    assert client.get(f"/cases/{here.tracking_no}/").status_code == 404
