"""The jurisdiction matrix (issue 3): every role × a case inside and outside its area × every
endpoint and page.

The list of endpoints is not written by hand: it is read from the URL configuration, and every
named URL must be classified in ``URL_CLASSES`` (a URL added later without an entry fails
``test_every_url_is_classified`` with its name). Each class has a driver below that calls every
URL of the class for every principal:

* (a) case-bound — a tracking number (and an attachment) in the path;
* (b) area-bound — a province / district / sub-district code (or a point) in the path or query,
  or an object bound to an area (a registration request);
* (c) own data — the officer's own profile, queue, team, notifications, intake form;
* (d) public — no login needed;
* (e) POST-only actions — a GET is refused; what they act on is exercised in (a) and (b).

The expectations are written here from the issue's rules ("a district officer sees only their
district's cases, a team member only their sub-districts', a province officer only their
province's, central everything"), independently of ``layers.selectors.scope``, so that a wrong
scope fails the matrix.

The data are built once for the module inside a transaction that is rolled back at the end
(what Django's ``TestCase.setUpTestData`` does); each test runs in a savepoint within it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

import mapbox_vector_tile
import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from boundaries.models import Subdistrict
from layers.models import (
    ApiToken,
    Attachment,
    Complaint,
    DocumentPage,
    ExportJob,
    ExportStatus,
    ImportBatch,
    ImportProblem,
    ImportStatus,
    Notification,
    Partner,
    PartnerSubmission,
    PermissionLevel,
    RegistrationRequest,
    Role,
    RoleAssignment,
    ScannedDocument,
    Tip,
    TipAudit,
    TipLevel,
)
from layers.policy import MATCH_OUTSIDE_FIELDS
from layers.services.anticorruption import assign_ac_role
from layers.services.tokens import api_token_create, key_digest
from layers.thaidate import Month
from tests.anticorruption_data import file_tip
from tests.case_fixtures import put_in_state, snapshot
from tests.factories import make_complaint, make_officer, make_team, new_citizen_id
from tests.module_data import module_data

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"MATRIX-PHOTO"
# A scanned letter (its content checked by its leading bytes only) and a page picture.
SCAN = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + b"MATRIX-SCAN"
PAGE = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + b"MATRIX-PAGE"
# Inbox documents (no case yet) of these districts.
INBOX_DISTRICTS = ("4901", "4902", "4801")

# --- The principals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    key: str
    role: str | None
    province: str | None = None
    district: str | None = None
    team: bool = False  # member of team T1 (sub-district 490101)
    anonymous: bool = False
    revoked: str | None = None  # a role they held, now deactivated (sees nothing)
    # An anti-corruption role (issue 11, seed 000): tips of its area, and of the ordinary
    # complaints nothing at all, so that for every ordinary page the principal has no role.
    ac: str | None = None


# One officer of each role bound to Mukdahan (49): the district and the team in 4901.
PRINCIPALS = [
    Who("district_officer", Role.DISTRICT_OFFICER, district="4901"),
    Who("district_chief", Role.DISTRICT_CHIEF, district="4901"),
    Who("team_member", Role.TEAM_MEMBER, district="4901", team=True),
    Who("province_officer", Role.PROVINCE_OFFICER, province="49"),
    Who("governor", Role.GOVERNOR, province="49"),
    Who("central_officer", Role.CENTRAL_OFFICER),
    Who("gis_analyst", Role.GIS_ANALYST, district="4901"),
    Who("admin", Role.ADMIN),
    Who("no_role", None),
    Who("revoked_officer", None, district="4901", revoked=Role.DISTRICT_OFFICER),
    Who("anonymous", None, anonymous=True),
    # The anti-corruption channel: a coordinator of 49, the reporter of 4901, the centre.
    Who("ac_coordinator", None, province="49", ac=Role.AC_COORDINATOR),
    Who("ac_reporter", None, district="4901", ac=Role.AC_REPORTER),
    Who("ac_centre", None, ac=Role.AC_CENTRE),
]
WHO = {w.key: w for w in PRINCIPALS}
WHO_KEYS = list(WHO)

COUNTRY = {Role.CENTRAL_OFFICER, Role.ADMIN}
DISTRICT_ACTORS = {Role.DISTRICT_OFFICER, Role.DISTRICT_CHIEF}
RECORDERS = {Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER, Role.CENTRAL_OFFICER}
# Entitled to complainants' names, IDs and phones: everyone with a role but the GIS analyst.
PERSONAL_DATA = set(Role.values) - {Role.GIS_ANALYST}


def surname(who_key: str) -> str:
    return f"SURNAME-{who_key}-END"


# --- The cases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseSpec:
    key: str
    # A 6-digit sub-district, or a district / province prefix (its first sub-district is used).
    area: str
    status: str
    forwarded_to: str = ""
    team: str | None = None  # "T1" (490101), "T2" (490102) or None (the district's own queue)
    overdue: bool = False
    author: str | None = None  # the principal who recorded it (for the intake receipt)

    @property
    def is_open(self) -> bool:
        return self.status != "closed"


CASES = [
    CaseSpec("t1_assigned", "490101", "assigned", team="T1", author="district_officer"),
    CaseSpec("t1_closed", "490101", "closed", team="T1"),
    CaseSpec("t2_in_progress", "490102", "in_progress", team="T2", overdue=True),
    # Reassigned by hand to T1 although it lies in 490102: T1's members see it.
    CaseSpec("t2_handed_to_t1", "490102", "assigned", team="T1", overdue=True),
    CaseSpec("d4901_queue", "490103", "received", overdue=True),
    CaseSpec("d4901_to_province", "490103", "forwarded", forwarded_to="province"),
    CaseSpec("d4901_to_central", "490103", "forwarded", forwarded_to="central", overdue=True),
    CaseSpec("d4901_to_agency", "490102", "forwarded", forwarded_to="agency", team="T2"),
    # Pinned by the 4901 district officer in 4902: routed to that district.
    CaseSpec("d4902_received", "4902", "received", overdue=True, author="district_officer"),
    CaseSpec("d4902_to_province", "4902", "forwarded", forwarded_to="province", overdue=True),
    CaseSpec("p48_received", "48", "received", overdue=True),
    CaseSpec("p48_to_central", "48", "forwarded", forwarded_to="central"),
]
SPEC = {c.key: c for c in CASES}
CASE_KEYS = list(SPEC)


def token_of(case_key: str) -> str:
    return f"TOKEN-{case_key}"


def description(case_key: str) -> str:
    return f"DESC-{case_key}-END"


def complainant(case_key: str) -> str:
    return f"นาย CMPL-{case_key}-END"


def sees(who: Who, spec: CaseSpec) -> bool:
    """The issue's rule, written out: whose area holds the case."""
    if who.role is None:
        return False
    if who.role in COUNTRY:
        return True
    if who.role == Role.TEAM_MEMBER:
        return spec.area == "490101" or spec.team == "T1"
    if who.district:
        return spec.area.startswith(who.district)
    return spec.area.startswith(who.province)


def may_note(who: Who, spec: CaseSpec) -> bool:
    """Whether the workflow lets ``who`` add a note (the one action every status allows):
    the case district's officers always; its team while the district works it; the level
    that holds a case forwarded up to it."""
    district = who.role in DISTRICT_ACTORS and spec.area.startswith(who.district)
    team = who.role == Role.TEAM_MEMBER and spec.team == "T1"
    if spec.forwarded_to == "province":
        holder = who.role == Role.PROVINCE_OFFICER and spec.area.startswith(who.province)
    elif spec.forwarded_to == "central":
        holder = who.role == Role.CENTRAL_OFFICER
    else:
        holder = district
    return {
        "received": district,
        "assigned": district or team,
        "in_progress": district or team,
        "forwarded": district or holder,
        "closed": district or holder,
    }[spec.status]


def in_inbox(who: Who, spec: CaseSpec) -> bool:
    if spec.status != "forwarded":
        return False
    if who.role == Role.PROVINCE_OFFICER:
        return spec.forwarded_to == "province" and spec.area.startswith(who.province)
    return who.role == Role.CENTRAL_OFFICER and spec.forwarded_to == "central"


def in_queue(who: Who, spec: CaseSpec) -> bool:
    """ "My queue": the team's started or given cases, the district desk's own cases and those
    out with an agency, the level's inbox."""
    if who.role == Role.TEAM_MEMBER:
        return spec.team == "T1" and spec.status in ("assigned", "in_progress")
    if who.role in DISTRICT_ACTORS and spec.area.startswith(who.district):
        return (spec.team is None and spec.status in ("received", "in_progress")) or (
            spec.forwarded_to == "agency"
        )
    return in_inbox(who, spec)


# --- The registration requests (bound to an area and a level) --------------------------------


@dataclass(frozen=True)
class RegSpec:
    key: str
    province: str
    district: str | None
    level: str


REGS = [
    RegSpec("reg_d4901", "49", "4901", PermissionLevel.DISTRICT),
    RegSpec("reg_d4902", "49", "4902", PermissionLevel.DISTRICT),
    RegSpec("reg_p49", "49", None, PermissionLevel.PROVINCE),
    RegSpec("reg_p48", "48", None, PermissionLevel.PROVINCE),
    # The anti-corruption permission form (seed 000): decided centrally, not by area. 4902
    # has no reporter yet (the principal ac_reporter serves 4901), 49 one coordinator.
    RegSpec("reg_ac_coord49", "49", None, PermissionLevel.AC_COORDINATOR),
    RegSpec("reg_ac_rep4902", "49", "4902", PermissionLevel.AC_REPORTER),
    RegSpec("reg_ac_centre", "49", None, PermissionLevel.AC_CENTRE),
]
REG = {r.key: r for r in REGS}


def decides(who: Who, reg: RegSpec) -> bool:
    """The district chief certifies district-level users of their district, the province
    officer province-level users of their province (seed 001). The anti-corruption centre
    approves coordinators and reporters, an administrator the centre's own members (seed 000).
    """
    if reg.level in (PermissionLevel.AC_COORDINATOR, PermissionLevel.AC_REPORTER):
        return who.ac == Role.AC_CENTRE
    if reg.level == PermissionLevel.AC_CENTRE:
        return who.role == Role.ADMIN
    if reg.level == PermissionLevel.DISTRICT:
        return who.role == Role.DISTRICT_CHIEF and reg.district == who.district
    return who.role == Role.PROVINCE_OFFICER and reg.province == who.province


def reg_name(reg_key: str) -> str:
    return f"REGNAME-{reg_key}-END"


# --- Locked accounts (bound to the area of the locked officer's roles) -------------------------


@dataclass(frozen=True)
class LockSpec:
    key: str
    role: str
    province: str | None = None
    district: str | None = None


LOCKS = [
    LockSpec("lk_d4901", Role.DISTRICT_OFFICER, district="4901"),
    LockSpec("lk_d4902", Role.DISTRICT_OFFICER, district="4902"),
    LockSpec("lk_p49", Role.PROVINCE_OFFICER, province="49"),
    LockSpec("lk_d4801", Role.DISTRICT_OFFICER, district="4801"),
    LockSpec("lk_central", Role.CENTRAL_OFFICER),
]
LOCK = {lk.key: lk for lk in LOCKS}


def unlocks(who: Who, lk: LockSpec) -> bool:
    """The district chief unlocks officers of their district, the province officer those of
    their province, an administrator everyone."""
    if who.role == Role.ADMIN:
        return True
    if who.role == Role.DISTRICT_CHIEF:
        return lk.district is not None and lk.district == who.district
    if who.role == Role.PROVINCE_OFFICER:
        return (lk.province or (lk.district or "")[:2]) == who.province
    return False


def lock_name(lock_key: str) -> str:
    return f"LOCKNAME-{lock_key}-END"


# --- Spreadsheet imports (bound to a district) -------------------------------------------------

IMPORTS = {"imp_d4901": "4901", "imp_d4902": "4902", "imp_d4801": "4801"}


def import_row(import_key: str) -> str:
    return f"IMPROW-{import_key}-END"


def opens_import(who: Who, district: str) -> bool:
    """Recorders of the district (district officers of it, province officers of its
    province, central officers): the rows name people."""
    if who.role == Role.CENTRAL_OFFICER:
        return True
    if who.role == Role.PROVINCE_OFFICER:
        return district.startswith(who.province)
    return who.role == Role.DISTRICT_OFFICER and district == who.district


