"""Writing lock-outs: lifting an account's login lock, and throttling password-reset e-mails.

The reads (who is locked, for how long, who may unlock whom) are in
``layers.selectors.lockouts``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from layers.models import Officer, PasswordResetAttempt
from layers.selectors.lockouts import lock_lifts_at, lockout_period, officer_can_unlock

logger = logging.getLogger(__name__)


@transaction.atomic
def account_unlock(*, officer: Officer, target: Officer) -> int:
    """Forget every counted login failure of ``target``'s account, from any address.

    Raises PermissionDenied unless ``officer`` may unlock ``target`` (see the selector). A lock
    of an address (a whole office) is an administrator's, in axes' admin pages.
    """
    if not officer_can_unlock(officer=officer, target=target):
        raise PermissionDenied(_("This account is outside the area whose accounts you may unlock."))
    count, _deleted = AccessAttempt.objects.filter(username=target.citizen_id).delete()
    # Officers by their number only: citizen IDs stay out of the logs.
    logger.info("login lock of officer %s lifted by officer %s", target.pk, officer.pk)
    return count


@transaction.atomic
def account_failures_forget(*, officer: Officer) -> None:
    """After a password reset by e-mail: the owner proved themself, the lock goes."""
    AccessAttempt.objects.filter(username=officer.citizen_id).delete()


def _email_digest(email: str) -> str:
    return salted_hmac("layers.password-reset", email.strip().lower()).hexdigest()


@transaction.atomic
def password_reset_throttle(*, email: str, ip_address: str | None) -> timedelta | None:
    """Count a request for a reset e-mail; return how long to wait when over a limit.

    The same for an address with an account and one without, so the answer tells nothing about
    who has an account. A refused request is not counted (the waiting time shown stays true).
    """
    now = timezone.now()
    start = now - lockout_period()
    PasswordResetAttempt.objects.filter(requested_at__lt=start).delete()
    digest = _email_digest(email)
    recent = PasswordResetAttempt.objects.filter(requested_at__gte=start)
    waits = []
    for rows, limit in (
        (recent.filter(email_digest=digest), settings.PASSWORD_RESET_LIMIT),
        (
            recent.filter(ip_address=ip_address) if ip_address else recent.none(),
            settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
        ),
    ):
        until = lock_lifts_at(
            ((at, 1) for at in rows.values_list("requested_at", flat=True)), limit
        )
        if until is not None and until > now:
            waits.append(until - now)
    if waits:
        return max(waits)
    PasswordResetAttempt.objects.create(email_digest=digest, ip_address=ip_address)
    return None
