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
