"""Open311 GeoReport v2 (/open311/): discovery and services public; requests read and filed by
partner systems (api_key) and officers; JSON and XML; every response validated against the
GeoReport v2 JSON Schemas (tests/api/open311_schemas, read its README)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.utils import timezone
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from boundaries.models import Subdistrict
from layers.models import (
    Channel,
    CloseResult,
    Complaint,
    Partner,
    PartnerSubmission,
    Role,
    Status,
)
from layers.services import workflow as wf
from layers.services.open311 import partner_key_issue, partner_key_revoke
from tests.factories import (
    MUKDAHAN_CITY,
    make_complaint,
    make_officer,
    make_team,
    new_citizen_id,
)
from tests.module_data import module_data

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).parent / "open311_schemas"
V2 = "/open311/v2"


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


REGISTRY = Registry().with_resources(
    (name, Resource.from_contents(_schema(name), default_specification=DRAFT7))
    for name in ("request.json", "service.json")
)
SWAGGER = _schema("swagger.json")


def validate(instance, schema_name: str) -> None:
    Draft7Validator(_schema(schema_name), registry=REGISTRY).validate(instance)


def validate_swagger(instance, definition: str) -> None:
    """An array of the swagger's ``definition`` (POST requests, GET tokens)."""
    schema = {"type": "array", "items": SWAGGER["definitions"][definition]}
    Draft7Validator(schema).validate(instance)


def make_partner(name="ระบบจังหวัด", *, provinces=(), whole_country=False, **fields):
    partner = Partner.objects.create(name=name, whole_country=whole_country, **fields)
    partner.provinces.set(provinces)
    return partner, partner_key_issue(partner=partner)


def point_in(code: str):
    p = Subdistrict.objects.get(code=code).geom.point_on_surface
    return p.y, p.x


