"""Every field of every response is classified in the policy, for every role (issue 7, §1).

Built like the jurisdiction matrix: one officer of each role, cases whose every free text,
personal field, history value and file name carries a marker, and every response the system
gives about them — API JSON (lists, one case, an action's answer, summaries, the team's list and
map, the boundary look-up, export jobs, errors), case pages and list pages (every element that
shows a field names it in ``data-field``), and the columns of every export format (GeoJSON,
GeoPackage, CSV, KML, Shapefile; with and without ``personal=true``) and of the tiles. For each
role:

* every key of every JSON object, every ``data-field`` of every page and every export column is
  classified in ``layers.policy.FIELD_CLASSES`` (a new field that nobody classified fails here,
  with its name);
* a field whose class the role may not see is empty (JSON ``null``) or shows the "withheld"
  marker (pages);
* and, independently of the table, no marker of a class the role may not see appears anywhere
  in the body.

The expectations of the last check are written here from the issue ("every free text —
including history values, notes, reasons, file names — is personal until the policy says
otherwise"; the GIS analyst sees no person and no free text), not read from the policy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pyogrio.raw import read as ogr_read

from layers import policy
from layers.models import (
    Complaint,
    DocumentPage,
    ExportJob,
    Notification,
    Role,
    ScannedDocument,
)
from layers.selectors.exports import PERSONAL_COLUMNS, PUBLIC_COLUMNS
from layers.selectors.tiles import TILE_COLUMNS
from layers.services import workflow as wf
from tests.anticorruption_data import file_tip, make_ac_officer
from tests.factories import make_complaint, make_officer, make_team
from tests.module_data import module_data

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
P48_POINT = (17.4075, 104.7786)  # 480101, Nakhon Phanom


def marker(kind: str, field: str) -> str:
    return f"MARK-{kind}-{field}-END"


# Markers by what they are; which roles may see each kind is the rule, written here.
PERSONAL_FIELDS = (
    "complainant_name",
    "complainant_address",
    "accused_name",
    "accused_detail",
)
FREE_TEXT_FIELDS = ("title", "description", "location_note")
ENTITLED = {
    Role.DISTRICT_OFFICER,
    Role.DISTRICT_CHIEF,
    Role.TEAM_MEMBER,
    Role.PROVINCE_OFFICER,
    Role.GOVERNOR,
    Role.CENTRAL_OFFICER,
    Role.ADMIN,
}


@dataclass
class World:
    officers: dict
    cases: dict
    sessions: dict
    free_markers: list
    personal_markers: list
    file_markers: list
    tip_markers: list = None  # the tip's tipster, accused and text: tip handlers only
    tips: dict = None


def build_world() -> World:
    team = make_team("490101")
    make_team("490102")
    officers = {
        Role.DISTRICT_OFFICER: make_officer(Role.DISTRICT_OFFICER, district="4901"),
        Role.DISTRICT_CHIEF: make_officer(Role.DISTRICT_CHIEF, district="4901"),
        Role.TEAM_MEMBER: make_officer(Role.TEAM_MEMBER, district="4901", teams=[team]),
        Role.PROVINCE_OFFICER: make_officer(Role.PROVINCE_OFFICER, province="49"),
        Role.GOVERNOR: make_officer(Role.GOVERNOR, province="49"),
        Role.CENTRAL_OFFICER: make_officer(Role.CENTRAL_OFFICER),
        Role.GIS_ANALYST: make_officer(Role.GIS_ANALYST, province="49"),
        Role.ADMIN: make_officer(Role.ADMIN),
        # The anti-corruption roles (issue 11): the tip below is in the area of all three.
        Role.AC_COORDINATOR: make_ac_officer(Role.AC_COORDINATOR, province="49"),
        Role.AC_REPORTER: make_ac_officer(Role.AC_REPORTER, district="4901"),
        Role.AC_CENTRE: make_ac_officer(Role.AC_CENTRE),
    }
    desk = officers[Role.DISTRICT_OFFICER]
    free, personal, files = [], [], []

    def texts(key):
        values = {f: marker(key, f) for f in (*PERSONAL_FIELDS, *FREE_TEXT_FIELDS)}
        personal.extend(values[f] for f in PERSONAL_FIELDS)
        free.extend(values[f] for f in FREE_TEXT_FIELDS)
        return values

    cases = {}
    # A case that went everywhere: reassigned, forwarded to an agency (typed name), returned,
    # noted with a photo and GPS, closed, reopened, forwarded to the province.
    cases["busy"] = make_complaint(created_by=desk, **texts("busy"))
    # "Other" (เรื่องอื่นๆ): the sub-category is the officer's words.
    other = texts("other")
    cases["other"] = make_complaint(
        created_by=desk,
        category="other",
        subcategory=None,
        subcategory_text=marker("other", "subcategory_text"),
        **other,
    )
    free.append(marker("other", "subcategory_text"))
    # Left with the agency: its name shows on lists as well as on the case.
    cases["at_agency"] = make_complaint(created_by=desk, **texts("agency"))
    # Across the province line (Nakhon Phanom, 48): the same complainant (citizen ID) and the
    # same place and matter as another case there, found by the duplicate checks of officers
    # who may not open either (issue 8).
    p48 = texts("p48")
    cases["p48"] = make_complaint(
        *P48_POINT, complainant_citizen_id=cases["busy"].complainant_citizen_id, **p48
    )
    cases["p48_again"] = make_complaint(*P48_POINT, **texts("p48_again"))

    def act(case, action, **data):
        case = Complaint.objects.get(pk=case.pk)
        return wf.complaint_act(
            complaint=case,
            actor=desk,
            action=action,
            expected_version=case.version,
            data=data,
            files=data.pop("files", ()),
        )

    def typed(key):
        free.append(key)
        return key

    busy = cases["busy"]
    act(busy, "start", note=typed(marker("busy", "start_note")))
    act(busy, "assign", team=make_team("490103").pk, reason=typed(marker("busy", "reason")))
    act(
        busy,
        "forward",
        target="agency",
        agency=typed(marker("busy", "agency")),
        note=typed(marker("busy", "forward_note")),
    )
    act(busy, "return", reason=typed(marker("busy", "return_reason")))
    photo = marker("busy", "photo") + ".jpg"
    files.append(photo)
    act(
        busy,
        "note",
        text=typed(marker("busy", "note_text")),
        visit_lat="16.5435",
        visit_lon="104.7235",
        visit_accuracy_m="8",
        files=[SimpleUploadedFile(photo, JPEG, "image/jpeg")],
    )
    act(busy, "close", result="resolved", note=typed(marker("busy", "close_note")))
    act(busy, "reopen", reason=typed(marker("busy", "reopen_reason")))
    act(busy, "forward", target="province", note=typed(marker("busy", "up_note")))
    act(
        cases["at_agency"],
        "forward",
        target="agency",
        agency=typed(marker("at_agency", "agency")),
        note=typed(marker("at_agency", "note")),
    )
    # Scanned letters (issue 12): one read by OCR on the busy case (its name, its text, a page,
    # the numbers flagged for checking), one waiting in the district's inbox.
    for owner, key in ((busy, "busy"), (None, "inbox")):
        name = marker(key, "document") + ".png"
        files.append(name)
        document = ScannedDocument(
            complaint=owner,
            district_id="4901",
            original_name=name,
            content_type="image/png",
            size_bytes=len(PNG),
            status="done",
            method="ocr",
            page_count=1,
            pages_done=1,
            text=typed(marker(key, "document_text")),
            flags=[{"kind": "number", "text": typed(marker(key, "flag")), "page": 1, "at": 0}],
        )
        document.file.save("scan.png", ContentFile(PNG), save=True)
        page = DocumentPage(
            document=document, number=1, method="ocr", text=typed(marker(key, "page")) + " ๑๒๓"
        )
        page.image.save("page.png", ContentFile(PNG), save=True)
    sessions = {}
    for role, officer in officers.items():
        client = Client()
        client.force_login(officer)
        sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    for key in cases:
        cases[key] = Complaint.objects.get(pk=cases[key].pk)
    tip_fields = ("tipster_name", "accused_name", "accused_unit", "place_note", "description")
    tip_values = {f: marker("tip", f) for f in tip_fields}
    evidence = marker("tip", "evidence") + ".jpg"
    receipt = file_tip(
        files=[SimpleUploadedFile(evidence, JPEG, "image/jpeg")],
        tipster_phone="0891234567",
        **tip_values,
    )
    from layers.services.anticorruption import tip_act

    tip_act(
        officer=officers[Role.AC_REPORTER],
        tracking_no=receipt.tracking_no,
        action="note",
        version=1,
        note=marker("tip", "note"),
    )
    tip_markers = [*tip_values.values(), evidence, marker("tip", "note"), "0891234567"]
    # Open data: a frozen month and the files built (as the job does after the freezing).
    from layers.services.opendata import opendata_build
    from layers.services.statistics import snapshot_freeze
    from layers.thaidate import Month

    snapshot_freeze(month=Month.of(timezone.now()).previous())
    opendata_build()
    world = World(officers, cases, sessions, free, personal, files)
    world.tip_markers, world.tips = tip_markers, {"tip": receipt}
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = str(tmp_path_factory.mktemp("classification-media"))
    with module_data(django_db_blocker, build_world, media_root=media) as data:
        yield data


def client_for(world: World, role: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def body_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


ROLES = list(Role.values)


# --- JSON --------------------------------------------------------------------------------------

# For each JSON response: the namespace of its top-level object, and of the objects found under
# each key (lists of objects take the namespace of their items). GeoJSON's own members
# (type, features, geometry, coordinates, id, properties) are structure, not fields.
GEOJSON_MEMBERS = {"type", "features", "geometry", "coordinates", "id", "properties", "bbox"}
# OGC API – Features' own members of a page (paging and links), structure too.
GEOJSON_MEMBERS |= {"links", "timeStamp", "numberReturned", "numberMatched"}


@dataclass(frozen=True)
class Shape:
    top: str
    nested: tuple[tuple[str, str], ...] = ()
    geojson: bool = False


CASE_LIST = Shape("page", (("results", "case"),))
CASE_DETAIL = Shape(
    "case",
    (
        ("personal", "case"),
        ("history", "history"),
        ("notes", "note"),
        ("attachments", "attachment"),
    ),
)


def walk(value, shape: Shape, namespace: str, path: str, found: list):
    """Collect (field name, value, path, the object holding it) for every key of every object
    in the response."""
    nested = dict(shape.nested)
    if isinstance(value, list):
        for item in value:
            walk(item, shape, namespace, path + "[]", found)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if shape.geojson and key in GEOJSON_MEMBERS:
            # A feature's properties: the shape's own namespace, or the one named for them
            # (a paged FeatureCollection: its paging members are ``page.*``, its features'
            # properties ``case.*``).
            properties = dict(shape.nested).get("properties", shape.top)
            inner = properties if key == "properties" else namespace
            if key in ("features", "properties"):
                walk(item, Shape(inner, shape.nested, True), inner, f"{path}.{key}", found)
            continue
        found.append((f"{namespace}.{key}", item, f"{path}.{key}", value))
        if key in nested and isinstance(item, dict | list):
            walk(
                item,
                Shape(nested[key], shape.nested, shape.geojson),
                nested[key],
                f"{path}.{key}",
                found,
            )


STATS = Shape(
    "stats",
    tuple(
        (key, "stats")
        for key in ("classes", "intervals", "total", "areas", "charts", "category", "month")
    ),
)


def json_responses(world: World, role: str):
    """(label, response, shape) for every JSON endpoint, as this role calls it."""
    client = client_for(world, role)
    busy = world.cases["busy"]
    yield "list", client.get("/api/cases/"), CASE_LIST
    yield "list-agency", client.get("/api/cases/?forwarded_to=agency"), CASE_LIST
    for name in ("queue", "inbox", "backlog", "overdue"):
        yield name, client.get(f"/api/cases/{name}/"), CASE_LIST
    yield (
        "summary",
        client.get("/api/cases/backlog/summary/?by=team"),
        Shape("page", (("results", "summary"),)),
    )
    for key, case in world.cases.items():
        yield f"detail-{key}", client.get(f"/api/cases/{case.tracking_no}/"), CASE_DETAIL
    yield "export", client.get("/api/complaints.geojson?province=49"), Shape("export", (), True)
    yield "lookup", client.get("/api/boundaries/lookup?lat=16.5435&lon=104.7235"), Shape("area")
    # The GIS API (issue 10): the list as GeoJSON pages, boundaries per level, categories.
    yield (
        "cases-geojson",
        client.get("/api/cases.geojson?page_size=200"),
        Shape("page", (("properties", "case"),), True),
    )
    yield (
        "cases-geojson-agency",
        client.get("/api/cases.geojson?forwarded_to=agency"),
        Shape("page", (("properties", "case"),), True),
    )
    yield (
        "boundaries",
        client.get("/api/boundaries/districts/?province=49&zoom=8"),
        Shape("boundaries", (("properties", "boundary"),), True),
    )
    yield (
        "categories",
        client.get("/api/categories/"),
        Shape("categories", (("results", "category"), ("subcategories", "category"))),
    )
    yield (
        "area-search",
        client.get("/api/boundaries/search?q=มุกดาหาร"),
        Shape("areasearch", (("results", "areahit"),)),
    )
    yield "grid", client.get("/api/maps/grid.geojson?cell=5000"), Shape("grid", (), True)
    yield (
        "grid-province",
        client.get("/api/maps/grid.geojson?cell=2000&province=49"),
        Shape("grid", (), True),
    )
    yield (
        "team-list",
        client.get("/api/team/cases"),
        Shape("page", (("open", "teamcase"), ("closed", "teamcase"), ("position", "position"))),
    )
    yield "team-map", client.get("/api/team/cases.geojson"), Shape("teammap", (), True)
    # Duplicates and person matches (issue 8): at home, across the province line, of a case.
    places = Shape("page", (("results", "duplicate"),))
    for label, (lat, lon) in (("dup-check", (16.5435, 104.7235)), ("dup-check-48", P48_POINT)):
        url = f"/api/cases/duplicates/?lat={lat}&lon={lon}&category=land&description=x"
        yield label, client.get(url), places
    yield (
        "case-dups",
        client.get(f"/api/cases/{busy.tracking_no}/duplicates/"),
        Shape("page", (("results", "duplicate"), ("people", "person_match"))),
    )
    yield (
        "people",
        client.get(f"/api/people/matches/?citizen_id={busy.complainant_citizen_id}&name=x"),
        Shape("page", (("results", "person_match"),)),
    )
    # Search (issue 12): the markers' words (people and texts for the entitled only), a
    # tracking number (public words for everyone), a bad date.
    found = Shape("searchpage", (("results", "search"),))
    yield "search-words", client.get("/api/search/?q=MARK&page_size=100"), found
    yield "search-number", client.get(f"/api/search/?q={busy.tracking_no}"), found
    yield "search-error", client.get("/api/search/?q=MARK&since=2025-01-01"), Shape("error")
    # Recording through the API (issue 8): the receipt, with the candidates across the line.
    recorded = {
        "lat": P48_POINT[0],
        "lon": P48_POINT[1],
        "category": "land",
        "subcategory": "land-public-encroach",
        "channel": "walk_in",
        "complainant_name": "x",
        "description": "x",
    }
    yield (
        "intake-created",
        client.post("/api/cases/", json.dumps(recorded), content_type="application/json"),
        Shape("intake", (("duplicates", "duplicate"),)),
    )
    # The dashboards' figures (a 403 for the roles without a dashboard of 49).
    yield "stats-figures", client.get("/api/stats/figures.json?parent=49"), STATS
    yield (
        "stats-areas",
        client.get("/api/stats/areas.geojson?parent=4901&metric=share_closed"),
        Shape(STATS.top, STATS.nested, True),
    )
    # The officer's export jobs (their status; the files are walked below).
    job = ExportJob.objects.create(
        officer=world.officers[role],
        format="csv",
        params={"province": "49"},
        status="ready",
        rows=3,
        file_name="complaints_49.csv",
    )
    yield (
        "export-jobs",
        client.get("/api/exports/"),
        Shape("page", (("results", "exportjob"),)),
    )
    yield "export-job", client.get(f"/api/exports/{job.pk}/"), Shape("exportjob")
    # Errors have fields too.
    yield "error-400", client.get("/api/cases/?status=lost"), Shape("error")
    yield "error-404", client.get("/api/cases/2500-9999999/"), Shape("error")
    # An action's answer (a note: every role that may take it; the others get an error body).
    response = client.post(
        f"/api/cases/{busy.tracking_no}/actions/",
        json.dumps({"action": "note", "version": 1, "text": "x"}),  # stale: a 409 with current
        content_type="application/json",
    )
    yield "action-refused", response, Shape("error", (("current", "error"),))
    # OGC API – Features: a page of complaints, one complaint, an error.
    ogc = "/ogc/collections/complaints/items"
    yield "ogc-items", client.get(f"{ogc}?province=49"), Shape("export", (), True)
    yield "ogc-item", client.get(f"{ogc}/{busy.tracking_no}"), Shape("export", (), True)
    yield "ogc-error", client.get(f"{ogc}?limit=0"), Shape("error")
    # Open311 GeoReport v2: requests, one request, services, a definition, errors, a receipt.
    v2 = "/open311/v2"
    yield "open311-list", client.get(f"{v2}/requests.json"), Shape("open311")
    yield "open311-one", client.get(f"{v2}/requests/{busy.tracking_no}.json"), Shape("open311")
    yield "open311-services", client.get(f"{v2}/services.json"), Shape("open311service")
    yield (
        "open311-definition",
        client.get(f"{v2}/services/other.json"),
        Shape("open311service", (("attributes", "open311attribute"),)),
    )
    yield "open311-error", client.get(f"{v2}/requests.json?status=lost"), Shape("open311error")
    filed = client.post(
        f"{v2}/requests.json",
        {
            "service_code": "utilities-roads",
            "lat": "16.5435",
            "long": "104.7235",
            "first_name": "MARK-open311-first_name-END",
            "description": "MARK-open311-description-END",
        },
    )
    yield "open311-receipt", filed, Shape("open311receipt")
    # Open data (issue 11): the same for every role and for the public.
    yield (
        "opendata-json",
        client.get("/open-data/complaints-monthly.json"),
        Shape("opendatafile", (("rows", "opendata"),)),
    )
    yield (
        "opendata-geojson",
        client.get("/open-data/districts.geojson"),
        Shape("opendatafile", (("properties", "opendata"), ("metadata", "opendatafile")), True),
    )


MATCHES = ("dup-check", "dup-check-48", "case-dups", "people", "intake-created")


@pytest.mark.parametrize("role", ROLES)
def test_matches_outside_the_jurisdiction_reveal_only_the_allowed_fields(world, role):
    """A match in a case the role may not open shows, field by field, only what the issue
    allows; the cross-province case's texts and people never show in a match, for anyone."""
    outside = inside = 0
    for label, response, _shape in json_responses(world, role):
        if label not in MATCHES or response.status_code != 200:
            continue
        body = body_of(response)
        data = json.loads(body)
        keys = (("duplicate", "results"), ("person_match", "people"), ("duplicate", "duplicates"))
        for namespace, key in keys:
            if label == "people":
                namespace = "person_match"
            for row in data.get(key) or []:
                shown = {k for k, v in row.items() if v is not None}
                if row["visible"]:
                    inside += 1
                    continue
                outside += 1
                assert shown <= policy.MATCH_OUTSIDE_FIELDS[namespace], (label, shown)
                assert {"tracking_no", "district_code", "province_code", "received_at"} <= shown
        for text in (*world.personal_markers, *world.free_markers):
            assert text not in body, f"{role}: {label} shows {text!r}"
    if role in (Role.CENTRAL_OFFICER, Role.ADMIN):
        assert outside == 0 and inside > 0
    elif role in policy.TIP_ROLES:
        assert outside == inside == 0  # no case of the ordinary channel, not even a match
    else:
        assert outside > 0  # the Nakhon Phanom cases, seen from Mukdahan


