"""Typed readers for environment variables that fail loudly on bad values.

The habit comes from healthchecks' ``hc/settings.py``: every setting has one place where it is
read, with a default only where a default is safe.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_header(name: str) -> tuple[str, str] | None:
    """A header and its value, as Django's ``request.META`` names them (see header_pair)."""
    try:
        return header_pair(os.environ.get(name, ""))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from exc


def header_pair(raw: str) -> tuple[str, str] | None:
    """``Header-Name: value`` as a ``request.META`` key and value; empty gives None.

    >>> header_pair("X-Forwarded-Proto: https")
    ('HTTP_X_FORWARDED_PROTO', 'https')
    >>> header_pair("  ") is None
    True
    >>> header_pair("https")
    Traceback (most recent call last):
    ValueError: must look like 'X-Forwarded-Proto: https' (header, colon, value), got 'https'
    """
    raw = raw.strip()
    if not raw:
        return None
    header, sep, value = raw.partition(":")
    header, value = header.strip(), value.strip()
    if not sep or not header or not value or " " in header:
        raise ValueError(
            f"must look like 'X-Forwarded-Proto: https' (header, colon, value), got {raw!r}"
        )
    return "HTTP_" + header.upper().replace("-", "_"), value