def build_world() -> dict:
    desk = make_officer(Role.DISTRICT_OFFICER, district="4901")
    make_team("490101")
    cases = {
        "open49": make_complaint(created_by=desk, description="DESC-open49"),
        "closed49": make_complaint(
            created_by=desk, category="debt", subcategory="debt-formal", description="DESC-c49"
        ),
        "other49": make_complaint(
            created_by=desk,
            category="other",
            subcategory=None,
            subcategory_text="WORDS-other49",
            description="DESC-other49",
        ),
    }
    lat, lon = point_in(Subdistrict.objects.filter(province_id="48").order_by("code")[0].code)
    cases["p48"] = make_complaint(lat=lat, lon=lon, description="DESC-p48")
    closed = Complaint.objects.get(pk=cases["closed49"].pk)
    wf.complaint_close(
        complaint=closed,
        actor=desk,
        expected_version=closed.version,
        result="resolved",
        note="NOTE-closing-words",
    )
    old = make_complaint(created_by=desk, received_at=timezone.now() - timedelta(days=120))
    cases["old49"] = old
    p49, key49 = make_partner("ระบบจังหวัดมุกดาหาร", provinces=["49"])
    nation, key_nation = make_partner("ระบบส่วนกลาง", whole_country=True)
    nowhere, key_nowhere = make_partner("ระบบไม่มีพื้นที่")
    return {
        "desk": desk,
        "analyst": make_officer(Role.GIS_ANALYST, province="49"),
        "no_role": make_officer(None),
        "cases": {k: Complaint.objects.get(pk=c.pk) for k, c in cases.items()},
        "p49": p49,
        "key49": key49,
        "key_nation": key_nation,
        "key_nowhere": key_nowhere,
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = str(tmp_path_factory.mktemp("open311-media"))
    with module_data(django_db_blocker, build_world, media_root=media) as data:
        yield data


def officer_client(officer) -> Client:
    client = Client()
    client.force_login(officer)
    return client


def ids(body) -> set[str]:
    return {r["service_request_id"] for r in body}


def assert_errors(response, status: int) -> list[dict]:
    assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()
    assert isinstance(body, list) and body
    for error in body:
        assert set(error) == {"code", "description"}
        assert error["code"] == status and error["description"]
    return body


# --- Discovery and services (public) ------------------------------------------------------------


def test_discovery_in_json_and_xml_says_where_the_api_is_and_how_it_pages(db):
    body = Client().get("/open311/discovery.json").json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(body)
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    paging = next(e for e in endpoint["extensions"] if e["name"] == "paging")
    assert "page_size" in paging["description"]
    response = Client().get("/open311/discovery.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ElementTree.fromstring(response.content)
    assert root.tag == "discovery"
    assert root.find("endpoints/endpoint/url").text == "http://testserver/open311/v2"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_are_our_sub_categories_and_other(db):
    response = Client().get(f"{V2}/services.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    services = response.json()
    validate(services, "services.json")
    codes = [s["service_code"] for s in services]
    assert "land-public-encroach" in codes and "other" in codes and "land" not in codes
    land = next(s for s in services if s["service_code"] == "land-public-encroach")
    assert land["group"] == "ปัญหาที่ดิน" and land["type"] == "realtime"
    root = ElementTree.fromstring(Client().get(f"{V2}/services.xml").content)
    assert root.tag == "services"
    assert len(root.findall("service")) == len(services)
    assert root.find("service/metadata").text == "true"


def test_service_definitions_list_the_attributes(db):
    other = Client().get(f"{V2}/services/other.json").json()
    validate(other, "service-definition.json")
    attributes = {a["code"]: a for a in other["attributes"]}
    assert attributes["subcategory_text"]["required"] is True
    land = Client().get(f"{V2}/services/land-public-encroach.json").json()
    validate(land, "service-definition.json")
    assert "subcategory_text" not in {a["code"] for a in land["attributes"]}
    root = ElementTree.fromstring(Client().get(f"{V2}/services/other.xml").content)
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/code").text == "subcategory_text"
    assert_errors(Client().get(f"{V2}/services/cars.json"), 404)
    errors = ElementTree.fromstring(Client().get(f"{V2}/services/cars.xml").content)
    assert errors.tag == "errors" and errors.find("error/code").text == "404"


def test_public_resources_take_no_other_parameters(db):
    assert Client().get(f"{V2}/services.json?jurisdiction_id=damrong.go.th").status_code == 200
    assert_errors(Client().get(f"{V2}/services.json?colour=red"), 400)


# --- Reading requests: who may ---------------------------------------------------------------------

LIST = f"{V2}/requests.json"


def test_requests_need_a_key_or_an_officer(world):
    body = assert_errors(Client().get(LIST), 403)
    assert "api_key" in body[0]["description"]
    assert_errors(Client().get(f"{V2}/requests/{world['cases']['open49'].tracking_no}.json"), 403)
    assert_errors(Client().get(f"{V2}/tokens/abc.json"), 403)
    assert_errors(officer_client(world["no_role"]).get(LIST), 403)
    assert_errors(Client().get(LIST, {"api_key": "nonsense"}), 403)
    assert_errors(Client().get(LIST, {"api_key": world["key49"] + "x"}), 403)


def test_a_revoked_or_expired_key_or_an_inactive_partner_is_refused(world):
    partner, key = make_partner("ชั่วคราว", provinces=["49"])
    assert Client().get(LIST, {"api_key": key}).status_code == 200
    Partner.objects.filter(pk=partner.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_errors(Client().get(LIST, {"api_key": key}), 403)
    Partner.objects.filter(pk=partner.pk).update(expires_at=None, is_active=False)
    assert_errors(Client().get(LIST, {"api_key": key}), 403)
    Partner.objects.filter(pk=partner.pk).update(is_active=True)
    assert Client().get(LIST, {"api_key": key}).status_code == 200
    partner_key_revoke(partner=partner)
    assert_errors(Client().get(LIST, {"api_key": key}), 403)
    new_key = partner_key_issue(partner=partner)
    assert Client().get(LIST, {"api_key": new_key}).status_code == 200
    assert_errors(Client().get(LIST, {"api_key": key}), 403)  # the old one stays dead


def test_a_partner_reads_its_areas_without_people_or_free_text(world):
    cases = world["cases"]
    response = Client().get(LIST, {"api_key": world["key49"]})
    body = response.json()
    validate(body, "requests.json")
    assert ids(body) == {cases[k].tracking_no for k in ("open49", "closed49", "other49")}
    text = response.content.decode()
    for case in cases.values():
        assert case.complainant_name not in text and case.description not in text
    assert "WORDS-other49" not in text and "NOTE-closing-words" not in text
    one = next(r for r in body if r["service_request_id"] == cases["open49"].tracking_no)
    assert one["description"] is None and one["media_url"] is None
    assert one["status"] == "open" and one["service_code"] == "land-public-encroach"
    assert (one["lat"], one["long"]) == (round(MUKDAHAN_CITY[0], 6), round(MUKDAHAN_CITY[1], 6))
    assert one["address_id"] == cases["open49"].subdistrict_id
    assert one["agency_responsible"] == "ชปต. ตำบลมุกดาหาร"
    closed = next(r for r in body if r["service_request_id"] == cases["closed49"].tracking_no)
    assert closed["status"] == "closed"
    notes = closed["status_notes"]
    assert str(Status.CLOSED.label) in notes and str(CloseResult.RESOLVED.label) in notes
    assert "NOTE-closing-words" not in notes  # the system's words, never the closing note
    other = next(r for r in body if r["service_request_id"] == cases["other49"].tracking_no)
    assert other["service_code"] == "other"
    # The whole country sees 48 too; a partner without areas sees nothing.
    nation = ids(Client().get(LIST, {"api_key": world["key_nation"]}).json())
    assert cases["p48"].tracking_no in nation
    assert Client().get(LIST, {"api_key": world["key_nowhere"]}).json() == []


def test_officers_read_as_their_role_allows(world):
    case = world["cases"]["open49"]
    desk = officer_client(world["desk"]).get(f"{V2}/requests/{case.tracking_no}.json").json()
    validate(desk, "requests.json")
    assert desk[0]["description"] == "DESC-open49"  # entitled to the case's words
    analyst = officer_client(world["analyst"]).get(f"{V2}/requests/{case.tracking_no}.json")
    assert analyst.json()[0]["description"] is None
    assert "DESC-open49" not in analyst.content.decode()


def test_one_request_is_an_array_of_one_and_outside_the_areas_not_found(world):
    case = world["cases"]["open49"]
    key = {"api_key": world["key49"]}
    body = Client().get(f"{V2}/requests/{case.tracking_no}.json", key).json()
    validate(body, "requests.json")
    assert len(body) == 1 and body[0]["service_request_id"] == case.tracking_no
    outside = world["cases"]["p48"].tracking_no
    assert_errors(Client().get(f"{V2}/requests/{outside}.json", key), 404)
    assert_errors(Client().get(f"{V2}/requests/2500-0000001.json", key), 404)
    xml = Client().get(f"{V2}/requests/{case.tracking_no}.xml", key)
    root = ElementTree.fromstring(xml.content)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text == case.tracking_no
    assert root.find("request/description").text is None  # withheld: an empty element


# --- Filters and paging --------------------------------------------------------------------------


def test_filters_of_the_specification(world):
    cases = world["cases"]
    key = world["key49"]

    def listed(**params):
        response = Client().get(LIST, {"api_key": key, **params})
        assert response.status_code == 200, response.json()
        validate(response.json(), "requests.json")
        return ids(response.json())

    assert listed(status="closed") == {cases["closed49"].tracking_no}
    assert cases["closed49"].tracking_no not in listed(status="open")
    assert listed(service_code="debt-formal") == {cases["closed49"].tracking_no}
    assert listed(service_code="other") == {cases["other49"].tracking_no}
    assert listed(service_code="other,debt-formal") == {
        cases["other49"].tracking_no,
        cases["closed49"].tracking_no,
    }
    # The last 90 days by default; an old case with dates that reach it.
    assert cases["old49"].tracking_no not in listed()
    start = (timezone.now() - timedelta(days=200)).isoformat()
    assert cases["old49"].tracking_no in listed(start_date=start)
    end = (timezone.now() - timedelta(days=100)).isoformat()
    assert listed(start_date=start, end_date=end) == {cases["old49"].tracking_no}
    # service_request_id overrides everything else (but not the partner's areas).
    wanted = f"{cases['old49'].tracking_no},{cases['p48'].tracking_no}"
    assert listed(service_request_id=wanted, status="closed") == {cases["old49"].tracking_no}
    assert listed(district="4901") == listed()
    assert listed(jurisdiction_id="damrong.go.th") == listed()


def test_page_and_page_size_with_link_headers(world):
    key = world["key49"]
    first = Client().get(LIST, {"api_key": key, "page_size": 2})
    assert len(first.json()) == 2
    link = first["Link"]
    assert 'rel="next"' in link and "api_key" not in link
    next_url = link.split(">")[0].lstrip("<")
    assert parse_qs(urlsplit(next_url).query)["page"] == ["2"]
    second = Client().get(LIST, {"api_key": key, "page_size": 2, "page": 2})
    assert len(second.json()) == 1 and 'rel="prev"' in second["Link"]
    assert 'rel="next"' not in second["Link"]
    everything = ids(Client().get(LIST, {"api_key": key}).json())
    assert ids(first.json()) | ids(second.json()) == everything
    assert Client().get(LIST, {"api_key": key, "page": 9}).json() == []


@pytest.mark.parametrize(
    "params,name",
    [
        ({"status": "lost"}, "status"),
        ({"service_code": "cars"}, "service_code"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "2025-01-01T00:00:00"}, "start_date"),  # no time zone
        ({"start_date": "2025-02-01T00:00:00Z", "end_date": "2025-01-01T00:00:00Z"}, "end_date"),
        ({"page_size": "1001"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page": "-1"}, "page"),
        ({"page": "100000000000000000000"}, "page"),
        ({"province": "99"}, "province"),
        ({"service_request_id": "drop table"}, "service_request_id"),
        ({"colour": "red"}, "params"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(world, params, name):
    response = Client().get(LIST, {"api_key": world["key49"], **params})
    errors = assert_errors(response, 400)
    assert any(e["description"].startswith(f"{name}:") for e in errors), errors


def test_errors_in_xml(world):
    response = Client().get(f"{V2}/requests.xml", {"api_key": world["key49"], "status": "lost"})
    assert response.status_code == 400
    root = ElementTree.fromstring(response.content)
    assert root.tag == "errors" and root.find("error/code").text == "400"
    assert root.find("error/description").text.startswith("status:")


# --- Filing a case (POST requests) --------------------------------------------------------------


def post(data: dict, fmt: str = "json", client: Client | None = None):
    # Form-encoded, as the specification says.
    return (client or Client()).post(f"{V2}/requests.{fmt}", data)


def good(key: str, **extra) -> dict:
    return {
        "api_key": key,
        "service_code": "utilities-roads",
        "lat": str(MUKDAHAN_CITY[0]),
        "long": str(MUKDAHAN_CITY[1]),
        "first_name": "สมหญิง",
        "last_name": "ใจงาม",
        "phone": "0812345678",
        "email": "somying@example.com",
        "description": "ถนนชำรุดเป็นหลุมลึก",
        "address_string": "หน้าโรงเรียน",
        **extra,
    }


def test_a_partner_files_a_case_through_intake(world):
    response = post(good(world["key49"]))
    assert response.status_code == 200, response.content
    body = response.json()
    validate_swagger(body, "RequestResponse")
    (receipt,) = body
    case = Complaint.objects.get(tracking_no=receipt["service_request_id"])
    assert case.channel == Channel.ONLINE and case.created_by is None
    assert case.complainant_name == "สมหญิง ใจงาม" and case.complainant_phone == "0812345678"
    assert case.location_note == "หน้าโรงเรียน" and case.subcategory.code == "utilities-roads"
    assert case.subdistrict_id == "490101" and case.status == "assigned"  # routed to its team
    assert case.history.filter(kind="created").exists()
    submission = PartnerSubmission.objects.get(complaint=case)
    assert submission.partner == world["p49"] and receipt["token"] == submission.token
    assert "0812345678" not in response.content.decode()
    # The token resolves for this partner, not for another.
    token = Client().get(f"{V2}/tokens/{receipt['token']}.json", {"api_key": world["key49"]})
    validate_swagger(token.json(), "TokenResponse")
    assert token.json() == [{"service_request_id": case.tracking_no, "token": receipt["token"]}]
    assert_errors(
        Client().get(f"{V2}/tokens/{receipt['token']}.json", {"api_key": world["key_nation"]}),
        404,
    )
    assert_errors(Client().get(f"{V2}/tokens/nope.json", {"api_key": world["key49"]}), 404)


def test_other_needs_its_words_and_files_in_xml(world):
    data = good(world["key49"], service_code="other")
    before = Complaint.objects.count()
    errors = assert_errors(post(data), 400)
    assert errors[0]["description"].startswith("attribute[subcategory_text]:")
    assert Complaint.objects.count() == before
    data["attribute[subcategory_text]"] = "ขอทราบผลการสอบสวน"
    citizen_id = new_citizen_id("1")
    data["attribute[complainant_citizen_id]"] = citizen_id
    response = post(data, fmt="xml")
    assert response.status_code == 200, response.content
    root = ElementTree.fromstring(response.content)
    number = root.find("request/service_request_id").text
    case = Complaint.objects.get(tracking_no=number)
    assert case.category.code == "other" and case.subcategory_text == "ขอทราบผลการสอบสวน"
    assert case.complainant_citizen_id == citizen_id


@pytest.mark.parametrize(
    "change,status,name",
    [
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "cars"}, 404, None),
        ({"lat": ""}, 400, "lat"),
        ({"lat": "91"}, 400, "lat"),
        ({"long": "1e3"}, 400, "long"),
        ({"lat": "13.75", "long": "80.0"}, 400, "lat"),  # at sea, outside Thailand
        ({"first_name": "", "last_name": ""}, 400, "first_name"),
        ({"description": ""}, 400, "description"),
        ({"phone": "12"}, 400, "phone"),
        ({"media_url": "http://example.com/a.jpg"}, 400, "media_url"),
        ({"address_id": "123"}, 400, "address_id"),
        ({"attribute[colour]": "red"}, 400, "attribute[colour]"),
        ({"attribute[subcategory_text]": "x"}, 400, "attribute[subcategory_text]"),
        ({"nickname": "x"}, 400, "nickname"),
        ({"attribute[complainant_citizen_id]": "1234567890123"}, 400, None),
    ],
)
def test_bad_posts_write_nothing(world, change, status, name):
    before = Complaint.objects.count()
    errors = assert_errors(post(good(world["key49"], **change)), status)
    if name:
        assert any(e["description"].startswith(f"{name}:") for e in errors), errors
    assert Complaint.objects.count() == before


def test_a_partner_files_only_inside_its_areas(world):
    lat, lon = point_in(Subdistrict.objects.filter(province_id="48").order_by("code")[0].code)
    before = Complaint.objects.count()
    errors = assert_errors(post(good(world["key49"], lat=str(lat), long=str(lon))), 403)
    assert "outside" in errors[0]["description"] or "นอก" in errors[0]["description"]
    assert post(good(world["key_nation"], lat=str(lat), long=str(lon))).status_code == 200
    assert Complaint.objects.count() == before + 1


def test_posting_needs_a_key_or_an_intake_role(world):
    data = good(world["key49"])
    data.pop("api_key")
    before = Complaint.objects.count()
    assert_errors(post(data), 403)
    assert_errors(post(good("bad.key")), 403)
    assert_errors(post(data, client=officer_client(world["analyst"])), 403)
    response = post(data, client=officer_client(world["desk"]))
    assert response.status_code == 200, response.content
    (receipt,) = response.json()
    assert "token" not in receipt  # an officer's case has no partner token
    case = Complaint.objects.get(tracking_no=receipt["service_request_id"])
    assert case.created_by == world["desk"] and case.channel == Channel.ONLINE
    assert Complaint.objects.count() == before + 1


def test_a_json_body_works_too(world):
    data = good(world["key49"], service_code="other", attribute={"subcategory_text": "คำร้อง"})
    response = Client().post(
        f"{V2}/requests.json", json.dumps(data), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    case = Complaint.objects.get(tracking_no=response.json()[0]["service_request_id"])
    assert case.subcategory_text == "คำร้อง"


@pytest.mark.parametrize(
    "body", [[1, 2], "text", {"attribute": ["a"]}, {"attribute": "x", "service_code": "other"}]
)
def test_a_json_body_that_is_not_an_object_of_parameters_is_a_400(world, body):
    response = Client().post(
        f"{V2}/requests.json?api_key={world['key49']}",
        json.dumps(body),
        content_type="application/json",
    )
    assert_errors(response, 400)


def test_methods_other_than_get_and_post_are_refused(world):
    response = Client().delete(f"{V2}/requests.json?api_key={world['key49']}")
    assert_errors(response, 405)
    assert "GET" in response["Allow"] and "POST" in response["Allow"]


# --- The admin ----------------------------------------------------------------------------------


def test_the_admin_registers_a_partner_and_shows_its_key_once(world):
    admin = make_officer(Role.ADMIN, is_staff=True, is_superuser=True)
    client = officer_client(admin)
    response = client.post(
        "/admin/layers/partner/add/",
        {"name": "ระบบอำเภอเมือง", "whole_country": "on", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    key = text.split('<code class="issued-secret">')[1].split("</code>")[0]
    partner = Partner.objects.get(name="ระบบอำเภอเมือง")
    assert key.startswith(partner.key_prefix + ".") and key not in partner.key_hash
    assert Client().get(LIST, {"api_key": key}).status_code == 200
    listing = client.get("/admin/layers/partner/").content.decode()
    assert key not in listing and partner.key_prefix in listing
    page = client.get(f"/admin/layers/partner/{partner.pk}/change/").content.decode()
    assert key not in page and partner.key_hash not in page
    # Revoked from the list's action: the key stops working.
    client.post(
        "/admin/layers/partner/",
        {"action": "revoke_key", "_selected_action": [str(partner.pk)]},
    )
    assert_errors(Client().get(LIST, {"api_key": key}), 403)


def test_xml_drops_control_characters_that_xml_cannot_carry(world):
    desk = world["desk"]
    case = make_complaint(created_by=desk, description="bell\x07 and tab\t kept")
    response = officer_client(desk).get(f"{V2}/requests/{case.tracking_no}.xml")
    root = ElementTree.fromstring(response.content)  # parses: no illegal character left
    assert root.find("request/description").text == "bell and tab\t kept"