def visible_json(role, field, value) -> bool:
    return value in (None, [], {}) or policy.ROLE_CLASSES[role] >= {policy.field_class(field)}


@pytest.mark.parametrize("role", ROLES)
def test_every_json_field_is_classified_and_withheld_where_the_role_may_not_see_it(world, role):
    seen = 0
    unclassified, shown = set(), []
    for label, response, shape in json_responses(world, role):
        assert response.status_code < 500, (label, response.status_code)
        if response.status_code in (403, 404) and shape.top != "error":
            continue  # a page this role may not open (the team's list for non-members)
        body = body_of(response)
        found: list = []
        walk(json.loads(body), shape, shape.top, label, found)
        for field, value, path, parent in found:
            seen += 1
            try:
                cls = policy.field_class(field)
            except policy.UnclassifiedField:
                unclassified.add(f"{field} ({path})")
                continue
            if field in ("history.from_value", "history.to_value"):
                cls = policy.history_value_class(parent["kind"], field.split(".")[1])
            if value not in (None, [], {}) and cls not in policy.ROLE_CLASSES[role]:
                shown.append(f"{path} = {str(value)[:40]} ({cls})")
        assert_no_markers(world, role, body, label)
    assert seen > 300  # the walk reached the responses' fields
    assert not unclassified, f"classify these in layers.policy.FIELD_CLASSES: {unclassified}"
    assert not shown, f"{role} was shown fields of a class it may not see: {shown}"