def closes_backlog(who: Who) -> bool:
    return who.role in DISTRICT_ACTORS | {Role.PROVINCE_OFFICER, Role.CENTRAL_OFFICER}


def may_close(who: Who, spec: CaseSpec) -> bool:
    """The workflow's rule for closing: the case district's officers while the district holds
    it (an agency's answer included), the level a case was forwarded up to."""
    district = who.role in DISTRICT_ACTORS and spec.area.startswith(who.district)
    if spec.status == "forwarded" and spec.forwarded_to == "province":
        return who.role == Role.PROVINCE_OFFICER and spec.area.startswith(who.province)
    if spec.status == "forwarded" and spec.forwarded_to == "central":
        return who.role == Role.CENTRAL_OFFICER
    return spec.is_open and district


# --- Anti-corruption tips (issue 11, seed 000) -------------------------------------------------


@dataclass(frozen=True)
class TipSpec:
    key: str
    accused_level: str
    province: str
    district: str
    level: str  # where the routing must send it: never the accused's own office


TIPS = [
    TipSpec("tip_local_4901", "local", "49", "4901", TipLevel.DISTRICT),
    TipSpec("tip_local_4902", "local", "49", "4902", TipLevel.DISTRICT),
    TipSpec("tip_office_4901", "district", "49", "4901", TipLevel.PROVINCE),
    TipSpec("tip_office_p49", "province", "49", "", TipLevel.CENTRE),
    TipSpec("tip_local_4801", "local", "48", "4801", TipLevel.DISTRICT),
]
TIP = {t.key: t for t in TIPS}


def tipster(tip_key: str) -> str:
    return f"TIPSTER-{tip_key}-END"


def tip_text(tip_key: str) -> str:
    return f"TIPTEXT-{tip_key}-END ได้รับเงินใต้โต๊ะ"


def handles(who: Who, spec: TipSpec) -> bool:
    """Seed 000, written out: the centre every tip; a province's coordinator the tips of their
    province handled by a district or the province; a district's reporter their district's."""
    if who.ac == Role.AC_CENTRE:
        return True
    if who.ac == Role.AC_COORDINATOR:
        return spec.province == who.province and spec.level != TipLevel.CENTRE
    if who.ac == Role.AC_REPORTER:
        return spec.district == who.district and spec.level == TipLevel.DISTRICT
    return False


# --- The data, once per module ----------------------------------------------------------------


@dataclass
class World:
    officers: dict
    cases: dict  # key -> Complaint
    attachments: dict  # case key -> Attachment pk
    regs: dict  # key -> RegistrationRequest
    sessions: dict  # principal key -> session cookie value
    locked: dict  # key -> Officer whose login is locked
    tokens: dict  # principal key -> their ApiToken
    keys: dict  # principal key -> the token's key
    export_job: int = 0  # a ready export of the district officer's (its id)
    imports: dict = None  # key -> ImportBatch (a spreadsheet import of a district)
    tips: dict = field(default_factory=dict)  # tip key -> Tip
    tip_files: dict = field(default_factory=dict)  # tip key -> its evidence file's pk
    documents: dict = None  # case key -> ScannedDocument pk (with a page 1)
    inbox: dict = None  # district code -> ScannedDocument pk in its inbox


EXPORT_BYTES = b"\xef\xbb\xbftracking_no\nMATRIX-EXPORT-FILE\n"


def _subdistrict(area: str) -> Subdistrict:
    if len(area) == 6:
        return Subdistrict.objects.get(code=area)
    return (
        Subdistrict.objects.filter(code__startswith=area, geom__isnull=False)
        .order_by("code")
        .first()
    )


def build_world() -> World:
    assert not Complaint.objects.exists(), "the matrix needs a database without other cases"
    teams = {"T1": make_team("490101"), "T2": make_team("490102")}
    officers = {
        w.key: make_officer(
            w.role or w.revoked,
            province=w.province,
            district=w.district,
            teams=[teams["T1"]] if w.team else [],
            last_name=surname(w.key),
        )
        for w in PRINCIPALS
        if not w.anonymous
    }
    # A personal API token each, made while they held their role (an officer without one
    # gets none from the service: theirs is written directly, as if made before).
    tokens, keys = {}, {}
    for n, (key, officer) in enumerate(officers.items()):
        if WHO[key].role or WHO[key].revoked:
            tokens[key], keys[key] = api_token_create(officer=officer, name="matrix")
        else:
            keys[key] = f"dmr_mx{n:06d}_{'k' * 40}"
            tokens[key] = ApiToken.objects.create(
                officer=officer,
                name="matrix",
                prefix=f"mx{n:06d}",
                digest=key_digest(keys[key]),
                expires_at=timezone.now() + timedelta(days=90),
            )
    revoked = [officers[w.key] for w in PRINCIPALS if w.revoked]
    RoleAssignment.objects.filter(officer__in=revoked).update(is_active=False)
    for w in PRINCIPALS:
        if w.ac:
            assign_ac_role(
                officer=officers[w.key], role=w.ac, province=w.province, district=w.district
            )
    now = timezone.now()
    cases, attachments, documents = {}, {}, {}
    inbox = {code: _scan(code, None) for code in INBOX_DISTRICTS}
    for spec in CASES:
        sub = _subdistrict(spec.area)
        point = sub.geom.point_on_surface
        case = make_complaint(
            lat=point.y,
            lon=point.x,
            description=description(spec.key),
            complainant_name=complainant(spec.key),
            created_by=officers.get(spec.author),
        )
        assert case.subdistrict_id == sub.code, spec
        case = put_in_state(
            case,
            status=spec.status,
            forwarded_to=spec.forwarded_to,
            team=teams.get(spec.team),
        )
        Complaint.objects.filter(pk=case.pk).update(
            due_at=now + timedelta(days=-3 if spec.overdue else 30),
            closed_at=now if spec.status == "closed" else None,
        )
        case.refresh_from_db()
        attachment = Attachment(
            complaint=case,
            kind="photo",
            original_name="site.jpg",
            content_type="image/jpeg",
            size_bytes=len(JPEG),
        )
        attachment.file.save("site.jpg", ContentFile(JPEG), save=True)
        cases[spec.key], attachments[spec.key] = case, attachment.pk
        documents[spec.key] = _scan(case.district_id, case)
    # Each case filed by a partner system too, so that Open311's tokens resolve to it.
    partner = Partner.objects.create(name="matrix partner", whole_country=True)
    PartnerSubmission.objects.bulk_create(
        PartnerSubmission(partner=partner, complaint=case, token=token_of(key))
        for key, case in cases.items()
    )
    # One notification per officer, about a case they see (when there is one).
    for who in PRINCIPALS:
        if who.anonymous:
            continue
        seen = next((k for k in CASE_KEYS if sees(who, SPEC[k])), None)
        Notification.objects.create(
            recipient=officers[who.key],
            complaint=cases[seen] if seen else None,
            message=f"NOTICE-{who.key}-END",
        )
    regs = {
        r.key: RegistrationRequest.objects.create(
            citizen_id=new_citizen_id("1"),
            title="นาย",
            first_name=reg_name(r.key),
            last_name="ขอใช้งาน",
            position="ปลัดอำเภอ",
            province_id=r.province,
            district_id=r.district,
            permission_level=r.level,
            phone_office="042611234",
            date_assigned=date(2025, 10, 1),
        )
        for r in REGS
    }
    locked = {
        lk.key: make_officer(
            lk.role, province=lk.province, district=lk.district, last_name=lock_name(lk.key)
        )
        for lk in LOCKS
    }
    for i, officer in enumerate(locked.values()):
        AccessAttempt.objects.create(
            username=officer.citizen_id,
            ip_address=f"192.0.2.{i + 1}",
            user_agent="matrix",
            http_accept="*/*",
            path_info="/accounts/login/",
            get_data="",
            post_data="",
            failures_since_start=settings.LOGIN_FAILURE_LIMIT,
            attempt_time=now,
        )
    sessions = {}
    for key, officer in officers.items():
        client = Client()
        client.force_login(officer)
        sessions[key] = client.cookies[settings.SESSION_COOKIE_NAME].value
    job = ExportJob.objects.create(
        officer=officers["district_officer"],
        format="csv",
        params={"district": "4901"},
        status=ExportStatus.READY,
        rows=1,
        file_name="complaints_4901.csv",
        file_name_utf8="complaints_4901.csv",
        expires_at=now + timedelta(days=1),
    )
    job.file.save("complaints_4901.csv", ContentFile(EXPORT_BYTES), save=True)
    imports = {}
    for key, district in IMPORTS.items():
        batch = ImportBatch.objects.create(
            officer=officers["central_officer"],
            district_id=district,
            file="imports/matrix/upload",
            original_name=f"IMPFILE-{key}-END.xlsx",
            kind="xlsx",
            digest="0" * 64,
            headers=["ชื่อผู้ร้อง"],
            status=ImportStatus.CHECKED,
            checked=True,
            rejected=1,
        )
        ImportProblem.objects.create(
            batch=batch, row_no=2, reasons=[["received_at", "x"]], values=[import_row(key)]
        )
        imports[key] = batch
    tips, tip_files = {}, {}
    for spec in TIPS:
        receipt = file_tip(
            files=[SimpleUploadedFile("evidence.jpg", JPEG, content_type="image/jpeg")],
            tipster_name=tipster(spec.key),
            tipster_phone="0891112233",
            accused_level=spec.accused_level,
            province=spec.province,
            district=spec.district,
            description=tip_text(spec.key),
        )
        tips[spec.key] = Tip.objects.get(tracking_no=receipt.tracking_no)
        assert tips[spec.key].level == spec.level, spec
        tip_files[spec.key] = tips[spec.key].files.get().pk
    # Open data: the files as the job builds them (public requests only read them).
    from layers.services.opendata import opendata_build

    opendata_build()
    world = World(
        officers,
        cases,
        attachments,
        regs,
        sessions,
        locked,
        tokens,
        keys,
        job.pk,
        imports,
        documents=documents,
        inbox=inbox,
    )
    world.tips, world.tip_files = tips, tip_files
    return world


def _scan(district: str, case) -> int:
    document = ScannedDocument(
        complaint=case,
        district_id=district,
        original_name=f"SCANNAME-{district}-{case.pk if case else 'inbox'}-END.png",
        content_type="image/png",
        size_bytes=len(SCAN),
        status="done",
        page_count=1,
        pages_done=1,
    )
    document.file.save("scan.png", ContentFile(SCAN), save=True)
    page = DocumentPage(document=document, number=1, text="", method="ocr")
    page.image.save("page.png", ContentFile(PAGE), save=True)
    return document.pk


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = str(tmp_path_factory.mktemp("matrix-media"))
    with module_data(django_db_blocker, build_world, media_root=media) as data:
        yield data


def client_for(world: World, who: Who) -> Client:
    client = Client()
    if not who.anonymous:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[who.key]
    return client


def raw_body(response) -> bytes:
    # The test client closes a streamed response once it is read (closing it again would fire
    # request_finished and close the database connection under the module's transaction).
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def body_of(response) -> str:
    return raw_body(response).decode("utf-8", errors="replace")


def assert_login_required(response, *, api: bool, label: str):
    if api:
        assert response.status_code in (401, 403), (label, response.status_code)
    else:
        assert response.status_code == 302, (label, response.status_code)
        assert response["Location"].startswith(reverse("login")), (label, response["Location"])


def assert_no_case_data(body: str, world: World, case_key: str, label: str):
    case = world.cases[case_key]
    for marker in (
        case.tracking_no,
        description(case_key),
        complainant(case_key),
        case.complainant_citizen_id,
    ):
        assert marker not in body, f"{label}: shows {marker!r} of case {case_key}"


def assert_matches_outside_show_only_allowed_fields(who: Who, body: str, label: str):
    """Duplicates and person matches (issue 8): of a case outside the officer's jurisdiction
    only its tracking number, district, province, date, category, status and the measures of
    the comparison; never a description or a person of any case."""
    data = json.loads(body)
    for namespace, key in (("duplicate", "results"), ("person_match", "people")):
        for row in data.get(key) or []:
            if not row["visible"]:
                shown = {k for k, v in row.items() if v is not None}
                assert shown <= MATCH_OUTSIDE_FIELDS[namespace], (label, shown)
    for case_key in CASE_KEYS:
        assert description(case_key) not in body and complainant(case_key) not in body, label


