"""Builders for test data, all going through the real services and the real database."""

from __future__ import annotations

import itertools

from django.contrib.gis.geos import Point

from boundaries.models import Subdistrict
from layers.models import Officer, Role, RoleAssignment, Team, TeamMembership
from layers.services.complaints import complaint_create
from layers.validators import citizen_id_check_digit

_ids = itertools.count(1)

# Points well inside known sample sub-districts (checked by tests/test_lookup.py).
MUKDAHAN_CITY = (16.5435, 104.7235)  # 490101 มุกดาหาร, อ.เมืองมุกดาหาร


def new_citizen_id(prefix: str = "3") -> str:
    first12 = f"{prefix}{next(_ids):011d}"[:12]
    return first12 + str(citizen_id_check_digit(first12))


def make_officer(
    role: str | None = None,
    *,
    province: str | None = None,
    district: str | None = None,
    teams: list[Team] = (),
    password: str = "Test-pass-2569",
    must_change_password: bool = False,
    **fields,
) -> Officer:
    officer = Officer.objects.create_user(
        new_citizen_id(),
        password,
        first_name=fields.pop("first_name", "ทดสอบ"),
        last_name=fields.pop("last_name", role or "outsider"),
        must_change_password=must_change_password,
        **fields,
    )
    if role:
        if district and not province:
            province = district[:2]
        RoleAssignment.objects.create(
            officer=officer, role=role, province_id=province, district_id=district
        )
    for team in teams:
        TeamMembership.objects.create(team=team, officer=officer)
    officer.test_password = password
    return officer


def make_team(subdistrict_code: str, **fields) -> Team:

    sub = Subdistrict.objects.get(code=subdistrict_code)
    return Team.objects.create(
        subdistrict=sub,
        district_id=sub.district_id,
        name=fields.pop("name", f"ชปต. ตำบล{sub.name_th}"),
        **fields,
    )


def make_complaint(lat: float = MUKDAHAN_CITY[0], lon: float = MUKDAHAN_CITY[1], **fields):

    defaults = dict(
        category="land",
        subcategory="land-public-encroach",
        channel="walk_in",
        complainant_name="นายสมชาย ใจดี",
        complainant_citizen_id=new_citizen_id("1"),
        complainant_phone="0812345678",
        description="มีการบุกรุกที่สาธารณประโยชน์ริมหนองน้ำ",
        created_by=None,  # recorded by the system (tests that need an officer pass one)
    )
    defaults.update(fields)
    return complaint_create(location=Point(lon, lat, srid=4326), **defaults)


__all__ = ["Role", "make_complaint", "make_officer", "make_team", "new_citizen_id"]