def assert_no_markers(world: World, role: str, body: str, label: str):
    if role not in policy.TIP_ROLES or not label.startswith("tip"):
        for text in world.tip_markers:
            assert text not in body, f"{role}: {label} shows the tip's {text!r}"
    if role in ENTITLED:
        return
    for text in (*world.personal_markers, *world.free_markers, *world.file_markers):
        assert text not in body, f"{role}: {label} shows {text!r}"


def test_the_entitled_do_see_the_markers(world):
    """The check above is not vacuous: the same responses carry the texts for entitled roles."""
    client = client_for(world, Role.DISTRICT_OFFICER)
    busy = world.cases["busy"]
    body = body_of(client.get(f"/api/cases/{busy.tracking_no}/"))
    for text in (marker("busy", "agency"), marker("busy", "note_text"), marker("busy", "reason")):
        assert text in body
    assert marker("busy", "complainant_name") in body
    assert marker("busy", "photo") in body
    listed = body_of(client.get("/api/cases/?forwarded_to=agency"))
    assert marker("at_agency", "agency") in listed


def test_the_analyst_gets_no_agency_text_but_the_forwarding_code(world):
    """The defect of issue 7: the agency's name (people type names and phones there) reached the
    GIS analyst in the list, in the case and in the history's to_value."""
    client = client_for(world, Role.GIS_ANALYST)
    rows = client.get("/api/cases/?forwarded_to=agency").json()["results"]
    assert {r["tracking_no"] for r in rows} == {world.cases["at_agency"].tracking_no}
    assert rows[0]["forwarded_to"] == "agency" and rows[0]["forwarded_agency"] is None
    detail = client.get(f"/api/cases/{world.cases['busy'].tracking_no}/").json()
    forwarded = [h for h in detail["history"] if h["kind"] == "forwarded"]
    assert forwarded and all(h["to_value"] is None for h in forwarded)
    returned = [h for h in detail["history"] if h["kind"] == "returned"]
    assert returned[0]["from_value"] is None and returned[0]["to_value"] == "4901"
    # Codes and office names stay: the analyst still reads the case's path.
    assigned = [h for h in detail["history"] if h["kind"] in ("assigned", "reassigned")]
    assert all(h["to_value"] for h in assigned)
    closed = [h for h in detail["history"] if h["kind"] == "closed"]
    assert closed[0]["to_value"] == "resolved"