def _no_personal_data(body, world, case_key, label):
    case = world.cases[case_key]
    for marker in (complainant(case_key), case.complainant_citizen_id, case.complainant_phone):
        assert marker not in body, f"{label}: personal data {marker!r} shown"


# --- The URL table ----------------------------------------------------------------------------

CASE, AREA, OWN, PUBLIC, POST_ONLY = "case-bound", "area-bound", "own data", "public", "POST only"
# The citizen's pages: anyone, a case only with its number and PIN (the public role).
CITIZEN = "citizen"
# An object of one officer's own, by id in the path (an export job): only its owner opens it.
OWN_OBJECT = "own object"
# News (issue 11): public once published; drafts and the writing pages to the post's centre.
NEWS = "news"
# The anti-corruption channel's pages for handlers: a tip (or its file) in the path, their list,
# the centre's audit log (test_tip_bound_get, test_tip_list, test_tip_audit).
TIP_BOUND = "tip-bound"

URL_CLASSES = {
    # (a) case-bound
    "case_detail": CASE,
    "case_attachment": CASE,
    # A scanned letter of a case (its file and its page picture); the inbox's letters have
    # their own driver (test_inbox_documents_by_area).
    "document_file": CASE,
    "document_page": CASE,
    "team_case": CASE,
    "intake_done": CASE,
    "api:case-detail": CASE,
    "api:case-duplicates": CASE,
    "ogc:complaint-item": CASE,
    "open311:request": CASE,
    "open311:token": CASE,
    # (b) area-bound
    "province_map": AREA,
    "case_backlog": AREA,
    "case_overdue": AREA,
    "registration_list": AREA,
    "registration_detail": AREA,
    "lockout_list": AREA,
    "api:cases": AREA,
    "api:cases-backlog": AREA,
    "api:cases-overdue": AREA,
    "api:cases-summary": AREA,
    "api:complaints_geojson": AREA,
    "api:complaints_export": AREA,
    "tile": AREA,
    "statistics_area": AREA,
    "monthly_report": AREA,
    # Issue 8: suspected duplicates and repeat people of a district or province.
    "duplicate_review": AREA,
    # A point in the query: candidates nationwide, outside the area shown with fewer fields.
    "api:cases-duplicates": AREA,
    "api:cases-geojson": AREA,
    "dashboard": AREA,
    "api:stats-areas": AREA,
    "api:stats-figures": AREA,
    "api:stats-shapes": AREA,
    "ogc:complaint-items": AREA,
    "open311:requests": AREA,
    "api:complaints-grid": AREA,
    "heatmap": AREA,
    "tiles_base": AREA,
    # A spreadsheet import of a district, and its rejected rows.
    "import_detail": AREA,
    "import_rejected": AREA,
    # Search (issue 12): scoped, narrowed by area filters; people and texts for the entitled.
    "search": AREA,
    "api:search": AREA,
    # (c) own data
    "home": OWN,
    "case_bulk_close": OWN,
    "import_list": OWN,
    "dashboards": OWN,
    "profile": OWN,
    "password_change": OWN,
    "password_change_done": OWN,
    "case_notifications": OWN,
    "case_queue": OWN,
    "case_inbox": OWN,
    "team_home": OWN,
    "intake_new": OWN,
    "api:cases-queue": OWN,
    "api:cases-inbox": OWN,
    "api:team-cases": OWN,
    "api:team-cases-map": OWN,
    "statistics_home": OWN,
    "api:people-matches": OWN,
    "exports": OWN,
    "api:exports": OWN,
    "document_inbox": OWN,
    # (c') one officer's own objects
    "api:export-detail": OWN_OBJECT,
    "api:export-download": OWN_OBJECT,
    "export_download": OWN_OBJECT,
    # (d) public
    "login": PUBLIC,
    "register": PUBLIC,
    "register_done": PUBLIC,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,
    "password_reset_complete": PUBLIC,
    # The GIS API's public data and its schema (issue 10).
    "api:boundaries-level": PUBLIC,
    "api:categories": PUBLIC,
    "api:schema": PUBLIC,
    "api:docs": PUBLIC,
    # OGC API – Features' metadata and the boundaries; Open311's discovery and services.
    "ogc:landing": PUBLIC,
    "ogc:conformance": PUBLIC,
    "ogc:collections": PUBLIC,
    "ogc:collection": PUBLIC,
    "ogc:queryables": PUBLIC,
    "ogc:schema": PUBLIC,
    "ogc:boundary-items": PUBLIC,
    "ogc:boundary-item": PUBLIC,
    "open311:discovery": PUBLIC,
    "open311:services": PUBLIC,
    "open311:service": PUBLIC,
    "api:boundaries-file": PUBLIC,
    # Open data (issue 11): aggregates with small counts suppressed, for anyone.
    "open_data": PUBLIC,
    "open_data_package": PUBLIC,
    "open_data_file": PUBLIC,
    # News and activities (issue 11): driven by test_news_by_area.
    "news_list": NEWS,
    "news_area": NEWS,
    "news_detail": NEWS,
    "news_photo": NEWS,
    "news_feed": NEWS,
    "news_feed_atom": NEWS,
    "news_manage": NEWS,
    "news_new": NEWS,
    "news_edit": NEWS,
    "news_status": NEWS,
    # The anti-corruption channel: the public form and tracking page, the handlers' pages.
    "anticorruption": PUBLIC,
    "anticorruption_track": PUBLIC,
    "anticorruption_tips": TIP_BOUND,
    "anticorruption_audit": TIP_BOUND,
    "anticorruption_tip": TIP_BOUND,
    "anticorruption_tip_file": TIP_BOUND,
    # (f) the citizen's side (issue 11): open to everyone, showing a case only to whoever
    # typed its number and PIN in this browser session; the public geography behind it.
    "public_file": CITIZEN,
    "public_file_done": CITIZEN,
    "public_track": CITIZEN,
    "public_track_case": CITIZEN,
    "public_track_add": CITIZEN,
    "public_track_leave": CITIZEN,
    "api:boundaries-lookup": CITIZEN,
    "api:boundaries-search": CITIZEN,
    # (e) POST-only actions
    "anticorruption_tip_act": POST_ONLY,
    "case_action": POST_ONLY,
    "api:case-actions": POST_ONLY,
    "registration_approve": POST_ONLY,
    "registration_reject": POST_ONLY,
    "lockout_unlock": POST_ONLY,
    "logout": POST_ONLY,
    "import_action": POST_ONLY,
    # Personal API tokens: own rows only (test_api_tokens_touch_only_own_rows).
    "api_token_create": POST_ONLY,
    "api_token_revoke": POST_ONLY,
    # A scanned letter added to a case: driven by area in test_case_document_upload_by_area.
    "case_document_upload": POST_ONLY,
    # Reading a letter's text again: driven by area in test_document_read_again_by_area.
    "document_read_again": POST_ONLY,
}
# Walked past: Django's admin (staff only, its own permission system), the language switch
# (tested below as public) and static/media files.
SKIPPED_PREFIXES = (
    "admin/",
    "i18n/",
    settings.STATIC_URL.lstrip("/"),
    settings.MEDIA_URL.lstrip("/"),
)


def url_names(resolver=None, prefix: str = "", namespace: str = ""):
    """(name, route) of every pattern in the URL configuration, namespaces included."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern).lstrip("^")  # static() gives a regex
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern, route, ns)
        else:
            yield (f"{namespace}{pattern.name}" if pattern.name else None, route)


def test_every_url_is_classified():
    found = list(url_names())
    unnamed = [route for name, route in found if name is None]
    assert not unnamed, f"URLs without a name cannot be classified: {unnamed}"
    names = {name for name, _ in found}
    unclassified = sorted(names - set(URL_CLASSES))
    assert not unclassified, (
        f"Classify these URLs in URL_CLASSES of {__name__} (and give them a driver): {unclassified}"
    )
    stale = sorted(set(URL_CLASSES) - names)
    assert not stale, f"URL_CLASSES names URLs that no longer exist: {stale}"


def test_every_role_has_a_principal():
    assert {w.role or w.ac for w in PRINCIPALS if w.role or w.ac} == set(Role.values)


# --- (a) case-bound GETs ----------------------------------------------------------------------


@dataclass(frozen=True)
class CaseGet:
    api: bool
    gate: object  # who -> may open this kind of page at all (else 403)
    finds: object = sees  # (who, spec) -> 200 (else 404)
    shows_description: bool = True
    # The page names the case itself (a list of its duplicates names the others instead).
    shows_tracking_no: bool = True


def has_area(who: Who) -> bool:
    return who.role is not None


def sees_personal(who: Who) -> bool:
    # Scanned letters and photos name people: attachments follow the personal-data rule.
    return who.role in PERSONAL_DATA


def is_team_member(who: Who) -> bool:
    return who.role == Role.TEAM_MEMBER


def is_recorder(who: Who) -> bool:
    return who.role in RECORDERS


def _case_url(name: str, world: World, case_key: str) -> str:
    case = world.cases[case_key]
    if name == "case_attachment":
        return reverse(name, args=[case.tracking_no, world.attachments[case_key]])
    if name == "document_file":
        return reverse(name, args=[world.documents[case_key]])
    if name == "document_page":
        return reverse(name, args=[world.documents[case_key], 1])
    if name == "open311:request":
        return reverse(name, kwargs={"service_request_id": case.tracking_no, "fmt": "json"})
    if name == "open311:token":
        return reverse(name, kwargs={"token": token_of(case_key), "fmt": "json"})
    return reverse(name, args=[case.tracking_no])


CASE_GETS = {
    "case_detail": CaseGet(api=False, gate=has_area),
    "api:case-detail": CaseGet(api=True, gate=has_area),
    # GIS clients get the export's columns: never a description, whatever the role.
    "ogc:complaint-item": CaseGet(api=True, gate=has_area, shows_description=False),
    "open311:request": CaseGet(api=True, gate=has_area),
    # A token resolves to the tracking number only.
    "open311:token": CaseGet(api=True, gate=has_area, shows_description=False),
    "case_attachment": CaseGet(api=False, gate=sees_personal),
    "document_file": CaseGet(api=False, gate=sees_personal),
    "document_page": CaseGet(api=False, gate=sees_personal),
    "team_case": CaseGet(api=False, gate=is_team_member),
    # The receipt is found by author, not by area: a case pinned outside the recorder's
    # district is routed away and still has a receipt for them, with no personal data and no
    # description.
    "intake_done": CaseGet(
        api=False,
        gate=is_recorder,
        finds=lambda who, spec: spec.author == who.key,
        shows_description=False,
    ),
    # Its duplicates and the other cases of its people: never a name, an ID or a description.
    "api:case-duplicates": CaseGet(
        api=True, gate=has_area, shows_description=False, shows_tracking_no=False
    ),
}


@pytest.mark.parametrize("case_key", CASE_KEYS)
@pytest.mark.parametrize("url_name", sorted(CASE_GETS))
@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_case_bound_get(world, who_key, url_name, case_key):
    who, spec, ep = WHO[who_key], SPEC[case_key], CASE_GETS[url_name]
    label = f"{who_key} GET {url_name} of {case_key}"
    response = client_for(world, who).get(_case_url(url_name, world, case_key))
    raw = raw_body(response)
    body = raw.decode("utf-8", errors="replace")
    if who.anonymous:
        assert_login_required(response, api=ep.api, label=label)
        assert_no_case_data(body, world, case_key, label)
        return
    if not (ep.gate(who) and ep.finds(who, spec)):
        assert response.status_code in (403, 404), (label, response.status_code)
        assert_no_case_data(body, world, case_key, label)
        return
    assert response.status_code == 200, (label, response.status_code)
    if url_name == "case_attachment":
        assert raw == JPEG, label
        return
    if url_name in ("document_file", "document_page"):
        assert raw == (SCAN if url_name == "document_file" else PAGE), label
        return
    if ep.shows_tracking_no:
        assert world.cases[case_key].tracking_no in body, label
    else:
        assert_matches_outside_show_only_allowed_fields(who, body, label)
    if not ep.shows_description:
        assert description(case_key) not in body, label
        _no_personal_data(body, world, case_key, label)
    elif who.role not in PERSONAL_DATA:
        _no_personal_data(body, world, case_key, label)
        # Free text names people as often as the structured fields: withheld too.
        assert description(case_key) not in body, label
    elif url_name in ("case_detail", "api:case-detail"):
        assert complainant(case_key) in body, f"{label}: entitled, but no complainant shown"


# --- (a)/(e) case-bound POST actions ----------------------------------------------------------


@dataclass(frozen=True)
class CaseAction:
    api: bool
    gate: object
    ok: int  # the status of an applied note


CASE_POSTS = {
    "case_action": CaseAction(api=False, gate=has_area, ok=302),
    "api:case-actions": CaseAction(api=True, gate=has_area, ok=200),
    "team_case": CaseAction(api=False, gate=is_team_member, ok=302),
}


@pytest.mark.parametrize("case_key", CASE_KEYS)
@pytest.mark.parametrize("url_name", sorted(CASE_POSTS))
@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_case_bound_post(world, who_key, url_name, case_key):
    """A note (allowed in every status, by who works or holds the case): outsiders are refused
    and nothing changes; insiders are let through exactly where the workflow says."""
    who, spec, ep = WHO[who_key], SPEC[case_key], CASE_POSTS[url_name]
    label = f"{who_key} POST {url_name} of {case_key}"
    case = world.cases[case_key]
    before = snapshot(case)
    data = {"action": "note", "version": case.version, "text": f"NOTE by {who_key}"}
    client = client_for(world, who)
    url = _case_url(url_name, world, case_key)
    if ep.api:
        response = client.post(url, json.dumps(data), content_type="application/json")
    else:
        response = client.post(url, data)
    body = body_of(response)
    if who.anonymous:
        assert_login_required(response, api=ep.api, label=label)
    elif not (ep.gate(who) and sees(who, spec)):
        assert response.status_code in (403, 404), (label, response.status_code)
        assert_no_case_data(body, world, case_key, label)
    elif not may_note(who, spec):
        assert response.status_code == 403, (label, response.status_code)
    else:
        assert response.status_code == ep.ok, (label, response.status_code, body[:300])
        assert snapshot(case) != before, f"{label}: accepted but nothing recorded"
        return
    assert snapshot(case) == before, f"{label}: refused, yet the case changed"


# --- (b) area-bound ---------------------------------------------------------------------------


def visible(who: Who, *, where: str = "", open_only=False, overdue_only=False) -> set[str]:
    return {
        k
        for k, spec in SPEC.items()
        if sees(who, spec)
        and spec.area.startswith(where)
        and (spec.is_open or not open_only)
        and (spec.is_open and spec.overdue or not overdue_only)
    }


def numbers_in(world: World, body: str) -> set[str]:
    return {k for k, c in world.cases.items() if c.tracking_no in body}


def keys_of(world: World, tracking_numbers) -> set[str]:
    by_number = {c.tracking_no: k for k, c in world.cases.items()}
    return {by_number[n] for n in tracking_numbers if n in by_number}


# Filters that narrow the lists: none, the officer's own district, another district of the
# province, the other province.
AREA_FILTERS = {
    "all": {},
    "d4901": {"district": "4901"},
    "d4902": {"district": "4902"},
    "p48": {"province": "48"},
}
# The scoped case lists that take those filters.
FILTERED_LISTS = {
    "api:cases",
    "api:cases-geojson",
    "api:cases-backlog",
    "api:cases-overdue",
    "case_backlog",
    "case_overdue",
}


def _where(filters: dict) -> str:
    return filters.get("district") or filters.get("province") or ""


def covers_province(who: Who, province: str) -> bool:
    """Whether anything of the province is in the officer's area (province-level map/export)."""
    if who.role is None:
        return False
    if who.role in COUNTRY:
        return True
    return (who.province or who.district or "").startswith(province)


