"""Validators for Thai identifiers."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def citizen_id_check_digit(first12: str) -> int:
    """The 13th digit of a Thai citizen ID, from the first twelve.

    Each of the first twelve digits is weighted 13, 12, ..., 2; the check digit is
    ``(11 - sum % 11) % 10``.

    >>> citizen_id_check_digit("110170020341")
    7
    """
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return (11 - total % 11) % 10


def is_valid_citizen_id(value: str) -> bool:
    """True for 13 digits whose last digit is the check digit of the first twelve.

    >>> is_valid_citizen_id("1101700203417")
    True
    >>> is_valid_citizen_id("1101700203411")
    False
    >>> is_valid_citizen_id("110170020341")
    False
    """
    return (
        isinstance(value, str)
        and len(value) == 13
        and value.isascii()
        and value.isdigit()
        and citizen_id_check_digit(value[:12]) == int(value[12])
    )


_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def normalize_citizen_id(value: str) -> str:
    """Drop the dashes and spaces people type, and read Thai digits as digits.

    >>> normalize_citizen_id("1-1017-00203-41-7")
    '1101700203417'
    >>> normalize_citizen_id("๑๑๐๑๗๐๐๒๐๓๔๑๗")
    '1101700203417'
    """
    return "".join(ch for ch in str(value) if ch not in "- ").strip().translate(_THAI_DIGITS)


def validate_citizen_id(value: str) -> None:
    value = normalize_citizen_id(value)
    if len(value) != 13 or not value.isdigit():
        raise ValidationError(_("A citizen ID has 13 digits."), code="citizen_id_length")
    if not is_valid_citizen_id(value):
        raise ValidationError(
            _("This citizen ID's check digit is wrong: please check the 13 digits again."),
            code="citizen_id_check_digit",
        )


def validate_thai_phone(value: str) -> None:
    digits = "".join(ch for ch in value if ch.isdigit())
    if value and not (9 <= len(digits) <= 10 and digits.startswith("0")):
        raise ValidationError(
            _("A Thai phone number has 9 or 10 digits and starts with 0."), code="phone"
        )