# --- Pages -------------------------------------------------------------------------------------


class FieldParser(HTMLParser):
    """The text inside each element that carries ``data-field``, and which elements lack it."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, str | None, bool]] = []
        self.fields: list[list] = []  # [name, text, history kind]
        self.open_fields: list[int] = []
        self.unmarked: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        field = attrs.get("data-field")
        if tag in ("input", "br", "img", "meta", "link"):
            return
        self.stack.append((tag, field, "data-section" in attrs))
        if field:
            self.fields.append([field, "", attrs.get("data-kind")])
            self.open_fields.append(len(self.fields) - 1)
        elif tag in ("dd", "td") and "data-empty" not in attrs and self._inside_a_section():
            self.unmarked.append(f"<{tag} {attrs}>")

    def _inside_a_section(self) -> bool:
        """Inside a ``data-section``: a part of the case page, a table of cases."""
        return any(section for _, _, section in self.stack[:-1])

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, field, _section = self.stack.pop()
            if field:
                self.open_fields.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        for index in self.open_fields:
            self.fields[index][1] += data


def page_urls(world: World):
    for key, case in world.cases.items():
        yield f"case-{key}", f"/cases/{case.tracking_no}/"
    for name in ("", "inbox/", "backlog/", "overdue/"):
        yield f"list-{name or 'queue'}", f"/cases/{name}"
    yield "team-home", "/team/"
    yield "team-case", f"/team/cases/{world.cases['busy'].tracking_no}/"
    # Statistics: figures of areas (``stats.*``), the viewer's own level and the province.
    yield "search", "/search/?q=MARK"
    yield "search-number", f"/search/?q={world.cases['busy'].tracking_no}"
    yield "statistics-home", "/statistics/"
    yield "statistics-49", "/statistics/49/"
    yield "statistics-4901", "/statistics/4901/"
    # Closing the backlog (its preview lists the open cases of the area) and the imports.
    yield "bulk-close", "/cases/close/"
    yield "imports", "/imports/"
    yield "open-data", "/open-data/"
    # News (issue 11): public lists and a post; a draft and the writing pages for its centre.
    post, draft = news_posts(world)
    yield "news-list", "/news/"
    yield "news-area", "/news/4901/"
    yield "news-post", f"/news/post/{post.pk}/"
    yield "news-draft", f"/news/post/{draft.pk}/"
    yield "news-manage", "/news/manage/"
    yield "news-edit", f"/news/manage/{draft.pk}/"
    # Issue 8: the duplicates review (a repeat complainant: busy's citizen ID is also p48's).
    yield "review-4901", "/duplicates/4901/"
    yield "review-49", "/duplicates/49/"
    # The anti-corruption channel's pages (issue 11): the handlers' list, a tip, the audit log.
    number = world.tips["tip"].tracking_no
    yield "tips-list", "/anticorruption/tips/"
    yield "tip-detail", f"/anticorruption/tips/{number}/"
    yield "tips-audit", f"/anticorruption/audit/?tip={number}"
    # The district's inbox of unrecorded letters (issue 12).
    yield "document-inbox", "/documents/inbox/"


def news_posts(world: World):
    """A published post and a draft of district 4901 (made in the test's own savepoint)."""
    from django.utils import timezone

    from layers.models import NewsPost
    from layers.services.news import news_save

    made = []
    for title in ("NEWS-PUBLISHED", "NEWS-DRAFT"):
        data = {
            "area": "4901",
            "title": title,
            "leader": "LEADER",
            "participants": "PARTICIPANTS",
            "activity_date": "2026-11-20",
            "activity_time": "09:30",
            "place_name": "PLACE",
            "lat": "16.5435",
            "lon": "104.7235",
            "body": "BODY",
        }
        made.append(news_save(officer=world.officers[Role.DISTRICT_OFFICER], data=data))
    NewsPost.objects.filter(pk=made[0].pk).update(status="published", published_at=timezone.now())
    return made


@pytest.mark.parametrize("role", ROLES)
def test_every_page_field_is_named_classified_and_withheld_where_the_role_may_not_see_it(
    world, role
):
    client = client_for(world, role)
    withheld_markers = {policy.WITHHELD.text()}
    checked = 0
    for label, url in page_urls(world):
        response = client.get(url)
        if response.status_code in (403, 404):
            continue
        assert response.status_code == 200, (label, response.status_code)
        body = body_of(response)
        parser = FieldParser()
        parser.feed(body)
        for name, text, kind in parser.fields:
            checked += 1
            cls = policy.field_class(name)  # raises UnclassifiedField with the name
            if kind is not None:
                cls = policy.history_value_class(kind, name.split(".")[1])
            classes = policy.ROLE_CLASSES[role]
            if name.split(".")[0] in TIP_NAMESPACES:
                classes = policy.TIP_ROLE_CLASSES.get(role, frozenset())
            if cls not in classes:
                shown = " ".join(text.split())
                assert shown in withheld_markers | {""} or shown.endswith(
                    tuple(withheld_markers)
                ), f"{role} {label}: {name} shows {shown[:60]!r}"
        if label.startswith(("case-", "list-")):
            assert not parser.unmarked, f"{label}: elements without data-field {parser.unmarked}"
        assert_no_markers(world, role, body, label)
    # The anti-corruption roles open the tip pages only (every case page refuses them).
    assert checked > (20 if role in policy.TIP_ROLES else 40)


TIP_NAMESPACES = {"tip", "tipevent", "tipfile", "tipaudit"}


def test_tip_pages_show_their_fields_to_the_handlers_only(world):
    """The walk above is not vacuous for tips: the handlers get the tip's fields and texts (the
    tipster decrypted), every other role a refusal."""
    number = world.tips["tip"].tracking_no
    for role in ROLES:
        response = client_for(world, role).get(f"/anticorruption/tips/{number}/")
        body = body_of(response)
        if role in policy.TIP_ROLES:
            assert response.status_code == 200, role
            parser = FieldParser()
            parser.feed(body)
            names = {name for name, _text, _kind in parser.fields}
            assert {"tip.tipster_name", "tip.description", "tip.events", "tip.files"} <= names
            for text in world.tip_markers:
                assert text in body, (role, text)
        else:
            assert response.status_code == 403, role
            assert number not in body


def test_the_tipsters_tracking_page_shows_public_fields_only(world):
    receipt = world.tips["tip"]
    response = Client().post(
        "/anticorruption/track/", {"number": receipt.tracking_no, "pin": receipt.pin}
    )
    assert response.status_code == 200
    body = body_of(response)
    parser = FieldParser()
    parser.feed(body)
    names = {name for name, _text, _kind in parser.fields}
    assert {"tip.tracking_no", "tip.status_label", "tip.timeline"} <= names
    for name in names:
        assert policy.field_class(name) == policy.PUBLIC, name
    for text in world.tip_markers:
        assert text not in body


def test_the_case_page_shows_the_withheld_marker_to_the_analyst_and_the_text_to_others(world):
    busy = world.cases["busy"]
    analyst = body_of(client_for(world, Role.GIS_ANALYST).get(f"/cases/{busy.tracking_no}/"))
    officer = body_of(client_for(world, Role.DISTRICT_OFFICER).get(f"/cases/{busy.tracking_no}/"))
    withheld = policy.WITHHELD.text()
    assert withheld in analyst and withheld not in officer
    assert marker("busy", "description") in officer and marker("busy", "agency") in officer
    # The page-structure rule is real: a <dd> without data-field is reported.
    parser = FieldParser()
    parser.feed('<section data-section="case.notes"><dl><dd>new</dd></dl></section>')
    assert parser.unmarked


# --- Exports, notifications ----------------------------------------------------------------------


EXPORT_FORMATS = ("geojson", "gpkg", "csv", "kml", "shp.zip")
SHAPEFILE_NAMES = {c.short: c.key for c in (*PUBLIC_COLUMNS, *PERSONAL_COLUMNS)}


def export_columns_and_text(ext: str, raw: bytes, tmp_path) -> tuple[set[str], str]:
    """(the export's column keys, all its values as text) as a reader of the file sees them."""
    if ext == "geojson":
        collection = json.loads(raw)
        keys = {k for f in collection["features"] for k in f["properties"]}
        return keys, raw.decode()
    if ext == "kml":
        root = ElementTree.fromstring(raw)
        ns = {"k": "http://www.opengis.net/kml/2.2"}
        keys = set()
        for placemark in root.iterfind(".//k:Placemark", ns):
            if placemark.find("k:name", ns) is not None:
                keys.add("tracking_no")  # NameField
            if placemark.find("k:description", ns) is not None:
                keys.add("description")  # the KML driver's description field
            keys |= {d.get("name") for d in placemark.iterfind(".//k:SimpleData", ns)}
        return keys, raw.decode()
    path = tmp_path / f"export.{ext}"
    path.write_bytes(raw)
    source = f"/vsizip/{path}" if ext == "shp.zip" else str(path)
    meta, _fids, _geometry, fields = ogr_read(source)
    names = list(meta["fields"])
    if ext == "shp.zip":
        names = [SHAPEFILE_NAMES[n] for n in names]
    text = " ".join(str(v) for column in fields for v in column)
    return set(names), text


@pytest.mark.parametrize("role", ROLES)
def test_every_export_column_of_every_format_is_classified_and_visible(world, role, tmp_path):
    """Every column of every export format, with and without personal data, for every role:
    classified in ``export.*``; of a class the role may see; and no marker of a class it may
    not see anywhere in the file."""
    client = client_for(world, role)
    checked = 0
    for ext in EXPORT_FORMATS:
        for personal in (False, True):
            url = f"/api/complaints.{ext}?province=49" + ("&personal=true" if personal else "")
            response = client.get(url)
            raw = b"".join(response.streaming_content) if response.streaming else response.content
            if role in policy.TIP_ROLES:
                # No complaint of the province is theirs: no export at all, tips never in one.
                assert response.status_code == 403, (role, ext)
                assert_no_markers(world, role, raw.decode(errors="replace"), f"{ext}-refused")
                continue
            if personal and role not in ENTITLED:
                assert response.status_code == 403, (role, ext)
                assert_no_markers(world, role, raw.decode(errors="replace"), f"{ext}-refused")
                continue
            assert response.status_code == 200, (role, ext, personal, raw[:200])
            keys, text = export_columns_and_text(ext, raw, tmp_path)
            assert "tracking_no" in keys, (role, ext)
            for key in keys:
                checked += 1
                cls = policy.field_class(f"export.{key}")  # raises for an unclassified column
                assert cls in policy.ROLE_CLASSES[role], (role, ext, key, cls)
            assert_no_markers(world, role, text, f"{ext} personal={personal}")
            if personal:
                # The entitled asked for people and got them, in every format.
                assert marker("busy", "complainant_name") in text, (role, ext)
            else:
                for value in (*world.personal_markers, *world.free_markers):
                    assert value not in text, (role, ext, value)
    assert checked > 60 or role in policy.TIP_ROLES  # 5 formats × 14 public columns at least


def test_tile_columns_are_public_export_columns():
    for column in TILE_COLUMNS:
        cls = policy.field_class(f"export.{column}")
        # Every role that gets a complaints tile at all: the anti-corruption roles get none
        # (their jurisdiction is empty; the matrix drives the tiles).
        officers = [role for role in ROLES if role not in policy.TIP_ROLES]
        assert all(cls in policy.ROLE_CLASSES[role] for role in officers), column
    assert not set(TILE_COLUMNS) & {c.key for c in PERSONAL_COLUMNS}


def test_the_monthly_report_columns_are_classified_and_carry_no_person(world):
    """The report's columns (CSV, XLSX, PDF tables) are export columns of aggregates: each
    classified, none personal or free text, all visible to the roles that open the report."""
    from layers.services.reports import REPORT_COLUMNS

    for column in REPORT_COLUMNS:
        cls = policy.field_class(f"report.{column}")
        assert cls in (policy.PUBLIC, policy.CASE), column
        for role in (Role.GOVERNOR, Role.PROVINCE_OFFICER, Role.CENTRAL_OFFICER, Role.ADMIN):
            assert cls in policy.ROLE_CLASSES[role], (column, role)
    policy.require_fields(policy.REPORT_VIEWER, "report", REPORT_COLUMNS)


def test_notifications_say_nothing_of_people_or_free_text(world):
    texts = " ".join(Notification.objects.values_list("message", flat=True))
    assert texts  # the world's actions told teams and offices
    for text in (*world.personal_markers, *world.free_markers, *world.file_markers):
        assert text not in texts


def test_an_unclassified_field_is_refused():
    with pytest.raises(policy.UnclassifiedField, match="case.new_field"):
        policy.shape(policy.PUBLIC_VIEWER, "case", {"new_field": 1})
    view = policy.case_view(policy.PUBLIC_VIEWER, object())
    with pytest.raises(policy.UnclassifiedField):
        view.complainant_nickname  # noqa: B018


def test_every_class_is_used_and_every_role_has_its_classes():
    assert set(policy.FIELD_CLASSES.values()) <= set(policy.CLASSES)
    assert set(policy.ROLE_CLASSES) == set(Role.values)
    assert re.fullmatch(r"[a-z_]+", policy.PUBLIC)


# --- The public tracking page (issue 11) ----------------------------------------------------------


@pytest.mark.parametrize("key", ["busy", "other", "at_agency"])
def test_the_tracking_page_shows_only_public_fields_and_no_marker(world, key):
    """The case as its complainant sees it with the number and the PIN (the public viewer):
    every ``data-field`` classified and of the PUBLIC class, and no personal data, free text
    (notes, reasons, the agency's name, the words of "Other") or file name anywhere."""
    from layers.services.tracking import pin_digest

    case = world.cases[key]
    Complaint.objects.filter(pk=case.pk).update(pin_hash=pin_digest(case.tracking_no, "13572468"))
    client = Client()
    answer = client.post("/track/", {"tracking_no": case.tracking_no, "pin": "13572468"})
    assert answer.status_code == 302
    body = body_of(client.get("/track/case/"))
    parser = FieldParser()
    parser.feed(body)
    names = {name for name, _text, _kind in parser.fields}
    assert {"track.status_label", "track.unit", "timeline.event", "timeline.at"} <= names
    for name in names:
        assert policy.field_class(name) == policy.PUBLIC, name
        assert policy.PUBLIC_VIEWER.sees(name), name
    for text in (*world.personal_markers, *world.free_markers, *world.file_markers):
        assert text not in body, f"tracking page of {key} shows {text!r}"
    assert case.complainant_citizen_id not in body and case.complainant_phone not in body
    # The timeline is there: one row per history entry, in status words.
    assert body.count('data-field="timeline.event"') == case.history.count()


def test_the_public_viewer_withholds_every_non_public_tracking_field():
    from layers.selectors.tracking import public_case

    case = make_complaint(
        category="other",
        subcategory=None,
        subcategory_text="OTHER-WORDS-END",
        description="DESC-END",
        complainant_name="NAME-END",
    )
    shown = public_case(case)
    assert shown["tracking_no"] == case.tracking_no and shown["status_label"]
    for withheld in ("subcategory_text", "description", "close_note", "complainant_name"):
        assert shown[withheld] is None, withheld
    assert all(row["note"] is None for row in shown["timeline"])
    # An entitled officer's viewer would see them: the withholding is the policy's, not a gap.
    officer = policy.Viewer(policy.ENTITLED_CLASSES, "test")
    assert public_case(case, viewer=officer)["description"] == "DESC-END"