# q and filters of the search variants: (query, filters, matches people and texts only).
SEARCH_VARIANTS = {
    "category": ("ปัญหาที่ดิน", {}, False),
    "category-d4901": ("ปัญหาที่ดิน", {"district": "4901"}, False),
    "category-d4902": ("ปัญหาที่ดิน", {"district": "4902"}, False),
    "category-p48": ("ปัญหาที่ดิน", {"province": "48"}, False),
    "complainant": ("CMPL", {}, True),
    "description": ("DESC", {}, True),
}

AREA_VARIANTS = {
    **{name: list(AREA_FILTERS) for name in sorted(FILTERED_LISTS)},
    "api:cases-summary": ["by=team", "by=district", "by=province"],
    "province_map": ["49", "48"],
    "api:complaints_geojson": [
        "province=49",
        "province=48",
        "district=4901",
        "district=4902",
        "subdistrict=490101",
    ],
    "ogc:complaint-items": [
        "province=49",
        "province=48",
        "district=4901",
        "district=4902",
        "subdistrict=490101",
    ],
    # The same as CSV (a file written by GDAL; its tracking numbers are in the text).
    "api:complaints_export": [
        "province=49",
        "province=48",
        "district=4901",
        "district=4902",
        "subdistrict=490101",
    ],
    # Open311's list is scoped, and narrowed by area codes (no 403 for another area).
    "open311:requests": ["all", "district=4901", "province=48"],
    # One z=5 tile holds every case (Mukdahan and Nakhon Phanom): the viewer's, filtered.
    "tile": ["complaints", "complaints?province=49", "complaints?status=closed", "provinces"],
    # The intake check at the points of cases in and out of each officer's area.
    "api:cases-duplicates": ["490101", "4902", "48"],
    # Dashboards: the country, both provinces, a district inside and one beside the officers'.
    "dashboard": ["49", "48", "4901", "4902"],
    "api:stats-areas": ["", "49", "48", "4901", "4902"],
    "api:stats-figures": ["", "49", "48", "4901", "4902"],
    "api:stats-shapes": ["", "49", "48", "4901"],
    "registration_list": ["pending"],
    "lockout_list": ["all"],
    "statistics_area": ["49", "4901", "4902", "48"],
    # Last month's report of a province (no month is frozen in this world: queued, 202).
    "monthly_report": ["49", "48"],
    "duplicate_review": ["49", "4901", "4902", "48"],
    # Counts on hexagons: everything the officer sees, or one province of it.
    "api:complaints-grid": ["all", "province=49", "province=48"],
    # No area: the officer's own province (the national grid for the country level).
    "heatmap": ["own", "province=49", "province=48"],
    # The self-hosted base map: officers with a role (no file in the tests: 404).
    "tiles_base": ["0/0/0"],
    # Search: a public word every case holds (its category), within filters; a person's name
    # and a description, which only roles entitled to them may match.
    **{name: list(SEARCH_VARIANTS) for name in ("search", "api:search")},
}
AREA_CASES = [(name, v) for name, variants in AREA_VARIANTS.items() for v in variants]


def _area_request(name: str, variant: str) -> str:
    if name in ("search", "api:search"):
        q, filters, _people = SEARCH_VARIANTS[variant]
        paging = {"page_size": 100} if name == "api:search" else {}
        return f"{reverse(name)}?{urlencode({'q': q, **filters, **paging})}"
    if name in FILTERED_LISTS:
        page_size = {"page_size": 200} if name.startswith("api:") else {}
        return f"{reverse(name)}?{urlencode({**page_size, **AREA_FILTERS[variant]})}"
    if name == "province_map":
        return reverse(name, args=[variant])
    if name == "api:cases-duplicates":
        point = _subdistrict(variant).geom.point_on_surface
        return f"{reverse(name)}?lat={point.y}&lon={point.x}&category=land"
    if name == "lockout_list":
        return reverse(name)
    if name in ("statistics_area", "duplicate_review"):
        return reverse(name, args=[variant])
    if name == "monthly_report":
        month = Month.of(timezone.now()).previous().be_code
        return reverse(name, kwargs={"province": variant, "month": month, "fmt": "csv"})
    if name == "dashboard":
        return reverse(name, args=[variant])
    if name == "api:stats-shapes":
        from api.stats import shapes_url

        return shapes_url(variant)
    if name in ("api:stats-areas", "api:stats-figures"):
        return f"{reverse(name)}?parent={variant}"
    if name == "open311:requests":
        url = reverse(name, kwargs={"fmt": "json"})
        return url if variant == "all" else f"{url}?{variant}"
    if name == "api:complaints_export":
        return f"{reverse(name, kwargs={'extension': 'csv'})}?{variant}"
    if name == "tile":
        layer, _sep, query = variant.partition("?")
        z, x, y = WIDE_TILE
        url = reverse(name, kwargs={"layer": layer, "z": z, "x": x, "y": y})
        return f"{url}?{query}" if query else url
    if name == "tiles_base":
        return reverse(name, args=[int(n) for n in variant.split("/")])
    if name == "api:complaints-grid":
        return f"{reverse(name)}?cell=5000" + ("" if variant == "all" else f"&{variant}")
    if name == "heatmap" and variant == "own":
        return reverse(name)
    return f"{reverse(name)}?{variant}"


# z=5, x=25, y=14 holds Mukdahan and Nakhon Phanom.
WIDE_TILE = (5, 25, 14)


def tile_numbers(world: World, content: bytes) -> set[str]:
    decoded = mapbox_vector_tile.decode(content)
    found = decoded.get("complaints", {}).get("features", [])
    return keys_of(world, [f["properties"]["tracking_no"] for f in found])


# Roles with a dashboard: all but the sub-district team member (layers.selectors.dashboards).
DASHBOARD_ROLES = set(Role.values) - {Role.TEAM_MEMBER}


def opens_dashboard(who: Who, code: str) -> bool:
    """The viewer's own level and below: the country for the country roles, else the area of
    their role (a province, or a district for the district roles and the matrix's analyst)."""
    if who.role not in DASHBOARD_ROLES:
        return False
    if who.role in COUNTRY:
        return True
    return code.startswith(who.district or who.province)


def opens_statistics(who: Who, code: str) -> bool:
    """The whole area is theirs: the country level everything, a province role (or a GIS
    analyst of the province) its province and districts, a district role its district."""
    if who.role in COUNTRY:
        return True
    if who.role in (Role.GOVERNOR, Role.PROVINCE_OFFICER) or (
        who.role == Role.GIS_ANALYST and who.province
    ):
        return code[:2] == who.province
    if who.role in DISTRICT_ACTORS or (who.role == Role.GIS_ANALYST and who.district):
        return code == who.district
    return False


def reviews_duplicates(who: Who, code: str) -> bool:
    """The duplicates review names people: the roles entitled to them that work the whole area
    (not team members, not GIS analysts)."""
    if who.role in COUNTRY:
        return True
    if who.role in (Role.GOVERNOR, Role.PROVINCE_OFFICER):
        return code[:2] == who.province
    if who.role in DISTRICT_ACTORS:
        return code == who.district
    return False


def opens_report(who: Who, province: str) -> bool:
    """The monthly report goes to the governor's side: the province's governor and officers,
    and the country level."""
    if who.role in COUNTRY:
        return True
    return who.role in (Role.GOVERNOR, Role.PROVINCE_OFFICER) and who.province == province


