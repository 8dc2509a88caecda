"""Strict reading of input values, shared by the services, the forms, the API and the filters.

Every write path (intake form, API, imports) reaches a service, and the service reads its raw
values through these functions, so that a form, a JSON body and an import cannot disagree on
what is a text, a number or a version:

* a text is a ``str`` (never a number, a boolean, an object or a list turned into its Python
  repr), without NUL characters, at most ``TEXT_LIMITS[field]`` characters once stripped;
* a decimal is written with ASCII digits, an optional sign and point, nothing else (Python's
  ``float`` also takes ``1_6.5``, ``1e3``, ``inf``, ``nan`` and Thai digits);
* a whole number (a case version) is a JSON integer or ASCII digits, never ``true``, ``4.9``
  or ``"๕"``.

Each refusal is an ``InvalidInput`` naming the field, with a message in the page's language.
"""

from __future__ import annotations

import math
import re

from django.utils.translation import gettext as _

from layers.errors import InvalidInput

# The longest text each field may hold, in characters. Char columns repeat their model's
# max_length (a test checks they agree); text columns have their limit only here.
TEXT_LIMITS: dict[str, int] = {
    # the complaint
    "title": 200,
    "description": 20_000,
    "location_note": 255,
    "subcategory_text": 200,
    "complainant_name": 200,
    "complainant_phone": 20,
    "complainant_address": 300,
    "complainant_email": 254,
    "accused_name": 200,
    "accused_detail": 300,
    # the workflow (notes, reasons, closing notes, the agency a case goes to)
    "note": 5_000,
    "text": 5_000,
    "reason": 5_000,
    "agency": 200,
    # the closing note for the complainant (shown on the public tracking page)
    "public_note": 2_000,
}

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DIGITS = re.compile(r"[0-9]+")


def text_value(
    value,
    *,
    field: str,
    required: bool = False,
    required_message: str | None = None,
    limit: int | None = None,
) -> str:
    """A stripped text, or ``InvalidInput`` naming ``field``. None and "" are empty."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise InvalidInput({field: _("Send text for this field (not a number, object or list).")})
    if "\x00" in text:  # PostgreSQL text cannot hold it: a 400 here, not a 500 at the INSERT
        raise InvalidInput({field: _("Remove the NUL character from the text.")})
    if required and not text:
        raise InvalidInput({field: required_message or _("This field is required.")})
    limit = limit if limit is not None else TEXT_LIMITS.get(field)
    if limit is not None and len(text) > limit:
        raise InvalidInput(
            {
                field: _("At most %(limit)d characters, please (this has %(n)d).")
                % {"limit": limit, "n": len(text)}
            }
        )
    return text


def decimal_value(value, *, field: str, low: float, high: float) -> float:
    """A finite number between ``low`` and ``high`` from a JSON number or a plain decimal
    written in ASCII digits; ``InvalidInput`` naming ``field`` otherwise."""
    if isinstance(value, bool) or value is None:
        number = None
    elif isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        number = float(value.strip())
    else:
        number = None
    if number is None:
        shown = str(value)[:40] if value is not None else ""
        raise InvalidInput(
            {field: _("Not a number: %(value)s (write digits, e.g. 16.54).") % {"value": shown}}
        )
    if not math.isfinite(number) or not (low <= number <= high):
        raise InvalidInput(
            {field: _("Must be between %(low)s and %(high)s.") % {"low": low, "high": high}}
        )
    return number


def whole_number(value, *, field: str, min_value: int = 1, message: str | None = None) -> int:
    """A JSON integer or ASCII digits, at least ``min_value``; never a boolean or a fraction."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    if number is None or number < min_value:
        raise InvalidInput(
            {
                field: message
                or _("A whole number of at least %(min)d, written in digits.") % {"min": min_value}
            }
        )
    return number


def choice_value(value, *, field: str, choices, message: str) -> str:
    """One of ``choices`` (strings), exactly."""
    if not isinstance(value, str) or value not in choices:
        raise InvalidInput({field: message})
    return value


def digits_code(value, *, field: str, digits: int) -> str:
    """A DOPA area code: exactly ``digits`` ASCII digits."""
    text = value.strip() if isinstance(value, str) else ""
    if len(text) != digits or not _DIGITS.fullmatch(text):
        raise InvalidInput(
            {
                field: _("Must be a %(digits)d-digit DOPA code, not %(value)s.")
                % {"digits": digits, "value": repr(str(value)[:20])}
            }
        )
    return text
