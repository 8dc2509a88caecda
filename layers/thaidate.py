"""Buddhist-Era dates (พ.ศ. = C.E. + 543), as Thai offices write them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import get_language

BE_OFFSET = 543
# The department's clock: months, days and "month end" are Bangkok's (no daylight saving).
BANGKOK = ZoneInfo("Asia/Bangkok")
_BE_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")

THAI_MONTHS = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
THAI_MONTHS_ABBR = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)


def be_year(value: date | datetime | None = None) -> int:
    """The Buddhist-Era year of a date (today in Bangkok when none is given).

    >>> be_year(date(2026, 11, 21))
    2569
    """
    if value is None:
        value = timezone.localdate()
    elif isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.year + BE_OFFSET


def format_be_date(
    value: date | datetime | None, *, short: bool = False, with_time: bool = False
) -> str:
    """Format a date the Thai way.

    >>> format_be_date(date(2026, 11, 21))
    '21 พฤศจิกายน 2569'
    >>> format_be_date(date(2026, 1, 5), short=True)
    '5 ม.ค. 2569'
    """
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    months = THAI_MONTHS_ABBR if short else THAI_MONTHS
    text = f"{value.day} {months[value.month - 1]} {value.year + BE_OFFSET}"
    if with_time and isinstance(value, datetime):
        text += f" {value:%H:%M} น."
    return text


def date_label(value, arg: str = "") -> str:
    """A date in the page's language: B.E. on Thai pages, the same date in C.E. on English
    ones. ``arg`` holds options, comma-separated: ``short`` (abbreviated month), ``time``.

    The ``be_date`` template filter and the selectors that label list rows both call it.
    """
    if value is None or value == "":
        return ""
    options = set(arg.split(",")) if arg else set()
    if (get_language() or "th").startswith("th"):
        return format_be_date(value, short="short" in options, with_time="time" in options)
    fmt = "%d %b %Y" if "short" in options else "%d %B %Y"
    if "time" in options and hasattr(value, "hour"):
        fmt += " %H:%M"
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime(fmt)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month (C.E. inside), read and written the Thai way: ``2569-10`` is
    October 2026. Its instants are Bangkok's: from the 1st at 00:00 to the next month's 1st.

    >>> Month.parse("2569-10")
    Month(year=2026, month=10)
    >>> Month(2026, 12).next().be_code
    '2570-01'
    >>> Month(2026, 1).label()
    'มกราคม 2569'
    """

    year: int
    month: int

    @classmethod
    def parse(cls, value) -> Month:
        """``YYYY-MM`` with a B.E. year; ValueError when it is not one."""
        match = _BE_MONTH.fullmatch(value if isinstance(value, str) else "")
        if not match:
            raise ValueError(f"not a B.E. month (YYYY-MM): {value!r}")
        year, month = int(match[1]) - BE_OFFSET, int(match[2])
        if not 1 <= month <= 12 or not 1900 <= year <= 2400:
            raise ValueError(f"not a B.E. month (YYYY-MM): {value!r}")
        return cls(year, month)

    @classmethod
    def of(cls, value: date | datetime) -> Month:
        """The month of a date, or of an instant in Bangkok."""
        if isinstance(value, datetime) and timezone.is_aware(value):
            value = timezone.localtime(value)
        return cls(value.year, value.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def be_code(self) -> str:
        return f"{self.year + BE_OFFSET}-{self.month:02d}"

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def start(self) -> datetime:
        """The month's first instant, midnight on the 1st in Bangkok."""
        return datetime.combine(self.first_day, time(0, 0), tzinfo=BANGKOK)

    def end(self) -> datetime:
        """The first instant of the next month (the month is ``[start, end)``)."""
        return self.next().start()

    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def label(self, *, short: bool = False) -> str:
        """``ตุลาคม 2569`` (``ต.ค. 2569`` short) on Thai pages, ``October 2026`` on others."""
        if (get_language() or "th").startswith("th"):
            months = THAI_MONTHS_ABBR if short else THAI_MONTHS
            return f"{months[self.month - 1]} {self.year + BE_OFFSET}"
        return self.first_day.strftime("%b %Y" if short else "%B %Y")


# --- Reading dates as Thai offices type them (spreadsheet imports, issue 12) -------------------

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_NUMERIC_DATE = re.compile(r"([0-9]{1,2})\s*[/.\-]\s*([0-9]{1,2})\s*[/.\-]\s*([0-9]{2}|[0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_WORD_DATE = re.compile(r"([0-9]{1,2})\s*([^\s0-9]+(?:\s*[^\s0-9]+)?)\s*([0-9]{2}|[0-9]{4})")
# Month names and abbreviations, with and without their dots, and "พ.ศ." read past.
_MONTH_WORDS = {
    **{name: n for n, name in enumerate(THAI_MONTHS, 1)},
    **{abbr: n for n, abbr in enumerate(THAI_MONTHS_ABBR, 1)},
    **{abbr.replace(".", ""): n for n, abbr in enumerate(THAI_MONTHS_ABBR, 1)},
}


def _year(text: str) -> int:
    """A C.E. year from a B.E. one (4 digits from 2400, or 2 digits: ``65`` is 2565) or, for
    spreadsheets written the international way, a C.E. one (1900–2200)."""
    year = int(text)
    if len(text) == 2:
        year += 2500
    if year >= 2400:
        return year - BE_OFFSET
    if 1900 <= year <= 2200:
        return year
    raise ValueError(f"not a year: {text!r}")


def parse_be_date(value) -> date:
    """A date from a spreadsheet cell the way Thai offices write it: ``31/01/2565``,
    ``31-1-65``, ``31 ม.ค. 65``, ``31 มกราคม พ.ศ. 2565``, in Thai or Arabic digits, an ISO
    date, or a date cell. A B.E. year typed into a date cell arrives as the year 2565 C.E.
    and is read as B.E. ValueError when it is not a real date.

    >>> parse_be_date("31/01/2565")
    datetime.date(2022, 1, 31)
    >>> parse_be_date("๓๑ ม.ค. ๖๕")
    datetime.date(2022, 1, 31)
    >>> parse_be_date("5 กุมภาพันธ์ พ.ศ. 2567")
    datetime.date(2024, 2, 5)
    >>> parse_be_date(datetime(2565, 1, 31))
    datetime.date(2022, 1, 31)
    >>> parse_be_date("31/02/2565")
    Traceback (most recent call last):
    ...
    ValueError: day is out of range for month
    """
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        if value.year >= 2400:
            return value.replace(year=value.year - BE_OFFSET)
        return value
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.translate(_THAI_DIGITS).strip().replace("พ.ศ.", " ").replace("พ.ศ", " ")
    text = re.sub(r"\s+", " ", text).strip()
    if match := _ISO_DATE.fullmatch(text):
        return date(_year(match[1]), int(match[2]), int(match[3]))
    # A date cell exported as text: "2022-01-31 00:00:00".
    if match := re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[ T]00:00(:00)?", text):
        return date(_year(match[1]), int(match[2]), int(match[3]))
    if match := _NUMERIC_DATE.fullmatch(text):
        return date(_year(match[3]), int(match[2]), int(match[1]))
    if match := _WORD_DATE.fullmatch(text):
        month = _MONTH_WORDS.get(match[2].replace(" ", ""))
        if month is None:
            raise ValueError(f"not a Thai month: {match[2]!r}")
        return date(_year(match[3]), month, int(match[1]))
    raise ValueError(f"not a date: {value!r}")