@pytest.mark.parametrize("name,variant", AREA_CASES, ids=[f"{n}-{v}" for n, v in AREA_CASES])
@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_area_bound(world, who_key, name, variant):
    who = WHO[who_key]
    label = f"{who_key} GET {name} {variant}"
    api = name.startswith(("api:", "ogc:", "open311:")) or name == "tile"
    response = client_for(world, who).get(_area_request(name, variant))
    body = body_of(response)
    if name == "tile" and variant == "provinces":  # public geography: everyone, no case
        assert response.status_code == 200, (label, response.status_code)
        assert set(mapbox_vector_tile.decode(raw_body(response))) == {"provinces"}, label
        assert not numbers_in(world, body), label
        return
    if who.anonymous:
        assert_login_required(response, api=api, label=label)
        assert not numbers_in(world, body), label
        return

    def refused():
        assert response.status_code in (403, 404), (label, response.status_code)
        assert not numbers_in(world, body), label

    def shows_exactly(expected: set[str], shown: set[str]):
        assert response.status_code == 200, (label, response.status_code)
        assert not shown - expected, f"{label}: shows cases outside its area {shown - expected}"
        assert not expected - shown, f"{label}: misses cases of its area {expected - shown}"

    if who.role is None and name not in ("registration_list", "lockout_list"):
        return refused()
    dashboards = ("dashboard", "api:stats-areas", "api:stats-figures", "api:stats-shapes")
    if name not in (
        "province_map",
        "api:complaints_geojson",
        "ogc:complaint-items",
        "api:complaints_export",
        "tile",
        "registration_list",
        "lockout_list",
        "statistics_area",
        "monthly_report",
        "duplicate_review",
        *dashboards,
        "api:complaints-grid",
        "heatmap",
        "tiles_base",
    ):
        assert response.status_code == 200, (label, response.status_code)
    if name in FILTERED_LISTS:
        filters = AREA_FILTERS[variant]
        expected = visible(
            who,
            where=_where(filters),
            open_only=name not in ("api:cases", "api:cases-geojson"),
            overdue_only=name.endswith("overdue"),
        )
        if name == "api:cases-geojson":
            shown = keys_of(world, [f["id"] for f in response.json()["features"]])
        elif api:
            shown = keys_of(world, [r["tracking_no"] for r in response.json()["results"]])
        else:
            shown = numbers_in(world, body)
        shows_exactly(expected, shown)
        for key in set(CASE_KEYS) - expected:
            assert description(key) not in body, label
    elif name == "api:cases-summary":
        by = variant.split("=")[1]
        column = {"team": "assigned_team_id", "district": "district_id", "province": "province_id"}
        expected: dict = {}
        for key in visible(who, open_only=True):
            group = getattr(world.cases[key], column[by])
            expected[group] = expected.get(group, 0) + 1
        assert response.status_code == 200, (label, response.status_code)
        shown = {row["key"]: row["open"] for row in response.json()["results"]}
        assert shown == expected, label
    elif name == "province_map":
        if not covers_province(who, variant):
            return refused()
        shows_exactly(visible(who, where=variant), numbers_in(world, body))
    elif name == "open311:requests":
        where = "" if variant == "all" else variant.split("=")[1]
        ids = keys_of(world, [r["service_request_id"] for r in response.json()])
        shows_exactly(visible(who, where=where), ids)
        for key in CASE_KEYS:
            assert complainant(key) not in body, label
            if who.role not in PERSONAL_DATA or key not in ids:
                assert description(key) not in body, label
    elif name in ("api:complaints_geojson", "ogc:complaint-items"):
        field, code = variant.split("=")
        if not covers_province(who, code[:2]):
            return refused()
        assert response.status_code == 200, (label, response.status_code)
        ids = keys_of(world, [f["id"] for f in json.loads(body)["features"]])
        shows_exactly(visible(who, where=code), ids)
        for key in CASE_KEYS:  # an export carries no personal data and no free text
            assert description(key) not in body and complainant(key) not in body, label
    elif name == "api:cases-duplicates":
        # Nationwide: every case at the point, whoever's area holds it; the policy decides
        # what each shows (test_field_classification walks the fields).
        assert response.status_code == 200, (label, response.status_code)
        rows = response.json()["results"]
        expected = {
            k for k in CASE_KEYS if world.cases[k].subdistrict_id == _subdistrict(variant).code
        }
        assert keys_of(world, [r["tracking_no"] for r in rows]) == expected, label
        for row in rows:
            key = keys_of(world, [row["tracking_no"]]).pop()
            assert row["visible"] is sees(who, SPEC[key]), label
        assert_matches_outside_show_only_allowed_fields(who, body, label)
    elif name in dashboards:
        if not opens_dashboard(who, variant):
            return refused()
        assert response.status_code == 200, (label, response.status_code)
        assert not numbers_in(world, body), label  # figures by area, never a case
        if name in ("api:stats-areas", "api:stats-figures"):
            # Every case of the area, whoever asks (the viewer covers all of it).
            expected = len([k for k, spec in SPEC.items() if spec.area.startswith(variant)])
            assert response.json()["total"]["complaints"] == expected, label
    elif name == "api:complaints_export":
        field, code = variant.split("=")
        if not covers_province(who, code[:2]):
            return refused()
        assert response.status_code == 200, (label, response.status_code)
        assert body.startswith("\ufefftracking_no,"), label  # UTF-8 with a BOM
        shows_exactly(visible(who, where=code), numbers_in(world, body))
        for key in CASE_KEYS:
            assert description(key) not in body and complainant(key) not in body, label
    elif name == "tile":
        query = variant.partition("?")[2]
        if query == "province=49" and not covers_province(who, "49"):
            return refused()
        assert response.status_code == 200, (label, response.status_code)
        expected = visible(who, where="49" if query == "province=49" else "")
        if query == "status=closed":
            expected = {k for k in expected if SPEC[k].status == "closed"}
        shows_exactly(expected, tile_numbers(world, response.content))
        for key in CASE_KEYS:
            assert description(key) not in body and complainant(key) not in body, label
    elif name == "api:complaints-grid":
        where = "" if variant == "all" else variant.split("=")[1]
        if where and not covers_province(who, where):
            return refused()
        assert response.status_code == 200, (label, response.status_code)
        assert response.json()["total"] == len(visible(who, where=where)), label
        assert not numbers_in(world, body), label  # counts, never a case
    elif name == "heatmap":
        where = variant.split("=")[1] if "=" in variant else ""
        if where and not covers_province(who, where):
            return refused()
        if not where and who.role in COUNTRY:
            # The national map: hexagons fetched by the page, no case in it.
            assert response.status_code == 200, (label, response.status_code)
            assert not numbers_in(world, body), label
        else:
            shows_exactly(visible(who, where=where), numbers_in(world, body))
        for key in CASE_KEYS:  # no personal data, no free text on a map
            assert description(key) not in body and complainant(key) not in body, label
    elif name == "tiles_base":
        assert response.status_code == 404, (label, response.status_code)
    elif name == "registration_list":
        if not any(decides(who, r) for r in REGS):
            assert response.status_code == 403, (label, response.status_code)
            shown = set()
        else:
            assert response.status_code == 200, (label, response.status_code)
            shown = {k for k in REG if reg_name(k) in body}
        assert shown == {k for k, r in REG.items() if decides(who, r)}, label
    elif name == "lockout_list":
        expected = {k for k, lk in LOCK.items() if unlocks(who, lk)}
        if who.role not in (Role.ADMIN, Role.DISTRICT_CHIEF, Role.PROVINCE_OFFICER):
            assert response.status_code == 403, (label, response.status_code)
        else:
            assert response.status_code == 200, (label, response.status_code)
        shown = {k for k in LOCK if lock_name(k) in body}
        assert shown == expected, label
        for officer in world.locked.values():
            assert officer.citizen_id not in body, label
    elif name == "statistics_area":
        if not opens_statistics(who, variant):
            return refused()
        assert response.status_code == 200, (label, response.status_code)
        # Figures only, never a case: the area's cases counted, none named.
        assert not numbers_in(world, body), label
        shown = re.search(r'data-field="stats.complaints">([0-9]+)<', body)
        assert shown and int(shown.group(1)) == len(visible(who, where=variant)), label
    elif name == "duplicate_review":
        if not reviews_duplicates(who, variant):
            return refused()
        assert response.status_code == 200, (label, response.status_code)
        # Cases of the area are named only to those who see them; no case's text, and no
        # person of a case outside the officer's sight.
        for key in CASE_KEYS:
            assert description(key) not in body, label
            if SPEC[key].area.startswith(variant):
                assert sees(who, SPEC[key]), label
            if not sees(who, SPEC[key]):
                assert complainant(key) not in body, label
    elif name == "monthly_report":
        if not opens_report(who, variant):
            return refused()
        assert response.status_code == 202, (label, response.status_code)
        assert not numbers_in(world, body), label
    elif name in ("search", "api:search"):
        _q, filters, people = SEARCH_VARIANTS[variant]
        expected = visible(who, where=_where(filters))
        if people and not sees_personal(who):
            expected = set()  # the GIS analyst's search never matches a person or a text
        if name == "api:search":
            shown = keys_of(world, [r["tracking_no"] for r in response.json()["results"]])
        else:
            shown = numbers_in(world, body)
        shows_exactly(expected, shown)
        for key in set(CASE_KEYS) - expected:
            assert description(key) not in body and complainant(key) not in body, label
        if not sees_personal(who):
            for key in CASE_KEYS:
                _no_personal_data(body, world, key, label)
                assert description(key) not in body, label
    else:
        pytest.fail(f"{name} is in AREA_VARIANTS without a check here")


REG_ACTIONS = ("registration_detail", "registration_approve", "registration_reject")


@pytest.mark.parametrize("reg_key", list(REG))
@pytest.mark.parametrize("url_name", REG_ACTIONS)
@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_registration_requests_by_area(world, who_key, url_name, reg_key):
    """A registration request (names, citizen ID, phones) opens only to its approver."""
    who, reg = WHO[who_key], world.regs[reg_key]
    label = f"{who_key} {url_name} {reg_key}"
    url = reverse(url_name, args=[reg.pk])
    client = client_for(world, who)
    # An empty rejection note: an approver gets the form back (400), nothing decided.
    response = client.get(url) if url_name == "registration_detail" else client.post(url, {})
    body = body_of(response)
    reg.refresh_from_db()
    if who.anonymous:
        assert_login_required(response, api=False, label=label)
    elif not decides(who, REG[reg_key]):
        assert response.status_code in (403, 404), (label, response.status_code)
        assert reg_name(reg_key) not in body and reg.citizen_id not in body, label
    else:
        expected = {"registration_detail": 200, "registration_approve": 200}
        assert response.status_code == expected.get(url_name, 400), (label, response.status_code)
        if url_name == "registration_approve":
            assert reg.status == RegistrationRequest.Status.APPROVED, label
            return
    assert reg.status == RegistrationRequest.Status.PENDING, label


@pytest.mark.parametrize("lock_key", list(LOCK))
@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_unlocking_by_area(world, who_key, lock_key):
    """A locked account is unlocked only by an officer of its area (or an administrator)."""
    who, officer = WHO[who_key], world.locked[lock_key]
    label = f"{who_key} unlocks {lock_key}"
    response = client_for(world, who).post(reverse("lockout_unlock"), {"officer": officer.pk})
    left = AccessAttempt.objects.filter(username=officer.citizen_id).count()
    if who.anonymous:
        assert_login_required(response, api=False, label=label)
    elif not unlocks(who, LOCK[lock_key]):
        assert response.status_code in (403, 404), (label, response.status_code)
    else:
        assert response.status_code == 302, (label, response.status_code)
        assert left == 0, label
        return
    assert left == 1, f"{label}: refused, yet the lock changed"


# --- Spreadsheet imports and closing the backlog (issue 12) -------------------------------------

IMPORT_URLS = ("import_detail", "import_rejected", "import_action")


@pytest.mark.parametrize("import_key", list(IMPORTS))
@pytest.mark.parametrize("url_name", IMPORT_URLS)
@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_imports_by_area(world, who_key, url_name, import_key):
    """An import (its file name, its rows with people in them) opens only to the recorders of
    its district; its actions too."""
    who, batch = WHO[who_key], world.imports[import_key]
    label = f"{who_key} {url_name} {import_key}"
    url = reverse(url_name, args=[batch.pk])
    client = client_for(world, who)
    if url_name == "import_action":
        # Not yet allowed for anyone (the batch waits for its import): a 400 to those who
        # may act on it, a refusal to everyone else; nothing changes either way.
        response = client.post(url, {"action": "check"})
    else:
        response = client.get(url)
    body = body_of(response) if url_name != "import_rejected" else ""
    raw = raw_body(response)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CHECKED, label
    if who.anonymous:
        assert_login_required(response, api=False, label=label)
    elif not opens_import(who, IMPORTS[import_key]):
        assert response.status_code in (403, 404), (label, response.status_code)
    elif url_name == "import_action":
        assert response.status_code == 400, (label, response.status_code)
        return
    else:
        assert response.status_code == 200, (label, response.status_code)
        if url_name == "import_detail":
            assert import_row(import_key) in body and f"IMPFILE-{import_key}-END" in body, label
        else:
            assert raw.startswith(b"PK"), label
        return
    assert import_row(import_key).encode() not in raw, label
    assert f"IMPFILE-{import_key}-END".encode() not in raw, label


@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_the_import_list_shows_only_the_area_s_imports(world, who_key):
    who = WHO[who_key]
    body = body_of(client_for(world, who).get(reverse("import_list")))
    for key, district in IMPORTS.items():
        shown = f"IMPFILE-{key}-END" in body
        assert shown == (opens_import(who, district) and not who.anonymous), (who_key, key)


