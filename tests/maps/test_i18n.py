"""Thai by default, English after the switcher: the catalogue is complete and the pages use it.

The .po file is parsed here (no polib in the project); tests/conftest.py compiles it to the .mo
that Django reads, so a fresh clone without .mo files gets the same pages as a served site.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation

from layers.models import Channel, CloseResult, Notification, RegistrationRequest, Role, Status
from layers.services.officers import registration_approve
from layers.thaidate import THAI_MONTHS, be_year, format_be_date
from tests.factories import make_complaint, make_officer, make_team, new_citizen_id

pytestmark = pytest.mark.django_db

PO_PATH = Path(settings.BASE_DIR) / "locale" / "th" / "LC_MESSAGES" / "django.po"

# --- the catalogue --------------------------------------------------------------------------


def _unquote(s: str) -> str:
    body = s.strip()
    assert body.startswith('"') and body.endswith('"'), s
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], body[1:-1])


def parse_po(text: str) -> list[dict]:
    """Entries as {"flags", "msgid", "msgid_plural", "msgstr": {index or None: text}}."""
    entries, entry, field = [], None, None
    for line in text.splitlines() + [""]:
        if not line.strip():
            if entry is not None and entry["msgid"] is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgid": None, "msgid_plural": None, "msgstr": {}}
        if line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif m := re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (\".*\")$", line):
            keyword, index, value = m.group(1), m.group(2), _unquote(m.group(3))
            if keyword.startswith("msgstr"):
                field = ("msgstr", int(index) if index is not None else None)
                entry["msgstr"][field[1]] = value
            else:
                field = (keyword, None)
                entry[keyword] = value
        elif line.startswith('"'):
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += _unquote(line)
            else:
                entry[field[0]] += _unquote(line)
        else:
            raise AssertionError(f"unexpected line in the .po: {line!r}")
    return entries


def test_po_parser_reads_continuations_plurals_and_flags():
    entries = parse_po(
        '#, fuzzy, python-format\nmsgid ""\n"a %(n)s "\n"b"\nmsgstr "ก %(n)s"\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "\\"x\\"\\n"\n'
    )
    assert entries[0]["msgid"] == "a %(n)s b" and "fuzzy" in entries[0]["flags"]
    assert entries[1]["msgid_plural"] == "many" and entries[1]["msgstr"] == {0: '"x"\n'}


@pytest.fixture(scope="module")
def catalogue() -> tuple[dict, list[dict]]:
    entries = parse_po(PO_PATH.read_text(encoding="utf-8"))
    header = next(e for e in entries if e["msgid"] == "")
    return header, [e for e in entries if e["msgid"] != "" and not e.get("obsolete")]


def test_header_is_thai_with_one_plural_form(catalogue):
    header, entries = catalogue
    text = header["msgstr"][None]
    assert "Language: th\n" in text
    assert "Plural-Forms: nplurals=1; plural=0;" in text
    assert "charset=UTF-8" in text
    assert "fuzzy" not in header["flags"]
    assert len(entries) > 400  # the whole site, not a stub


def test_every_msgid_has_a_thai_translation_and_none_is_fuzzy(catalogue):
    _, entries = catalogue
    untranslated = [e["msgid"] for e in entries if not all(s.strip() for s in e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []
    thai = re.compile(r"[\u0E00-\u0E7F]")
    # Brand-free strings all carry Thai script (a copied English msgstr is not a translation);
    # the few allowed exceptions are technical tokens.
    not_thai = [
        e["msgid"] for e in entries if not any(thai.search(s) for s in e["msgstr"].values())
    ]
    assert not_thai == ["GPS"]


def test_plural_entries_have_exactly_the_one_thai_form(catalogue):
    _, entries = catalogue
    plurals = [e for e in entries if e["msgid_plural"] is not None]
    assert plurals, "the site has plural messages"
    for e in plurals:
        assert list(e["msgstr"]) == [0], e["msgid"]


# Named and positional %-placeholders and {name} ones. A literal "%%" may be dropped (Thai
# writes "ร้อยละ" for per cent), but a lone "%" would break the formatting.
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[-+ #0]*\d*(?:\.\d+)?[sdfrxi]|%[sdfr]|\{[a-z_]*\}")
LONE_PERCENT = re.compile(r"%(?!%|\(|[sdfr])")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_placeholders_are_kept(catalogue):
    _, entries = catalogue
    broken = []
    for e in entries:
        expected = placeholders(e["msgid"])
        if e["msgid_plural"] is not None:
            # Thai has one form: it must carry what the plural (the counted) form carries.
            expected = placeholders(e["msgid_plural"])
        for text in e["msgstr"].values():
            if placeholders(text) != expected or LONE_PERCENT.search(text.replace("%%", "")):
                broken.append((e["msgid"], text))
    assert broken == []


# --- the pages --------------------------------------------------------------------------------


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(fast_hasher, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    team = make_team("490101", email="team490101@example.org")
    return {
        "district": make_officer(Role.DISTRICT_OFFICER, district="4901"),
        "member": make_officer(Role.TEAM_MEMBER, district="4901", teams=[team]),
        "province": make_officer(Role.PROVINCE_OFFICER, province="49"),
        "team": team,
    }


def client_for(officer=None, language: str | None = None) -> Client:
    client = Client()
    if officer is not None:
        client.force_login(officer)
    if language is not None:
        # Exactly what the EN/TH buttons in the top bar do.
        response = client.post("/i18n/setlang/", {"language": language, "next": "/"})
        assert response.status_code == 302
        assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == language
    return client


def visible_text(html: str) -> str:
    """Text a user reads: page text plus the attributes shown or spoken (and the messages the
    scripts show, passed in data-msg-* attributes); scripts and styles left out."""
    attrs = re.findall(r'(?:placeholder|title|aria-label|alt|data-msg-[a-z-]+)="([^"]*)"', html)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    body = re.sub(r"<[^>]+>", " ", body)
    return " ".join([body, *attrs])


# Two English words in a row on a Thai page means a string escaped translation. Technical
# names and formats are allowed.
ALLOWED_LATIN = {"GeoJSON", "JPEG", "PNG", "WebP", "PDF", "GPS", "GIS", "EN", "TH", "MB"}


def english_leaks(html: str) -> list[str]:
    words = r"[A-Za-z][A-Za-z'’-]+"
    runs = re.findall(rf"{words}(?:[ ,]+{words})+", visible_text(html))
    return [r for r in runs if not set(re.split(r"[ ,]+", r)) <= ALLOWED_LATIN]


def pages(people) -> dict[str, tuple]:
    case = make_complaint()
    return {
        "login": (None, "/accounts/login/", ["เข้าสู่ระบบ", "เลขประจำตัวประชาชน"], ["Log in"]),
        "home": (
            people["district"],
            "/",
            ["เรื่องคงค้าง", "รับเรื่องร้องเรียน", "เจ้าหน้าที่ศูนย์ดำรงธรรมอำเภอ", "ร้อยละ"],
            ["Backlog (open cases)", "Record a complaint", "district officer"],
        ),
        "intake": (
            people["district"],
            "/cases/new/",
            ["จุดเกิดเหตุ", "เลขประจำตัวประชาชนของผู้ร้อง", "ประเภทเรื่องหลัก", "ผู้ถูกร้อง"],
            ["1. Incident location", "Accused party", "Main category"],
        ),
        "case": (
            people["district"],
            f"/cases/{case.tracking_no}/",
            ["ยุติเรื่อง", "ผู้ร้อง", "มอบหมายแล้ว", "ประวัติการดำเนินการ"],
            ["Close the case", "Complainant", "assigned", "History"],
        ),
        "team": (
            people["member"],
            "/team/",
            ["เรื่องของฉัน", "ใกล้ที่สุด", "แผนที่เรื่องของฉัน"],
            ["My cases", "Nearest", "Map of my cases"],
        ),
        "province map": (
            people["province"],
            "/maps/province/49/",
            ["จังหวัดมุกดาหาร (49)", "สถานะเรื่องร้องเรียน", "ดาวน์โหลดเป็น GeoJSON"],
            ["Complaint status", "Download as GeoJSON"],
        ),
    }


PAGE_NAMES = ["login", "home", "intake", "case", "team", "province map"]


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_key_pages_are_thai_by_default(people, name):
    officer, url, thai, english = pages(people)[name]
    # An English browser too: the site is Thai until the officer switches.
    response = client_for(officer).get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200, url
    html = response.content.decode()
    assert '<html lang="th">' in html
    for text in thai:
        assert text in html, (url, text)
    for text in english:
        assert text not in visible_text(html), (url, text)
    assert english_leaks(html) == [], url


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_key_pages_are_english_after_switching(people, name):
    officer, url, thai, english = pages(people)[name]
    response = client_for(officer, language="en").get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert '<html lang="en">' in html
    for text in english:
        assert text in html, (url, text)
    # The Thai interface words are gone (place names and categories stay Thai: they are data).
    assert "เข้าสู่ระบบ" not in html and "ออกจากระบบ" not in html


def test_switching_back_to_thai(people):
    client = client_for(people["district"], language="en")
    assert "Backlog (open cases)" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "th", "next": "/"})
    assert "เรื่องคงค้าง" in client.get("/").content.decode()


def test_home_month_is_in_the_buddhist_era_on_thai_pages(people):
    response = client_for(people["district"]).get("/")
    month = response.context["closure"]["month_start"]
    html = response.content.decode()
    assert f"{THAI_MONTHS[month.month - 1]} {be_year(month)}" in html
    english = client_for(people["district"], language="en").get("/").content.decode()
    assert f"{month:%B} {month.year}" in english
    assert str(be_year(month)) not in english


def test_case_page_dates_are_buddhist_era(people):
    case = make_complaint()
    html = client_for(people["district"]).get(f"/cases/{case.tracking_no}/").content.decode()
    assert format_be_date(case.received_at, with_time=True) in html
    assert f" {case.received_at.year} " not in visible_text(html)


def test_choices_and_roles_are_translated():
    with translation.override("th"):
        assert str(Status.CLOSED.label) == "ยุติเรื่อง"
        assert str(Status.IN_PROGRESS.label) == "อยู่ระหว่างดำเนินการ"
        assert str(Status.FORWARDED.label) == "ส่งต่อ"
        assert str(Status.RECEIVED.label) == "รับเรื่อง"
        assert str(Role.DISTRICT_CHIEF.label) == "นายอำเภอ"
        assert str(Role.GOVERNOR.label) == "ผู้ว่าราชการจังหวัด"
        assert "ชปต." in str(Role.TEAM_MEMBER.label)
        assert str(Channel.HOTLINE_1567.label) == "สายด่วน 1567"
        assert str(CloseResult.DUPLICATE.label) == "เรื่องซ้ำซ้อน"


def test_notifications_and_emails_are_thai_even_from_an_english_page(people, run_jobs):
    mail.outbox.clear()
    with translation.override("en"):
        case = make_complaint()  # routed to the team of 490101: in-app + e-mail
        run_jobs()
    message = Notification.objects.get(complaint=case, recipient=people["member"]).message
    assert message.startswith(f"เรื่องเลขที่ {case.tracking_no}")
    assert mail.outbox, "the team's address is told"
    assert mail.outbox[0].subject.startswith("[ดำรงธรรม GIS]")
    assert "เปิดดูเรื่อง:" in mail.outbox[0].body


def test_issued_password_email_is_thai_even_from_an_english_page(people, run_jobs):

    chief = make_officer(Role.DISTRICT_CHIEF, district="4901")
    request = RegistrationRequest.objects.create(
        citizen_id=new_citizen_id(),
        title="นาย",
        first_name="สมหมาย",
        last_name="ขยัน",
        position="ปลัดอำเภอ",
        permission_level="district",
        province_id="49",
        district_id="4901",
        phone_office="042611111",
        email="new.officer@example.org",
        date_assigned=date(2025, 10, 1),
    )
    mail.outbox.clear()
    with translation.override("en"):
        registration_approve(request=request, approver=chief)
        run_jobs()
    sent = [m for m in mail.outbox if m.to == ["new.officer@example.org"]]
    assert len(sent) == 1
    assert sent[0].subject == "ดำรงธรรม GIS: บัญชีผู้ใช้ของคุณ"
    assert "รหัสผ่านครั้งแรก" in sent[0].body
