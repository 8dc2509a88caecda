"""Tips and anti-corruption officers for the tests (issue 11, seed 000)."""

from __future__ import annotations

from layers.models import Role
from layers.services.anticorruption import assign_ac_role, tip_file
from tests.factories import make_officer

TIPSTER_NAME = "นางสาวผู้แจ้ง ลับเฉพาะ"
TIPSTER_PHONE = "0898765432"
TIPSTER_EMAIL = "whistle.secret@example.org"


def tip_data(**overrides) -> dict:
    data = {
        "tipster_name": "",
        "tipster_phone": "",
        "tipster_email": "",
        "accused_name": "นายผู้ถูกกล่าวหา ทดสอบ",
        "accused_position": "ผู้ใหญ่บ้าน",
        "accused_unit": "หมู่ 3 ตำบลมุกดาหาร",
        "accused_level": "local",
        "province": "49",
        "district": "4901",
        "place_note": "",
        "description": "เรียกรับเงินค่าออกหนังสือรับรองจากชาวบ้านหลายราย",
        "happened_on": None,
    }
    data.update(overrides)
    return data


def file_tip(files=(), address=None, **overrides):
    """A tip filed through the service: its receipt (number, PIN, level)."""
    return tip_file(data=tip_data(**overrides), files=files, address=address)


def make_ac_officer(role: str, *, province=None, district=None, **fields):
    officer = make_officer(None, **fields)
    assign_ac_role(officer=officer, role=role, province=province, district=district)
    return officer


def ac_officers() -> dict:
    """Coordinators of 49 and 48, reporters of 4901 and 4902, the centre."""
    return {
        "coord49": make_ac_officer(Role.AC_COORDINATOR, province="49", last_name="COORD49"),
        "coord48": make_ac_officer(Role.AC_COORDINATOR, province="48", last_name="COORD48"),
        "rep4901": make_ac_officer(Role.AC_REPORTER, district="4901", last_name="REP4901"),
        "rep4902": make_ac_officer(Role.AC_REPORTER, district="4902", last_name="REP4902"),
        "centre": make_ac_officer(Role.AC_CENTRE, last_name="CENTRE"),
    }
