"""Thai words for search (issue 12): one tokeniser for what is indexed and what is asked.

Thai is written without spaces, and PostgreSQL's parser keeps a whole Thai run as one term, so
``ถนนลูกรังเป็นหลุม`` would only be found by that exact run. Here every text is first
normalised like every other comparison (``layers.thaitext.normalize_text``: marks reordered,
Thai digits as Arabic, lower case) and split into words by ``newmm`` (nlpO3, the same
dictionary-based maximal matching as PyThaiNLP's ``newmm``, in Rust) with a custom dictionary: PyThaiNLP's own word list, the agency names and terms of ``AGENCY_TERMS``
(ศูนย์ดำรงธรรม, ชปต., …), and every province, district and sub-district name of the official
code list (``geothai``, the list the boundary loader checks its names against). The words are
joined with spaces and go into a ``simple`` tsvector (``layers.models.CaseSearch``); a query is
split by the same function and asked with ``phraseto_tsquery('simple', …)``, so that both sides
agree on the word boundaries.

Citizen IDs and phone numbers are never indexed as text: runs of nine digits or more are left
out of every indexed text (a description may hold them). They are found through the keyed
hashes of the duplicates engine (``layers.identity``) instead.
"""

from __future__ import annotations

import os
import re
import tempfile
from functools import lru_cache

from layers.thaitext import normalize_text

# Agency names and terms the officers type (the custom dictionary). Abbreviations without
# their dots: "ชปต." is indexed and asked as ชปต (the dot is punctuation to the tokeniser).
# Base words only: newmm takes the longest word, so "ศูนย์ดำรงธรรมจังหวัด" in the list would
# hide ศูนย์ดำรงธรรม from a search for it.
AGENCY_TERMS = (
    "ศูนย์ดำรงธรรม",
    "ชปต",
    "ชุดปฏิบัติการประจำตำบล",
    "กรมการปกครอง",
    "ที่ทำการปกครอง",
    "ผู้ว่าราชการจังหวัด",
    "นายอำเภอ",
    "ปลัดอำเภอ",
    "กำนัน",
    "ผู้ใหญ่บ้าน",
    "องค์การบริหารส่วนตำบล",
    "อบต",
    "อบจ",
    "เทศบาล",
    "ร้องเรียน",
    "ร้องทุกข์",
    "ยุติเรื่อง",
    "เรื่องคงค้าง",
    "สาธารณประโยชน์",
    "ทุจริต",
    "ประพฤติมิชอบ",
)

# Nine digits or more (spaces and dashes between them allowed): a citizen ID (13) or a phone
# number (9–10, or +66…). Tracking numbers (2569-0000123: 4 and 7 digits) are not caught.
_LONG_NUMBER = re.compile(r"\+?\d(?:[\s-]?\d){8,}")
_TRACKING_NO = re.compile(r"\d{4}-\d{7}")


def _drop_long_number(match: re.Match) -> str:
    text = match.group(0)
    return text if _TRACKING_NO.fullmatch(text) else " "


# OCR output (issue 12, scanned documents) writes ำ as nikhahit + sara aa.
_SPLIT_SARA_AM = re.compile("\u0e4d\u0e32")
# A token is a word when it holds a Thai or Latin letter or a digit.
_WORDLIKE = re.compile(r"[0-9a-z\u0e01-\u0e4e]")


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Every province, district and sub-district name (Thai) of the official code list."""
    import geothai

    provinces = geothai.provinces()
    districts = [d for p in provinces for d in geothai.districts(p.code)]
    subdistricts = [s for d in districts for s in geothai.subdistricts(d.code)]
    return frozenset(
        normalize_text(a.name_th) for a in (*provinces, *districts, *subdistricts) if a.name_th
    )


DICT_NAME = "damrong-search"


@lru_cache(maxsize=1)
def dictionary() -> str:
    """PyThaiNLP's word list, the agency terms and the place names, loaded into nlpO3 (the
    ``newmm`` algorithm in Rust, about ten times faster than PyThaiNLP's own on the same
    words) under ``DICT_NAME``, once per process (about 1 s)."""
    import nlpo3
    from pythainlp.corpus import thai_words

    terms = {normalize_text(t) for t in AGENCY_TERMS}
    words = sorted(set(thai_words()) | terms | place_names())
    fd, path = tempfile.mkstemp(prefix="damrong-words-", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(words))
        message, loaded = nlpo3.load_dict(path, DICT_NAME)
    finally:
        os.unlink(path)
    if not loaded:
        raise RuntimeError(f"nlpO3 did not load the search dictionary: {message}")
    return DICT_NAME


def _segment(text: str) -> list[str]:
    import nlpo3

    return nlpo3.segment(text, dictionary())


def search_normalize(text: str) -> str:
    """The text as it is indexed and asked: normalised, long numbers left out.

    >>> search_normalize("โทร ๐๘๑-๒๓๔-๕๖๗๘ เรื่อง 2569-0000123")
    'โทร เรื่อง 2569-0000123'
    """
    if not text:
        return ""
    text = _SPLIT_SARA_AM.sub("\u0e33", str(text))
    text = normalize_text(text)
    return " ".join(_LONG_NUMBER.sub(_drop_long_number, text).split())


def search_words(text: str) -> list[str]:
    """The words of a text, in order (spaces and punctuation left out).

    >>> search_words("ร้องเรียนศูนย์ดำรงธรรมจังหวัดมุกดาหาร ชปต.ตำบลบางทรายใหญ่")
    ['ร้องเรียน', 'ศูนย์ดำรงธรรม', 'จังหวัด', 'มุกดาหาร', 'ชปต', 'ตำบล', 'บางทรายใหญ่']
    """
    if not text:
        return []
    return list(_words(str(text)))


# Area names, categories and the demo data's phrases repeat: a bulk re-index tokenises each
# distinct text once.
@lru_cache(maxsize=20000)
def _words(text: str) -> tuple[str, ...]:
    text = search_normalize(text)
    if not text:
        return ()
    return tuple(w for w in _segment(text) if _WORDLIKE.search(w))


def indexed_text(*parts: str) -> str:
    """Several texts as one indexed text: their words joined with spaces."""
    return " ".join(w for part in parts if part for w in search_words(part))


def split_tokens(text: str) -> list[tuple[str, bool]]:
    """The text cut into (piece, is_word) in order, every character kept: for highlighting.

    Works on the text as typed (not normalised), so that what is shown is what was written.
    """
    if not text:
        return []
    pieces = _segment(str(text))
    return [(p, bool(_WORDLIKE.search(p.lower()))) for p in pieces]