@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_closing_the_backlog_reaches_only_what_the_officer_may_close(world, who_key):
    """Every case's tracking number in the list: only the open cases of the officer's area
    are selected, only those the workflow lets them close are closed, one history row each;
    nothing else changes."""
    who = WHO[who_key]
    label = f"{who_key} closes the backlog"
    before = {key: snapshot(case) for key, case in world.cases.items()}
    selected = {k for k in CASE_KEYS if sees(who, SPEC[k]) and SPEC[k].is_open}
    response = client_for(world, who).post(
        reverse("case_bulk_close"),
        {
            "action": "close",
            "numbers": "\n".join(c.tracking_no for c in world.cases.values()),
            "result": "resolved",
            "note": "MATRIX-BULK-CLOSE",
            "confirm": "1",
            "expected_count": str(len(selected)),
        },
    )
    closed = {
        key
        for key, case in world.cases.items()
        if Complaint.objects.get(pk=case.pk).status == "closed" and SPEC[key].is_open
    }
    if who.anonymous:
        assert_login_required(response, api=False, label=label)
    elif not closes_backlog(who):
        assert response.status_code == 403, (label, response.status_code)
    elif not selected:
        assert response.status_code == 400, (label, response.status_code)
    else:
        assert response.status_code == 200, (label, response.status_code)
    expected = (
        {k for k in selected if may_close(who, SPEC[k])}
        if closes_backlog(who) and not who.anonymous
        else set()
    )
    assert closed == expected, f"{label}: closed {sorted(closed)}, expected {sorted(expected)}"
    for key, case in world.cases.items():
        if key not in expected:
            assert snapshot(case) == before[key], f"{label}: {key} changed"
        else:
            notes = case.history.filter(kind="closed", note="MATRIX-BULK-CLOSE").count()
            assert notes == 1, label
    # The numbers typed come back in their box; nothing else of a case outside the area.
    body = re.sub(r"<textarea name=\"numbers\".*?</textarea>", "", body_of(response), flags=re.S)
    for key in CASE_KEYS:
        if not sees(who, SPEC[key]):
            assert_no_case_data(body, world, key, label)


# --- (c) own data -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Own:
    api: bool
    gate: object  # else 403
    # (who, spec) -> the case is listed; None: the page lists no cases
    lists: object = None


def logged_in(who: Who) -> bool:
    return True


OWN_PAGES = {
    "home": Own(api=False, gate=logged_in),
    "dashboards": Own(api=False, gate=lambda who: who.role in DASHBOARD_ROLES),
    "profile": Own(api=False, gate=logged_in),
    "password_change": Own(api=False, gate=logged_in),
    "password_change_done": Own(api=False, gate=logged_in),
    "intake_new": Own(api=False, gate=is_recorder),
    "case_notifications": Own(api=False, gate=has_area),
    "case_queue": Own(api=False, gate=has_area, lists=in_queue),
    "case_inbox": Own(api=False, gate=has_area, lists=in_inbox),
    "api:cases-queue": Own(api=True, gate=has_area, lists=in_queue),
    "api:cases-inbox": Own(api=True, gate=has_area, lists=in_inbox),
    "team_home": Own(api=False, gate=is_team_member, lists=lambda w, s: s.team == "T1"),
    "api:team-cases": Own(api=True, gate=is_team_member, lists=lambda w, s: s.team == "T1"),
    "api:team-cases-map": Own(
        api=True, gate=is_team_member, lists=lambda w, s: s.team == "T1" and s.is_open
    ),
    # The viewer's own level of statistics: whole districts, provinces or the country.
    "statistics_home": Own(
        api=False, gate=lambda w: w.role is not None and w.role != Role.TEAM_MEMBER
    ),
    # The intake form's live check of a person (without a person: nothing to match).
    "api:people-matches": Own(api=True, gate=is_recorder),
    # Closing the backlog: by default the preview lists the open cases of the officer's area.
    "case_bulk_close": Own(api=False, gate=closes_backlog, lists=lambda w, s: s.is_open),
    "import_list": Own(api=False, gate=is_recorder),
    "exports": Own(api=False, gate=has_area),
    "api:exports": Own(api=True, gate=has_area),
    # The district's inbox of unrecorded letters: recorders only, their areas' letters
    # (test_inbox_documents_by_area checks which).
    "document_inbox": Own(api=False, gate=is_recorder),
}


def _listed_keys(world: World, name: str, response, body: str) -> set[str]:
    if name in ("api:cases-queue", "api:cases-inbox"):
        return keys_of(world, [r["tracking_no"] for r in response.json()["results"]])
    if name == "api:team-cases":
        data = response.json()
        return keys_of(world, [r["tracking_no"] for r in data["open"] + data["closed"]])
    if name == "api:team-cases-map":
        return keys_of(world, [f["id"] for f in response.json()["features"]])
    return numbers_in(world, body)


@pytest.mark.parametrize("name", sorted(OWN_PAGES))
@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_own_data(world, who_key, name):
    who, own = WHO[who_key], OWN_PAGES[name]
    label = f"{who_key} GET {name}"
    response = client_for(world, who).get(reverse(name))
    body = body_of(response)
    if who.anonymous and name == "home":
        # The public home (issue 11): filing, tracking and the officers' login; no case.
        assert response.status_code == 200, (label, response.status_code)
        assert reverse("public_file") in body and reverse("login") in body, label
        assert not numbers_in(world, body), label
        return
    if who.anonymous:
        assert_login_required(response, api=own.api, label=label)
        assert not numbers_in(world, body), label
        return
    # Whatever the page: nothing of a case outside the officer's area, nobody else's data.
    outside = {k for k in CASE_KEYS if not sees(who, SPEC[k])}
    for key in outside:
        assert_no_case_data(body, world, key, label)
    for other in WHO_KEYS:
        if other != who_key:
            assert surname(other) not in body, f"{label}: shows officer {other}"
            assert f"NOTICE-{other}-END" not in body, f"{label}: shows {other}'s notification"
            if other in world.officers:
                assert world.officers[other].citizen_id not in body, label
    if not own.gate(who):
        assert response.status_code == 403, (label, response.status_code)
        assert not numbers_in(world, body), label
        return
    assert response.status_code == 200, (label, response.status_code)
    if own.lists is not None:
        expected = {k for k in CASE_KEYS if sees(who, SPEC[k]) and own.lists(who, SPEC[k])}
        shown = _listed_keys(world, name, response, body)
        assert shown == expected, f"{label}: lists {sorted(shown)}, expected {sorted(expected)}"
    elif name == "case_notifications":
        assert f"NOTICE-{who_key}-END" in body, label
    elif name == "profile":
        assert surname(who_key) in body, label


@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_own_data_writes_touch_only_own_rows(world, who_key):
    """The POSTs of own-data pages: intake (the form and POST /api/cases/) records only for
    recording roles; "mark all read"
    marks the officer's own notifications, nobody else's."""
    who = WHO[who_key]
    client = client_for(world, who)
    cases_before = Complaint.objects.count()
    response = client.post(reverse("intake_new"), {})
    if who.anonymous:
        assert_login_required(response, api=False, label=who_key)
    elif not is_recorder(who):
        assert response.status_code == 403, (who_key, response.status_code)
    else:
        assert response.status_code == 400, (who_key, response.status_code)  # empty form
    assert Complaint.objects.count() == cases_before

    # POST /api/cases/ (issue 8): the same service, for the same roles. Pinned on a case of
    # Nakhon Phanom (48): that case is among the candidates, with only the allowed fields for
    # an officer who may not open it, and nothing of any case's people or texts.
    response = client.post("/api/cases/", "{}", content_type="application/json")
    if who.anonymous:
        assert_login_required(response, api=True, label=who_key)
    else:
        assert response.status_code == (400 if is_recorder(who) else 403), who_key
    target = world.cases["p48_received"]
    payload = {
        "lat": target.location.y,
        "lon": target.location.x,
        "category": target.category.code,
        "subcategory": target.subcategory.code if target.subcategory_id else "",
        "subcategory_text": target.subcategory_text,
        "channel": "walk_in",
        "complainant_name": "x",
        "description": "x",
    }
    response = client.post("/api/cases/", json.dumps(payload), content_type="application/json")
    body = body_of(response)
    if who.anonymous:
        assert_login_required(response, api=True, label=who_key)
    elif not is_recorder(who):
        assert response.status_code == 403, (who_key, response.status_code)
    else:
        assert response.status_code == 201, (who_key, response.status_code, body[:300])
        rows = json.loads(body)["duplicates"]
        assert target.tracking_no in {r["tracking_no"] for r in rows}, who_key
        for row in rows:
            assert row["visible"] == (who.role in COUNTRY), (who_key, row)
            if not row["visible"]:
                shown = {k for k, v in row.items() if v is not None}
                assert shown <= MATCH_OUTSIDE_FIELDS["duplicate"], (who_key, shown)
    for case_key in CASE_KEYS:
        assert description(case_key) not in body and complainant(case_key) not in body
    assert Complaint.objects.count() == cases_before + (1 if response.status_code == 201 else 0)

    response = client.post(reverse("case_notifications"))
    unread = set(
        Notification.objects.filter(read_at__isnull=True).values_list("message", flat=True)
    )
    for other in world.officers:
        told = f"NOTICE-{other}-END"
        expect_read = other == who_key and has_area(who)
        assert (told not in unread) == expect_read, f"{who_key} marked {other}'s notifications"
    if who.anonymous:
        assert_login_required(response, api=False, label=who_key)
    elif not has_area(who):
        assert response.status_code == 403, (who_key, response.status_code)


# --- (c') own objects ------------------------------------------------------------------------

# An export job of the district officer's: its status (API) and its file (API and page).
OWN_OBJECTS = {"api:export-detail": True, "api:export-download": True, "export_download": False}


@pytest.mark.parametrize("name", sorted(OWN_OBJECTS))
@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_own_objects_open_to_their_owner_only(world, who_key, name):
    who = WHO[who_key]
    label = f"{who_key} GET {name}"
    response = client_for(world, who).get(reverse(name, args=[world.export_job]))
    raw = raw_body(response)
    if who.anonymous:
        assert_login_required(response, api=OWN_OBJECTS[name], label=label)
    elif who_key != "district_officer":
        assert response.status_code in (403, 404), (label, response.status_code)
    else:
        assert response.status_code == 200, (label, response.status_code)
        if name == "api:export-detail":
            assert response.json()["id"] == world.export_job, label
        else:
            assert raw == EXPORT_BYTES, label
        return
    assert b"MATRIX-EXPORT-FILE" not in raw and b"complaints_4901" not in raw, label


# --- (d) public -------------------------------------------------------------------------------

PUBLIC_URLS = {
    "ogc:landing": {},
    "ogc:conformance": {},
    "ogc:collections": {},
    "ogc:collection": {"collection_id": "complaints"},
    "ogc:queryables": {"collection_id": "complaints"},
    "ogc:schema": {"collection_id": "complaints"},
    "ogc:boundary-items": {"collection_id": "subdistricts"},
    "ogc:boundary-item": {"collection_id": "provinces", "code": "49"},
    "open311:discovery": {"fmt": "json"},
    "open311:services": {"fmt": "json"},
    "open311:service": {"service_code": "other", "fmt": "json"},
    "login": {},
    "register": {},
    "register_done": {},
    "password_reset": {},
    "password_reset_done": {},
    "password_reset_confirm": {"uidb64": "MQ", "token": "bad-token"},
    "password_reset_complete": {},
    "api:boundaries-level": {"level": "subdistricts"},
    "api:categories": {},
    "api:schema": {},
    "api:docs": {},
    "api:boundaries-file": {"level": "provinces", "extension": "geojson"},
    "open_data": {},
    "open_data_package": {},
    "open_data_file": {"name": "complaints-monthly.csv"},
    "anticorruption": {},
    "anticorruption_track": {},
}


@pytest.mark.parametrize("name", sorted(PUBLIC_URLS))
def test_public_pages_need_no_login(world, name):
    response = Client().get(reverse(name, kwargs=PUBLIC_URLS[name]))
    assert response.status_code == 200, (name, response.status_code)
    assert not numbers_in(world, body_of(response)), name


