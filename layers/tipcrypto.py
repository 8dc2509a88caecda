"""Encryption at rest of the anti-corruption tipster's identity and contact.

``cryptography``'s Fernet (AES-128-CBC with HMAC-SHA256, a random IV per value): the same name
encrypted twice gives two different tokens, so the database says nothing, not even whether two
tips came from the same person. The key is ``settings.ANTICORRUPTION_KEY``; tokens written with
an older key (``ANTICORRUPTION_KEY_FALLBACKS``) still decrypt. Only ``layers.selectors.
anticorruption`` calls ``decrypt``, and only for a viewer the policy entitles.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet() -> MultiFernet:
    keys = [settings.ANTICORRUPTION_KEY, *settings.ANTICORRUPTION_KEY_FALLBACKS]
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def encrypt(value: str) -> str:
    """A token for ``value`` ("" stays "": nothing to hide)."""
    if not value:
        return ""
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The plain text of a token; "" for "" and for a token no key opens (a lost key must not
    take the tip page down: the handler sees that the contact cannot be read)."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        return ""
