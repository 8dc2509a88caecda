"""GET /api/boundaries/lookup: the point → area answer as JSON, for officers with a role."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from boundaries.models import Subdistrict
from layers.models import Role
from tests.factories import MUKDAHAN_CITY, make_officer

pytestmark = pytest.mark.django_db

URL = reverse("api:boundaries-lookup")


@pytest.fixture
def officer_client(client):
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    client.force_login(officer)
    return client


def point_inside(code: str) -> tuple[float, float]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_Y(ST_PointOnSurface(geom)), ST_X(ST_PointOnSurface(geom)) "
            "FROM boundaries_subdistrict WHERE code = %s",
            [code],
        )
        return cur.fetchone()


def test_a_point_inside_returns_codes_names_and_quality(officer_client):
    lat, lon = point_inside("490201")
    response = officer_client.get(URL, {"lat": lat, "lon": lon})
    assert response.status_code == 200
    body = response.json()
    s = Subdistrict.objects.select_related("district", "province").get(code="490201")
    assert body == {
        "inside": True,
        "lat": lat,
        "lon": lon,
        "subdistrict_code": "490201",
        "subdistrict_name_th": s.name_th,
        "subdistrict_name_en": s.name_en,
        "district_code": s.district_id,
        "district_name_th": s.district.name_th,
        "district_name_en": s.district.name_en,
        "province_code": "49",
        "province_name_th": s.province.name_th,
        "province_name_en": s.province.name_en,
        "geom_quality": "full",
    }


def test_an_officer_of_another_province_may_look_up_any_point(client):
    # Boundaries are public geography; intake routes a case pinned elsewhere to its district.
    client.force_login(make_officer(Role.PROVINCE_OFFICER, province="48"))
    lat, lon = point_inside("490101")
    body = client.get(URL, {"lat": lat, "lon": lon}).json()
    assert body["inside"] and body["subdistrict_code"] == "490101"


def test_a_point_outside_thailand_is_an_answer_not_an_error(officer_client):
    response = officer_client.get(URL, {"lat": "16.6", "lon": "105.0"})  # Laos
    assert response.status_code == 200
    body = response.json()
    assert body["inside"] is False and body["subdistrict_code"] is None
    assert body["message"]


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({}, {"lat", "lon"}),
        ({"lat": "16.5"}, {"lon"}),
        ({"lat": "", "lon": "104.7"}, {"lat"}),
        ({"lat": "north", "lon": "104.7"}, {"lat"}),
        ({"lat": "16.5", "lon": "1e999"}, {"lon"}),
        ({"lat": "nan", "lon": "104.7"}, {"lat"}),
        ({"lat": "91", "lon": "104.7"}, {"lat"}),
        ({"lat": "16.5", "lon": "-180.5"}, {"lon"}),
        # Python's float() reads all of these; a coordinate is plain ASCII decimal digits.
        ({"lat": "1_6.5", "lon": "104.7"}, {"lat"}),
        ({"lat": "16.5", "lon": "1e2"}, {"lon"}),
        ({"lat": "๑๖.๕", "lon": "104.7"}, {"lat"}),
        ({"lat": "inf", "lon": "104.7"}, {"lat"}),
        # A parameter the endpoint does not take is named, not ignored.
        ({"lat": "16.5", "lon": "104.7", "bbox": "1,2,3,4"}, {"bbox"}),
    ],
)
def test_bad_coordinates_are_a_400_naming_the_parameter(officer_client, params, bad):
    response = officer_client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}
    assert body["code"] == "invalid"
    assert set(body["fields"]) == bad
    assert all(body["fields"][name] for name in bad)


def test_anonymous_visitors_look_points_up_too(client):
    """Public since issue 11 (the public filing page pins with it): boundaries are public
    data. Throttled per address: tests/maps/test_public.py."""
    response = client.get(URL, {"lat": f"{MUKDAHAN_CITY[0]}", "lon": f"{MUKDAHAN_CITY[1]}"})
    assert response.status_code == 200
    assert response.json()["subdistrict_code"] == "490101"


def test_an_officer_without_a_role_gets_the_public_answer(client):
    client.force_login(make_officer())
    response = client.get(URL, {"lat": f"{MUKDAHAN_CITY[0]}", "lon": f"{MUKDAHAN_CITY[1]}"})
    assert response.status_code == 200
    assert response.json()["subdistrict_code"] == "490101"
