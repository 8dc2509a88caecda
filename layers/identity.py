"""People made comparable across cases without plain-text indexes of their identifiers.

Citizen IDs and phone numbers are compared through a keyed hash: HMAC-SHA256 with
``settings.PERSON_MATCH_KEY`` (from the environment; required outside development). A plain
hash would not do: there are about 10¹² possible citizen IDs and a plain SHA-256 of each is
brute-forced in minutes, so whoever reads a plain hash reads the ID. Without the key the HMAC
says nothing. The hashes are stored in indexed columns beside the values (the values
themselves are no longer indexed); changing the key means computing them again
(``manage.py person_hashes --all``).

Names are compared in a normalised form: titles (นาย, นางสาว, ด.ช., ดร., ผู้ใหญ่บ้าน, กำนัน, ranks…)
removed from the start, Thai digits as Arabic, no spaces or dots, PyThaiNLP's ``normalize``.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

from layers.thaitext import THAI_DIGITS, normalize_text
from layers.validators import is_valid_citizen_id, normalize_citizen_id

# Titles and ranks that may open a Thai name, longest first (so นางสาว wins over นาง). A title
# is removed whether or not a space follows it, so "นายกมล" and "นาย กมล" agree.
TITLES = sorted(
    {
        "นาย",
        "นาง",
        "นางสาว",
        "น.ส.",
        "นส.",
        "เด็กชาย",
        "เด็กหญิง",
        "ด.ช.",
        "ด.ญ.",
        "ดร.",
        "ศ.",
        "รศ.",
        "ผศ.",
        "นพ.",
        "พญ.",
        "ทพ.",
        "ภก.",
        "คุณ",
        "ผู้ใหญ่บ้าน",
        "ผญบ.",
        "ผู้ช่วยผู้ใหญ่บ้าน",
        "กำนัน",
        "ปลัด",
        "ว่าที่ร้อยตรี",
        "ว่าที่ร.ต.",
        "ว่าที่ ร.ต.",
        "พระ",
        "พระครู",
        "พระมหา",
        "แม่ชี",
        "สิบเอก",
        "สิบโท",
        "สิบตรี",
        "จ่าสิบเอก",
        "ร้อยตรี",
        "ร้อยโท",
        "ร้อยเอก",
        "พันตรี",
        "พันโท",
        "พันเอก",
        # Police and military ranks, abbreviated.
        "พล.ต.อ.",
        "พล.ต.ท.",
        "พล.ต.ต.",
        "พ.ต.อ.",
        "พ.ต.ท.",
        "พ.ต.ต.",
        "ร.ต.อ.",
        "ร.ต.ท.",
        "ร.ต.ต.",
        "ด.ต.",
        "จ.ส.ต.",
        "ส.ต.อ.",
        "ส.ต.ท.",
        "ส.ต.ต.",
        "พ.อ.",
        "พ.ท.",
        "พ.ต.",
        "ร.อ.",
        "ร.ท.",
        "ร.ต.",
        "จ.ส.อ.",
        "ส.อ.",
        "ส.ท.",
        "ส.ต.",
        "mr.",
        "mrs.",
        "ms.",
        "miss",
        "dr.",
    },
    key=len,
    reverse=True,
)
_SPACE_OR_DOT = re.compile(r"[\s.]+")


def normalize_name(name: str) -> str:
    """A person's or an agency's name as names are compared: titles off, no spaces or dots,
    Thai digits as Arabic, marks in PyThaiNLP's order, Latin letters in lower case.

    >>> normalize_name("นางสาว สมหญิง  ใจดี")
    'สมหญิงใจดี'
    >>> normalize_name("ผู้ใหญ่บ้าน นายสมชาย ใจดี") == normalize_name("สมชาย ใจดี")
    True
    >>> normalize_name("ด.ช.สมปอง ๑") == normalize_name("เด็กชาย สมปอง 1")
    True
    >>> normalize_name("กำนันสมศักดิ์ รักถิ่น")
    'สมศักดิ์รักถิ่น'
    >>> normalize_name("พ.ต.อ. ประยุทธ มั่นคง")
    'ประยุทธมั่นคง'
    >>> normalize_name("นายกมล ดีงาม") == normalize_name("นาย กมล ดีงาม")
    True
    >>> normalize_name("อบต. หนองบัว")
    'อบตหนองบัว'
    >>> normalize_name("Mr. John  SMITH")
    'johnsmith'
    >>> normalize_name("นาย")  # a title alone is not a name
    ''
    """
    text = normalize_text(name)
    changed = True
    while changed and text:
        changed = False
        for title in TITLES:
            if text.startswith(title):
                text = text[len(title) :].lstrip()
                changed = True
                break
    return _SPACE_OR_DOT.sub("", text).translate(THAI_DIGITS)


def normalize_phone(phone: str) -> str:
    """A Thai phone number in E.164 (``+66`` and the number without its leading 0), or "" when
    it is not one.

    >>> normalize_phone("081-234-5678")
    '+66812345678'
    >>> normalize_phone("+66 81 234 5678")
    '+66812345678'
    >>> normalize_phone("66812345678")
    '+66812345678'
    >>> normalize_phone("02 123 4567")
    '+6621234567'
    >>> normalize_phone("๐๘๑๒๓๔๕๖๗๘")
    '+66812345678'
    >>> normalize_phone("1234")
    ''
    """
    digits = "".join(ch for ch in str(phone or "").translate(THAI_DIGITS) if ch.isdigit())
    if digits.startswith("66") and len(digits) in (10, 11):
        digits = "0" + digits[2:]
    if digits.startswith("0") and len(digits) in (9, 10) and digits[1] != "0":
        return "+66" + digits[1:]
    return ""


def _key() -> bytes:
    return str(settings.PERSON_MATCH_KEY).encode("utf-8")


def keyed_hash(kind: str, value: str, *, key: bytes | None = None) -> str:
    """HMAC-SHA256 of ``kind:value`` (hex); "" for an empty value. ``kind`` keeps a phone and
    an ID with the same digits apart.

    >>> keyed_hash("cid", "1101700203417", key=b"k") == keyed_hash("cid", "1101700203417", key=b"k")
    True
    >>> keyed_hash("cid", "1101700203417", key=b"k") != keyed_hash("cid", "1101700203417", key=b"j")
    True
    >>> keyed_hash("cid", "", key=b"k")
    ''
    """
    if not value:
        return ""
    message = f"{kind}:{value}".encode()
    return hmac.new(key if key is not None else _key(), message, hashlib.sha256).hexdigest()


def citizen_id_hash(citizen_id: str, *, key: bytes | None = None) -> str:
    """The keyed hash of a valid citizen ID (however typed), or "" (none, or not valid)."""
    value = normalize_citizen_id(citizen_id or "")
    if not is_valid_citizen_id(value):
        return ""
    return keyed_hash("cid", value, key=key)


def phone_hash(phone: str, *, key: bytes | None = None) -> str:
    """The keyed hash of a phone number in E.164, or "" (none, or not a Thai number)."""
    return keyed_hash("phone", normalize_phone(phone), key=key)


def person_columns(
    *, citizen_id: str = "", phone: str = "", name: str = "", accused_name: str = ""
) -> dict[str, str]:
    """The comparison columns of a complaint from its people's data (what intake stores)."""
    return {
        "complainant_cid_hash": citizen_id_hash(citizen_id),
        "complainant_phone_hash": phone_hash(phone),
        "complainant_name_norm": normalize_name(name),
        "accused_name_norm": normalize_name(accused_name),
    }
