"""Buddhist-Era dates (พ.ศ. = C.E. + 543), as Thai offices write them."""

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import get_language

BE_OFFSET = 543

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