def test_the_language_switch_needs_no_login(world):
    response = Client().post(
        reverse("set_language"), {"language": "en", "next": "/accounts/login/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


# --- (e) POST only ----------------------------------------------------------------------------


def _post_only_url(world: World, name: str) -> str:
    if name in ("case_action", "api:case-actions", "case_document_upload"):
        return reverse(name, args=[world.cases["t1_assigned"].tracking_no])
    if name.startswith("registration_"):
        return reverse(name, args=[world.regs["reg_d4901"].pk])
    if name == "import_action":
        return reverse(name, args=[world.imports["imp_d4901"].pk])
    if name == "api_token_revoke":
        return reverse(name, args=[world.tokens["district_chief"].pk])
    if name == "anticorruption_tip_act":
        return reverse(name, args=[world.tips["tip_local_4901"].tracking_no])
    if name == "document_read_again":
        return reverse(name, args=[world.documents["t1_assigned"]])
    return reverse(name)


@pytest.mark.parametrize("name", sorted(n for n, c in URL_CLASSES.items() if c == POST_ONLY))
def test_post_only_actions_refuse_a_get(world, name):
    # The approver of everything above (district chief of 4901 for reg_d4901, district actor of
    # the case): a GET changes nothing even for them.
    client = client_for(world, WHO["district_chief"])
    case = world.cases["t1_assigned"]
    before = snapshot(case)
    response = client.get(_post_only_url(world, name))
    assert response.status_code == 405, (name, response.status_code)
    assert snapshot(case) == before
    reg = RegistrationRequest.objects.get(pk=world.regs["reg_d4901"].pk)
    assert reg.status == RegistrationRequest.Status.PENDING


def test_logout_is_a_post_open_to_anyone(world):
    response = Client().post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert isinstance(response.wsgi_request.user, AnonymousUser)


# --- A token is its officer -------------------------------------------------------------------


def _api_gets(world: World) -> list[str]:
    point = _subdistrict("4902").geom.point_on_surface
    urls = [
        "/api/cases/?page_size=200",
        "/api/cases/?page_size=200&district=4901",
        "/api/cases.geojson?page_size=200",
        "/api/cases.geojson?province=48",
        "/api/cases/queue/",
        "/api/cases/inbox/",
        "/api/cases/backlog/?page_size=200",
        "/api/cases/overdue/",
        "/api/cases/backlog/summary/?by=team",
        "/api/complaints.geojson?province=49",
        "/api/complaints.geojson?province=48",
        f"/api/boundaries/lookup?lat={point.y}&lon={point.x}",
        "/api/team/cases",
        "/api/team/cases.geojson",
        "/api/boundaries/districts/?province=49&zoom=6",
    ]
    urls += [f"/api/cases/{case.tracking_no}/" for case in world.cases.values()]
    return urls


@pytest.mark.parametrize("who_key", [k for k in WHO_KEYS if not WHO[k].anonymous])
def test_a_token_sees_exactly_what_its_officers_session_sees(world, who_key):
    """Issue 10: a token acts with its officer's role and area — the same scope and the same
    withheld fields as their session, on every API read, for every principal."""
    session = client_for(world, WHO[who_key])
    token = Client(HTTP_AUTHORIZATION=f"Token {world.keys[who_key]}")
    for url in _api_gets(world):
        by_session, by_token = session.get(url), token.get(url)
        label = f"{who_key} GET {url}"
        assert by_token.status_code == by_session.status_code, (label, by_token.status_code)
        assert by_token.status_code < 500, label
        assert json.loads(body_of(by_token)) == json.loads(body_of(by_session)), label


@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_api_tokens_touch_only_own_rows(world, who_key):
    """Creating adds a token to the officer's own list; revoking another's is a 404 and
    changes nothing."""
    who = WHO[who_key]
    client = client_for(world, who)
    others = [t for k, t in world.tokens.items() if k != who_key]
    before = ApiToken.objects.filter(revoked_at__isnull=False).count()
    for token in others:
        response = client.post(reverse("api_token_revoke", args=[token.pk]))
        if who.anonymous:
            assert_login_required(response, api=False, label=who_key)
        else:
            assert response.status_code == 404, (who_key, response.status_code)
    assert ApiToken.objects.filter(revoked_at__isnull=False).count() == before
    count = ApiToken.objects.count()
    response = client.post(reverse("api_token_create"), {"name": "mine", "days": "30"})
    if who.anonymous:
        assert_login_required(response, api=False, label=who_key)
        assert ApiToken.objects.count() == count
    elif who.role is None:
        assert response.status_code == 403, (who_key, response.status_code)
        assert ApiToken.objects.count() == count
    else:
        assert response.status_code == 200, (who_key, response.status_code)
        assert ApiToken.objects.filter(officer=world.officers[who_key], name="mine").exists()
        assert ApiToken.objects.count() == count + 1
    if not who.anonymous:
        own = world.tokens[who_key]
        assert client.post(reverse("api_token_revoke", args=[own.pk])).status_code == 302
        own.refresh_from_db()
        assert own.revoked_at is not None
        answer = Client(HTTP_AUTHORIZATION=f"Token {world.keys[who_key]}").get("/api/cases/")
        assert answer.status_code == 401 and answer.json()["code"] == "token_revoked"


# --- News and activities (issue 11) ----------------------------------------------------------

# The rule, written from the issue: district officers write for their district, province
# officers for their province and its districts; nobody else writes, and a draft is seen by
# nobody else (404, as if it did not exist).
NEWS_WRITERS = {"district_officer": ("4901", None), "province_officer": (None, "49")}


def manages_news(who: Who, area: str) -> bool:
    if who.key not in NEWS_WRITERS:
        return False
    district, province = NEWS_WRITERS[who.key]
    return area == district or area[:2] == province


@pytest.fixture
def news_posts(world):
    from io import BytesIO

    from django.contrib.gis.geos import Point
    from PIL import Image

    from layers.models import NewsPost, NewsStatus
    from layers.services.news import news_save

    def photo(name):
        buffer = BytesIO()
        Image.new("RGB", (64, 48), (10, 120, 200)).save(buffer, "JPEG")
        upload = ContentFile(buffer.getvalue(), name=name)
        upload.size = len(buffer.getvalue())
        return upload

    def post(title, status):
        data = {
            "area": "4901",
            "title": title,
            "leader": "นายอำเภอ LEADER",
            "activity_date": "2026-11-20",
            "activity_time": "09:30",
            "place_name": "ศาลาประชาคม",
            "lat": "16.5435",
            "lon": "104.7235",
            "body": f"BODY-{title}",
        }
        made = news_save(
            officer=world.officers["district_officer"], data=data, photos=[photo("p.jpg")]
        )
        if status == NewsStatus.PUBLISHED:
            NewsPost.objects.filter(pk=made.pk).update(status=status, published_at=timezone.now())
        return made

    posts = {
        "d4901_draft": post("NEWS-DRAFT-4901", NewsStatus.DRAFT),
        "d4901_pub": post("NEWS-PUB-4901", NewsStatus.PUBLISHED),
        "p48_draft": NewsPost.objects.create(
            province_id="48",
            title="NEWS-DRAFT-48",
            leader="x",
            activity_date=date(2026, 11, 20),
            place_name="x",
            location=Point(104.7786, 17.4075, srid=4326),
            body="x",
        ),
    }
    return {k: NewsPost.objects.get(pk=v.pk) for k, v in posts.items()}


NEWS_URLS = {
    # name: (path arguments by post key, or a fixed list)
    "news_list": None,
    "news_area": None,
    "news_detail": None,
    "news_photo": None,
    "news_feed": None,
    "news_feed_atom": None,
    "news_manage": None,
    "news_new": None,
    "news_edit": None,
    "news_status": None,
}
DRAFT_TITLES = ("NEWS-DRAFT-4901", "NEWS-DRAFT-48")


@pytest.mark.parametrize("name", sorted(NEWS_URLS))
@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_news_by_area(world, news_posts, who_key, name):
    who = WHO[who_key]
    client = client_for(world, who)
    label = f"{who_key} {name}"
    writer = who.key in NEWS_WRITERS
    if name in ("news_list", "news_feed", "news_feed_atom", "news_area"):
        urls = (
            [reverse(name)]
            if name != "news_area"
            else [reverse(name, args=[code]) for code in ("49", "4901")]
        )
        for url in urls:
            response = client.get(url)
            body = body_of(response)
            assert response.status_code == 200, (label, url, response.status_code)
            assert "NEWS-PUB-4901" in body, (label, url)
            for title in DRAFT_TITLES:
                assert title not in body, (label, url, title)
        if name == "news_area":
            assert "NEWS-PUB-4901" not in body_of(client.get(reverse(name, args=["48"])))
        return
    if name in ("news_detail", "news_photo"):
        for key, post in news_posts.items():
            target = post.pk if name == "news_detail" else None
            if name == "news_photo":
                first = post.photos.first()
                if first is None:
                    continue
                target = first.pk
            response = client.get(reverse(name, args=[target]))
            visible = post.is_published or manages_news(who, post.area_code)
            assert response.status_code == (200 if visible else 404), (label, key)
            if not visible:
                assert post.title not in body_of(response), (label, key)
        return
    if name in ("news_manage", "news_new"):
        response = client.get(reverse(name))
        if who.anonymous:
            assert_login_required(response, api=False, label=label)
        elif not writer:
            assert response.status_code == 403, (label, response.status_code)
        else:
            assert response.status_code == 200, (label, response.status_code)
        body = body_of(response)
        assert "NEWS-DRAFT-48" not in body, label
        assert ("NEWS-DRAFT-4901" in body) == (writer and name == "news_manage"), label
        return
    if name == "news_edit":
        for key, post in news_posts.items():
            response = client.get(reverse(name, args=[post.pk]))
            if who.anonymous:
                assert_login_required(response, api=False, label=label)
            elif not writer:
                assert response.status_code == 403, (label, key)
            elif manages_news(who, post.area_code):
                assert response.status_code == 200 and post.title in body_of(response), label
            else:
                assert response.status_code == 404, (label, key)
                assert post.title not in body_of(response), (label, key)
        return
    assert name == "news_status"
    from layers.models import NewsPost

    for key, post in news_posts.items():
        url = reverse(name, args=[post.pk])
        refused = client.get(url)
        if who.anonymous:
            assert_login_required(refused, api=False, label=label)
        else:
            assert refused.status_code == 405, (label, refused.status_code)
        response = client.post(url, {"action": "publish"})
        now = NewsPost.objects.get(pk=post.pk).status
        if who.anonymous:
            assert_login_required(response, api=False, label=label)
        elif not writer:
            assert response.status_code == 403, (label, key)
        elif not manages_news(who, post.area_code):
            assert response.status_code == 404, (label, key)
        else:
            assert response.status_code == 302, (label, key)
            assert now == "published", (label, key)
            continue
        assert now == post.status, (label, key)


# --- The anti-corruption channel's pages (issue 11) ---------------------------------------------

TIP_GETS = ("anticorruption_tip", "anticorruption_tip_file")


def assert_no_tip_data(body: str, world: World, tip_key: str, label: str):
    for marker in (world.tips[tip_key].tracking_no, tipster(tip_key), tip_text(tip_key)):
        assert marker not in body, f"{label}: shows {marker!r} of {tip_key}"


def _tip_url(name: str, world: World, tip_key: str) -> str:
    number = world.tips[tip_key].tracking_no
    if name == "anticorruption_tip_file":
        return reverse(name, args=[number, world.tip_files[tip_key]])
    return reverse(name, args=[number])


@pytest.mark.parametrize("tip_key", list(TIP))
@pytest.mark.parametrize("url_name", TIP_GETS)
@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_tip_bound_get(world, who_key, url_name, tip_key):
    """A tip and its evidence open only to the handlers of its area; each opening is an audit
    row (who, what), a refusal writes none."""
    who, tip = WHO[who_key], world.tips[tip_key]
    label = f"{who_key} GET {url_name} of {tip_key}"
    before = TipAudit.objects.filter(tip=tip).count()
    response = client_for(world, who).get(_tip_url(url_name, world, tip_key))
    raw = raw_body(response)
    body = raw.decode("utf-8", errors="replace")
    if who.anonymous:
        assert_login_required(response, api=False, label=label)
    elif not handles(who, TIP[tip_key]):
        assert response.status_code in (403, 404), (label, response.status_code)
        # Only the handlers' roles learn that tips exist at all: everyone else is refused
        # before any tip is looked up.
        assert response.status_code == (404 if who.ac else 403), label
    else:
        assert response.status_code == 200, (label, response.status_code)
        if url_name == "anticorruption_tip_file":
            assert raw == JPEG, label
        else:
            assert tipster(tip_key) in body and tip_text(tip_key) in body, label
        audit = TipAudit.objects.filter(tip=tip).order_by("-pk")
        assert audit.count() == before + 1, label
        assert audit.first().officer == world.officers[who_key], label
        return
    assert_no_tip_data(body, world, tip_key, label)
    assert TipAudit.objects.filter(tip=tip).count() == before, f"{label}: refused, yet audited"


@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_tip_list(world, who_key):
    """The handlers' list: exactly the tips of their area, never a tipster; nobody else gets a
    list, a count or a number."""
    who = WHO[who_key]
    label = f"{who_key} GET anticorruption_tips"
    response = client_for(world, who).get(reverse("anticorruption_tips"))
    body = body_of(response)
    if who.anonymous:
        assert_login_required(response, api=False, label=label)
    elif who.ac is None:
        assert response.status_code == 403, (label, response.status_code)
    else:
        assert response.status_code == 200, (label, response.status_code)
        shown = {k for k, t in world.tips.items() if t.tracking_no in body}
        assert shown == {k for k in TIP if handles(who, TIP[k])}, label
    for key in TIP:
        assert tipster(key) not in body, label
        if not handles(who, TIP[key]):
            assert_no_tip_data(body, world, key, label)


@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_tip_audit(world, who_key):
    """The audit log is the centre's: coordinators and reporters do not read it."""
    who = WHO[who_key]
    label = f"{who_key} GET anticorruption_audit"
    number = world.tips["tip_local_4901"].tracking_no
    client = client_for(world, WHO["ac_reporter"])
    assert client.get(reverse("anticorruption_tip", args=[number])).status_code == 200
    response = client_for(world, who).get(reverse("anticorruption_audit"), {"tip": number})
    body = body_of(response)
    if who.anonymous:
        assert_login_required(response, api=False, label=label)
    elif who.ac != Role.AC_CENTRE:
        assert response.status_code == 403, (label, response.status_code)
        assert number not in body, label
    else:
        assert response.status_code == 200, (label, response.status_code)
        assert number in body and surname("ac_reporter") in body, label
    for key in TIP:
        assert tipster(key) not in body and tip_text(key) not in body, label


@pytest.mark.parametrize("tip_key", list(TIP))
@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_tip_action(world, who_key, tip_key):
    """A note on a tip: its handlers only; a refusal changes nothing."""
    who, tip = WHO[who_key], world.tips[tip_key]
    label = f"{who_key} POST a note on {tip_key}"
    events = tip.events.count()
    response = client_for(world, who).post(
        reverse("anticorruption_tip_act", args=[tip.tracking_no]),
        {"action": "note", "version": tip.version, "note": f"NOTE by {who_key}"},
    )
    if who.anonymous:
        assert_login_required(response, api=False, label=label)
    elif not handles(who, TIP[tip_key]):
        assert response.status_code in (403, 404), (label, response.status_code)
        assert_no_tip_data(body_of(response), world, tip_key, label)
    else:
        assert response.status_code == 302, (label, response.status_code)
        assert tip.events.count() == events + 1, label
        return
    assert tip.events.count() == events, f"{label}: refused, yet the tip changed"


# --- Scanned documents (issue 12) -------------------------------------------------------------


def sees_inbox(who: Who, district: str) -> bool:
    """The inbox of unrecorded letters of a district: the officers who record cases there (its
    district officer, its province's officer, central), never anyone else."""
    if who.role not in RECORDERS:
        return False
    if who.role in COUNTRY:
        return True
    return district.startswith(who.district or who.province or "-")


@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_inbox_documents_by_area(world, who_key):
    who = WHO[who_key]
    client = client_for(world, who)
    page = client.get(reverse("document_inbox"))
    listing = body_of(page)
    for district, pk in world.inbox.items():
        label = f"{who_key} inbox letter of {district}"
        name = f"SCANNAME-{district}-inbox-END.png"
        response = client.get(reverse("document_file", args=[pk]))
        picture = client.get(reverse("document_page", args=[pk, 1]))
        if who.anonymous:
            assert_login_required(response, api=False, label=label)
            assert_login_required(picture, api=False, label=label)
        elif sees_inbox(who, district):
            assert response.status_code == 200 and raw_body(response) == SCAN, label
            assert picture.status_code == 200 and raw_body(picture) == PAGE, label
            assert name in listing, label
        else:
            assert response.status_code in (403, 404), (label, response.status_code)
            assert picture.status_code in (403, 404), (label, picture.status_code)
            assert name not in listing, label
        # Another case's letters are never listed in an inbox.
        for key in CASE_KEYS:
            assert (
                f"SCANNAME-{world.cases[key].district_id}-{world.cases[key].pk}-END" not in listing
            )


@pytest.mark.parametrize("case_key", CASE_KEYS)
@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_case_document_upload_by_area(world, who_key, case_key):
    """A scanned letter added to a case: who may add a note to it and see its files; the
    others are refused and nothing is added."""
    who, spec = WHO[who_key], SPEC[case_key]
    case = world.cases[case_key]
    label = f"{who_key} uploads a letter to {case_key}"
    before = ScannedDocument.objects.filter(complaint=case).count()
    upload = SimpleUploadedFile("letter.png", SCAN, content_type="image/png")
    response = client_for(world, who).post(
        reverse("case_document_upload", args=[case.tracking_no]), {"file": upload}
    )
    after = ScannedDocument.objects.filter(complaint=case).count()
    if who.anonymous:
        assert_login_required(response, api=False, label=label)
    elif not sees(who, spec):
        assert response.status_code in (403, 404), (label, response.status_code)
        assert_no_case_data(body_of(response), world, case_key, label)
    elif not (sees_personal(who) and may_note(who, spec)):
        assert response.status_code == 403, (label, response.status_code)
    else:
        assert response.status_code == 302, (label, response.status_code)
        assert after == before + 1, label
        return
    assert after == before, f"{label}: refused, yet a document was added"


@pytest.mark.parametrize("case_key", CASE_KEYS)
@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_document_read_again_by_area(world, who_key, case_key):
    """Reading a case's letter again: who may add to the case and see its files; the others
    are refused and nothing is queued."""
    who, spec = WHO[who_key], SPEC[case_key]
    pk = world.documents[case_key]
    label = f"{who_key} reads again a letter of {case_key}"
    response = client_for(world, who).post(reverse("document_read_again", args=[pk]))
    status = ScannedDocument.objects.get(pk=pk).status
    if who.anonymous:
        assert_login_required(response, api=False, label=label)
    elif not (sees(who, spec) and sees_personal(who)):
        assert response.status_code in (403, 404), (label, response.status_code)
    elif not may_note(who, spec):
        assert response.status_code == 403, (label, response.status_code)
    else:
        assert response.status_code == 302, (label, response.status_code)
        assert status == "queued", label
        return
    assert status == "done", f"{label}: refused, yet queued again"


# --- Every URL of a class has a driver --------------------------------------------------------


def test_every_classified_url_is_exercised():
    drivers = {
        CASE: set(CASE_GETS),
        AREA: set(AREA_VARIANTS) | {"registration_detail", "import_detail", "import_rejected"},
        OWN: set(OWN_PAGES),
        PUBLIC: set(PUBLIC_URLS),
        POST_ONLY: {n for n, c in URL_CLASSES.items() if c == POST_ONLY},
        OWN_OBJECT: set(OWN_OBJECTS),
        NEWS: set(NEWS_URLS),
        TIP_BOUND: {*TIP_GETS, "anticorruption_tips", "anticorruption_audit"},
        CITIZEN: set(CITIZEN_GETS),
    }
    for kind, names in drivers.items():
        classified = {n for n, c in URL_CLASSES.items() if c == kind}
        assert classified == names, (kind, classified ^ names)
    # The POST-only actions on a case, a registration request or a lock are driven by area too.
    assert {"case_action", "api:case-actions"} <= set(CASE_POSTS)
    assert {"registration_approve", "registration_reject"} <= set(REG_ACTIONS)
    assert "lockout_unlock" in URL_CLASSES  # driven by test_unlocking_by_area
    # Driven by test_api_tokens_touch_only_own_rows.
    assert {"api_token_create", "api_token_revoke"} <= set(URL_CLASSES)


# --- (f) the citizen's side and the public role (issue 11) --------------------------------------

PIN = "24681357"


def _lookup_url(code: str) -> str:
    point = _subdistrict(code).geom.point_on_surface
    return f"{reverse('api:boundaries-lookup')}?lat={point.y}&lon={point.x}"


# name -> (url, expected status for everyone, what the body must hold)
CITIZEN_GETS = {
    "public_file": lambda: (reverse("public_file"), 200),
    # Nothing filed in this session: back to the tracking form, no receipt.
    "public_file_done": lambda: (reverse("public_file_done"), 302),
    "public_track": lambda: (reverse("public_track"), 200),
    # No number + PIN typed in this session: officers too are sent to the form.
    "public_track_case": lambda: (reverse("public_track_case"), 302),
    "public_track_add": lambda: (reverse("public_track_add"), 405),
    "public_track_leave": lambda: (reverse("public_track_leave"), 405),
    "api:boundaries-lookup": lambda: (_lookup_url("4902"), 200),
    "api:boundaries-search": lambda: (f"{reverse('api:boundaries-search')}?q=Nakhon Phanom", 200),
}


@pytest.mark.parametrize("name", sorted(CITIZEN_GETS))
@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_citizen_pages_are_open_to_all_and_show_no_case(world, who_key, name):
    who = WHO[who_key]
    url, status = CITIZEN_GETS[name]()
    response = client_for(world, who).get(url)
    label = f"{who_key} GET {name}"
    assert response.status_code == status, (label, response.status_code)
    body = body_of(response)
    assert not numbers_in(world, body), label
    if status == 302:
        assert response["Location"] == reverse("public_track"), label
    if name == "api:boundaries-lookup":
        assert response.json()["subdistrict_code"] == _subdistrict("4902").code, label
    if name == "api:boundaries-search":
        assert response.json()["results"][0]["code"] == "48", label


def _with_pin(world: World, case_key: str) -> Complaint:
    from layers.services.tracking import pin_digest

    case = world.cases[case_key]
    Complaint.objects.filter(pk=case.pk).update(pin_hash=pin_digest(case.tracking_no, PIN))
    return case


@pytest.mark.parametrize("case_key", CASE_KEYS)
def test_the_public_role_sees_only_the_case_of_its_number_and_pin(world, case_key):
    """The public role: whoever typed a case's number and PIN sees that case (its public
    part) and no other; the same PIN with another case's number opens nothing."""
    case = _with_pin(world, case_key)
    client = Client()
    response = client.post(reverse("public_track"), {"tracking_no": case.tracking_no, "pin": PIN})
    assert response.status_code == 302, case_key
    body = body_of(client.get(reverse("public_track_case")))
    assert numbers_in(world, body) == {case_key}, case_key
    assert description(case_key) not in body and complainant(case_key) not in body
    _no_personal_data(body, world, case_key, f"public {case_key}")
    # Another case's number with this PIN: the same refusal as an unknown number.
    other_key = next(k for k in CASE_KEYS if k != case_key)
    refused = Client().post(
        reverse("public_track"),
        {"tracking_no": world.cases[other_key].tracking_no, "pin": PIN},
    )
    assert refused.status_code == 404, case_key
    # Only the number the person typed comes back (in the form), nothing of either case.
    refused_body = body_of(refused)
    assert numbers_in(world, refused_body) <= {other_key}, case_key
    for key in (case_key, other_key):
        assert description(key) not in refused_body and complainant(key) not in refused_body
    assert 'data-field="track.status_label"' not in refused_body, case_key


@pytest.mark.parametrize("who_key", WHO_KEYS)
def test_adding_information_needs_the_pin_in_this_session(world, who_key):
    """No principal, officers included, adds to a case through the public page without its
    number and PIN; with them, only to that case."""
    from layers.models import ComplaintHistory, HistoryKind

    who = WHO[who_key]
    client = client_for(world, who)
    response = client.post(reverse("public_track_add"), {"text": f"ADD-{who_key}"})
    assert response.status_code == 302 and response["Location"] == reverse("public_track")
    assert not ComplaintHistory.objects.filter(kind=HistoryKind.COMPLAINANT).exists()
    case = _with_pin(world, "t1_assigned")
    client.post(reverse("public_track"), {"tracking_no": case.tracking_no, "pin": PIN})
    assert client.post(reverse("public_track_add"), {"text": f"ADD-{who_key}"}).status_code == 302
    rows = ComplaintHistory.objects.filter(kind=HistoryKind.COMPLAINANT)
    assert list(rows.values_list("complaint_id", flat=True)) == [case.pk], who_key
