"""Thai text made comparable: normalised, and split into words where that is measured to help.

Thai is written without spaces between words, the same word can be typed with its marks in a
different order (a tone mark before or after a vowel mark, a mark doubled), and numbers come in
Thai or Arabic digits. Every comparison of texts (duplicate descriptions, names) goes through
``normalize_text`` first: PyThaiNLP's ``normalize`` (reorders and de-duplicates the marks,
drops zero-width characters), Thai digits as Arabic ones, lower case, one space between words.

PyThaiNLP is used offline: its ``newmm`` word list ships inside the package, and
``PYTHAINLP_OFFLINE`` / ``PYTHAINLP_READ_ONLY`` are set before it is imported, so it never tries
to download a corpus or to write a data folder at run time (tests/layers/test_thaitext.py).
"""

from __future__ import annotations

import os
import re

# Before the first import of pythainlp anywhere in the process.
os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

from pythainlp.tokenize import word_tokenize  # noqa: E402
from pythainlp.util import normalize as _pythainlp_normalize  # noqa: E402

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SPACES = re.compile(r"\s+")
# A token is a word when it holds a Thai or Latin letter or a digit (not spaces, punctuation).
_WORDLIKE = re.compile(r"[0-9A-Za-z\u0E01-\u0E4E]")


def normalize_text(text: str) -> str:
    """The form every Thai text is compared in.

    >>> normalize_text("  ถนน   หมู่ที่ ๕\\tชำรุด ")
    'ถนน หมู่ที่ 5 ชำรุด'
    >>> normalize_text("น้ำ") == normalize_text("น\u0e49\u0e49ำ")  # a doubled tone mark
    True
    >>> normalize_text("ROAD ๑๒")
    'road 12'
    """
    if not text:
        return ""
    text = _pythainlp_normalize(str(text)).translate(THAI_DIGITS).lower()
    return _SPACES.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """The words of an already normalised text (PyThaiNLP ``newmm``), spaces and punctuation
    left out.

    >>> words("ถนนลูกรังเป็นหลุมบ่อ ขอให้ซ่อม")
    ['ถนนลูกรัง', 'เป็น', 'หลุม', 'บ่อ', 'ขอให้', 'ซ่อม']
    """
    if not text:
        return []
    return [
        w for w in word_tokenize(text, engine="newmm", keep_whitespace=False) if _WORDLIKE.search(w)
    ]


def jaccard(a: set, b: set) -> float:
    """|a ∩ b| / |a ∪ b|; 0 when both are empty.

    >>> jaccard({"a", "b"}, {"b", "c"})
    0.3333333333333333
    """
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


# --- Text read by OCR ---------------------------------------------------------------------------

# Tesseract's Thai model writes ำ (SARA AM) as NIKHAHIT + SARA AA, sometimes with the tone mark
# between them (น + ํ + ้ + า for น้ำ).
_NIKHAHIT_AA = re.compile("\u0e4d([\u0e48-\u0e4b]?)\u0e32")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\ufeff]")
_LINE_SPACES = re.compile(r"[ \t\u00a0]+")


def ocr_normalise(text: str) -> str:
    """Text read from a scan, in the form it is shown and stored: NFC, ํา as ำ, no zero-width
    characters, one space between words, no blank lines left at the ends. Thai digits stay
    as written (they are indexed as Arabic ones by ``normalize_text``).

    >>> ocr_normalise("ที่ ศูนย์ด\u0e4d\u0e32รงธรรม  น\u0e4d\u0e49\u0e32 ๑๒")
    'ที่ ศูนย์ดำรงธรรม น้ำ ๑๒'
    """
    import unicodedata

    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text))
    text = _ZERO_WIDTH.sub("", text)
    text = _NIKHAHIT_AA.sub(lambda m: m.group(1) + "\u0e33", text)
    lines = [_LINE_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(lines).strip("\n")


THAI_MONTHS = (
    "มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|สิงหาคม|กันยายน|ตุลาคม|"
    "พฤศจิกายน|ธันวาคม|ม\\.ค\\.|ก\\.พ\\.|มี\\.ค\\.|เม\\.ย\\.|พ\\.ค\\.|มิ\\.ย\\.|ก\\.ค\\.|"
    "ส\\.ค\\.|ก\\.ย\\.|ต\\.ค\\.|พ\\.ย\\.|ธ\\.ค\\."
)
_DIGIT = "0-9\u0e50-\u0e59"
_DATE = re.compile(
    rf"[{_DIGIT}]{{1,2}}\s*(?:{THAI_MONTHS})\s*(?:พ\.ศ\.\s*)?[{_DIGIT}]{{2,4}}"
    rf"|[{_DIGIT}]{{1,2}}/[{_DIGIT}]{{1,2}}/[{_DIGIT}]{{2,4}}"
)
_NUMBER = re.compile(rf"[{_DIGIT}](?:[{_DIGIT}]|[./,:-](?=[{_DIGIT}]))*")


def ocr_flags(text: str) -> list[dict]:
    """The dates and numbers of a text read by OCR, for a person to check against the scan
    (the packaged Thai model cannot write the Thai digits ๔ ๖ ๗ ๘ ๙ and misreads them).

    >>> [(f["kind"], f["text"]) for f in ocr_flags("ที่ มท ๐๓๑๐/๒๕ ลงวันที่ 5 มกราคม 2568")]
    [('number', '๐๓๑๐/๒๕'), ('date', '5 มกราคม 2568')]
    """
    if not text:
        return []
    found, taken = [], []
    for m in _DATE.finditer(text):
        found.append((m.start(), "date", m.group(0)))
        taken.append((m.start(), m.end()))
    for m in _NUMBER.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        found.append((m.start(), "number", m.group(0)))
    return [{"kind": kind, "text": value, "at": at} for at, kind, value in sorted(found)]
