"""django-axes, fitted to citizen-ID logins (settings ``AXES_*``).

* ``lockout_username``: the typed citizen ID, normalised as the login form does, so that
  "1-4900-00000-01-3", "1 4900 ..." and "1490000000013" are one account.
* ``client_address``: the client's address, through ``TRUSTED_PROXY_COUNT`` reverse proxies.
* ``LockoutHandler``: axes' database handler with two limits instead of one: an account locks
  after ``LOGIN_FAILURE_LIMIT`` failures, an address after ``LOGIN_FAILURE_LIMIT_PER_ADDRESS``
  (higher: a district office is one NAT address, and its staff's typos must not lock the
  whole office). A successful login forgets that account's failures from that address only:
  an attacker who owns an account cannot wipe the counts of the accounts they guess at.

The reads behind it are in ``layers.selectors.lockouts``.
"""

from __future__ import annotations

import ipaddress
import logging

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings

from layers.selectors.lockouts import failures_of
from layers.validators import normalize_citizen_id

logger = logging.getLogger(__name__)

# A citizen ID is 13 digits; anything much longer is junk, kept short in the table.
_USERNAME_MAX = 40


def lockout_username(request, credentials: dict | None) -> str | None:
    raw = None
    if credentials:
        raw = credentials.get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username")
    if not raw:
        return None
    return normalize_citizen_id(str(raw))[:_USERNAME_MAX] or None


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        # Each trusted proxy appends the address it was reached from; the client's is the
        # proxies-th from the right (anything left of it was written by the client itself).
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return _valid_ip(forwarded[-proxies]) or remote
    return remote


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        """Failures of the account, measured against ``AXES_FAILURE_LIMIT`` (the account limit)
        by axes; an address over its own limit counts as a full account limit."""
        username = get_client_username(request, credentials)
        account = failures_of(username=username, now=request.axes_attempt_time)
        address = failures_of(ip_address=request.axes_ip_address, now=request.axes_attempt_time)
        if address >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
            return max(account, settings.LOGIN_FAILURE_LIMIT)
        return account

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        # The owner's own typos from here are forgiven; failures from elsewhere still count.
        AccessAttempt.objects.filter(
            username=user.get_username(), ip_address=request.axes_ip_address
        ).delete()
