"""``Authorization: Token <key>`` (or ``Bearer <key>``) for every DRF endpoint.

Listed after DRF's session authentication in ``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``:
a browser's session cookie is read first (with its CSRF check on writes); a client without a
session (QGIS, GDAL with ``GDAL_HTTP_HEADERS="Authorization: Token …"``, scripts) is read here.
A token request carries no cookie and needs no CSRF token: a cross-site page cannot make a
browser send an ``Authorization`` header.

The key is checked by ``layers.services.tokens.api_token_authenticate``; a refusal (unknown,
malformed, revoked, expired) is a 401 in the core's error shape with ``WWW-Authenticate: Token``
(``api/errors.py``). A request without the header is left to the next authenticator (or
anonymous), so public endpoints stay public.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from api.errors import TOKEN_CHALLENGE
from layers.errors import ApplicationError, TokenRefused
from layers.services.tokens import api_token_authenticate

KEYWORDS = ("token", "bearer")


class TokenFailed(exceptions.AuthenticationFailed):
    """DRF's authentication failure carrying the application error to answer with."""

    def __init__(self, failure: ApplicationError):
        super().__init__(failure.message, code=failure.code)
        self.failure = failure


def token_from_header(value: str) -> str | None:
    """The key of an ``Authorization`` header that names the Token or Bearer scheme, else
    None (another scheme: not ours). A Token/Bearer header without a single key is refused."""
    parts = value.split()
    if not parts or parts[0].lower() not in KEYWORDS:
        return None
    if len(parts) != 2:
        raise TokenFailed(
            TokenRefused(_("Send the header as “Authorization: Token <key>”, the key whole."))
        )
    return parts[1]


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        key = token_from_header(header)
        if key is None:
            return None
        try:
            officer, token = api_token_authenticate(key=key)
        except ApplicationError as exc:
            raise TokenFailed(exc) from None
        return officer, token

    def authenticate_header(self, request):
        return TOKEN_CHALLENGE
