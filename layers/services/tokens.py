"""Personal API tokens: create (the key shown once), revoke, and authenticate a request's key.

The key is ``dmr_`` + an 8-character prefix + ``_`` + a 40-character secret (letters and
digits: about 238 random bits). Only the key's SHA-256 digest is stored: a key this random
needs no slow password hash (nothing to guess from a digest), and checking it costs a
microsecond per request. The prefix finds the row (a unique index); the digests are compared
in constant time (``hmac.compare_digest``).

A token acts as its officer: it has no roles, areas or rights of its own, so the officer's
current roles decide what it sees (``layers.selectors.scope``, ``layers.policy``), exactly as
for their pages. Decisions on the officer's account:

* an officer who must change an issued password (``must_change_password``: a new account, or
  a password an administrator re-issued because the account may be compromised) gets 403
  ``password_change_required`` from every token until the password is changed — as their
  pages do; the tokens work again afterwards;
* a deactivated officer's tokens answer 401 ``token_invalid``;
* sessions time out (``SESSION_IDLE_MINUTES``, ``SESSION_MAX_HOURS``), tokens do not: a
  token's own expiry (at most ``API_TOKEN_MAX_DAYS``) and revocation bound it.

Keys never reach a log line: nothing here logs, and refusals name the token by nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from layers.errors import Forbidden, InvalidInput, NotFound, TokenRefused
from layers.inputs import text_value, whole_number
from layers.models import ApiToken, Officer
from layers.selectors.scope import jurisdiction_for

KEY_PREFIX = "dmr_"
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
PREFIX_LENGTH = 8
SECRET_LENGTH = 40
_KEY = re.compile(rf"dmr_([A-Za-z0-9]{{{PREFIX_LENGTH}}})_[A-Za-z0-9]{{{SECRET_LENGTH}}}")


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def token_days_choices() -> list[int]:
    """The expiries the profile page offers (days), none above ``API_TOKEN_MAX_DAYS``."""
    top = settings.API_TOKEN_MAX_DAYS
    return sorted({d for d in (30, 90, 180, 365) if d <= top} | {settings.API_TOKEN_DEFAULT_DAYS})


def _days(value) -> int:
    if value is None or value == "":
        return settings.API_TOKEN_DEFAULT_DAYS
    top = settings.API_TOKEN_MAX_DAYS
    message = _("A token lasts from 1 to %(max)d days.") % {"max": top}
    days = whole_number(value, field="days", message=message)
    if days > top:
        raise InvalidInput({"days": message})
    return days


@transaction.atomic
def api_token_create(*, officer: Officer, name, days=None, now=None) -> tuple[ApiToken, str]:
    """A new token for ``officer``; returns it and its key, which exists nowhere else after
    this call (show it once). ``days``: 1 … ``API_TOKEN_MAX_DAYS`` (default
    ``API_TOKEN_DEFAULT_DAYS``)."""
    now = now or timezone.now()
    if not officer.is_active or (jurisdiction_for(officer).is_empty and not officer.is_superuser):
        raise Forbidden(_("Your account has no role: a token would open nothing."))
    name = text_value(
        name,
        field="name",
        required=True,
        required_message=_("Name the token after where it is used, e.g. “QGIS at the office”."),
        limit=ApiToken._meta.get_field("name").max_length,
    )
    days = _days(days)
    # Lock the officer's row: two concurrent creations cannot both pass the count.
    Officer.objects.select_for_update().filter(pk=officer.pk).first()
    active = ApiToken.objects.filter(
        officer=officer, revoked_at__isnull=True, expires_at__gt=now
    ).count()
    if active >= settings.API_TOKEN_MAX_PER_OFFICER:
        raise InvalidInput(
            {
                "name": _("You have %(n)d working tokens, the most allowed: revoke one first.")
                % {"n": active}
            }
        )
    while True:
        prefix = _random(PREFIX_LENGTH)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    key = f"{KEY_PREFIX}{prefix}_{_random(SECRET_LENGTH)}"
    token = ApiToken.objects.create(
        officer=officer,
        name=name,
        prefix=prefix,
        digest=key_digest(key),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: Officer | None, now=None) -> ApiToken:
    """Revoke ``token`` (its officer, staff through the admin, or ``by=None``: an administrator
    at the console, ``manage.py api_token revoke``). Revoking twice keeps the first time."""
    if by is not None and by.pk != token.officer_id and not (by.is_staff or by.is_superuser):
        raise NotFound(_("No such token."))
    now = now or timezone.now()
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=by
    )
    token.refresh_from_db()
    return token


def api_token_revoke_own(*, officer: Officer, token_id: int) -> ApiToken:
    """Revoke one of the officer's own tokens; another officer's is 404 (never revealed)."""
    token = ApiToken.objects.filter(pk=token_id, officer=officer).first()
    if token is None:
        raise NotFound(_("No such token."))
    return api_token_revoke(token=token, by=officer)


def api_token_authenticate(*, key: str, now=None) -> tuple[Officer, ApiToken]:
    """The officer a key stands for, or ``TokenRefused`` (401: ``token_invalid``,
    ``token_revoked``, ``token_expired``) / ``Forbidden`` (403 ``password_change_required``).

    Records the time of use at most every ``API_TOKEN_TOUCH_SECONDS`` (one UPDATE that only
    matches when the stored time is older, so concurrent requests write it once)."""
    now = now or timezone.now()
    match = _KEY.fullmatch(key)
    token = None
    if match is not None:
        token = ApiToken.objects.select_related("officer").filter(prefix=match.group(1)).first()
    # Compare even when no row was found, so that the answer takes the same time.
    stored = token.digest if token is not None else "0" * 64
    if not hmac.compare_digest(key_digest(key) if key.isascii() else "", stored) or token is None:
        raise TokenRefused(_("This API token is not valid: check that it was copied whole."))
    if token.revoked_at is not None:
        raise TokenRefused(_("This API token was revoked."), code="token_revoked")
    if token.expires_at <= now:
        raise TokenRefused(
            _("This API token expired: create a new one on your profile page."),
            code="token_expired",
        )
    officer = token.officer
    if not officer.is_active:
        raise TokenRefused(_("This API token's account is deactivated."))
    if officer.must_change_password:
        raise Forbidden(
            _("You must change your issued password before using the system."),
            code="password_change_required",
        )
    interval = timedelta(seconds=settings.API_TOKEN_TOUCH_SECONDS)
    if token.last_used_at is None or now - token.last_used_at >= interval:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - interval)
        ).update(last_used_at=now)
        token.last_used_at = now
    return officer, token
