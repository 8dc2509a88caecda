"""The one place that sends e-mail: ``mail_send`` queues it, a worker delivers it.

An SMTP server that is slow or down must neither slow nor fail the change that wants to tell
someone, so the request only queues a job (``layers.tasks.mail_deliver``) and the worker sends
it (``./damrong worker``; ``./damrong run`` starts one beside the development server).

- The job is queued through Django's own database connection, inside the caller's transaction:
  it commits with the change or not at all (a refused or rolled-back change tells nobody), and
  once committed it waits in the database until a worker takes it, across worker restarts.
- One job per address, so a retry never sends a message twice to those who already have it.
- Transient SMTP errors (the server is unreachable, busy, or answers 4xx) are retried with
  exponential backoff (``MAIL_MAX_RETRIES``, ``MAIL_RETRY_BACKOFF_SECONDS``); a permanent one
  (5xx: an unknown mailbox, a refused sender), or the last retry, leaves the job failed, where
  an admin sees it (Django admin, Procrastinate jobs) and can retry it.
- The job row (kept in the database, shown in the admin and named in the worker's log) holds
  no address and no message in clear: the recipient is an officer or team id, looked up when
  the mail is sent, and the subject and body are sealed (encrypted with a key derived from
  ``SECRET_KEY``), so an issued password or a reset link is not readable there.
- Logs name the job's ``reference`` (a case's tracking number, a registration's id) and the
  error's type, never an address: SMTP errors quote the refused address.
"""

from __future__ import annotations

import base64
import json
import logging
import smtplib
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.crypto import salted_hmac

from layers.models import Officer, Team

logger = logging.getLogger(__name__)

_SEAL_SALT = "layers.services.mail.seal"


class MailNotSent(Exception):
    """A delivery failed; the message names the error's type only (never the address)."""


class MailTemporaryError(MailNotSent):
    """Worth another try later: the server was unreachable, busy or answered 4xx."""


class MailPermanentError(MailNotSent):
    """Another try would fail the same way (5xx, a message that cannot be read)."""


# --------------------------------------------------------------------------- sealing


def _fernet() -> MultiFernet:
    # SECRET_KEY seals; SECRET_KEY_FALLBACKS still open jobs queued before a key rotation.
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    salted_hmac(_SEAL_SALT, "", secret=key, algorithm="sha256").digest()
                )
            )
            for key in keys
        ]
    )


def seal(content: dict) -> str:
    return _fernet().encrypt(json.dumps(content, ensure_ascii=False).encode()).decode("ascii")


def unseal(token: str) -> dict:
    return json.loads(_fernet().decrypt(token.encode("ascii")))


# --------------------------------------------------------------------------- queueing


def mail_send(
    *,
    subject: str,
    body: str,
    officers: Iterable[Officer] = (),
    teams: Iterable[Team] = (),
    reference: str,
) -> int:
    """Queue one e-mail to each distinct address among ``officers`` (active ones with an
    address) and ``teams`` (their own address); returns how many jobs were queued.

    Call it inside the transaction of the change it reports (services are atomic): the jobs
    are queued only if that transaction commits. ``reference`` names the mail in logs and in
    the admin and must hold no personal data (a tracking number, a request id).
    """
    from layers.tasks import mail_deliver  # the task module imports this one

    recipients: dict[str, dict] = {}
    for officer in officers:
        if officer.is_active and officer.email:
            recipients.setdefault(officer.email.strip().lower(), {"officer": officer.pk})
    for team in teams:
        if team.email:
            recipients.setdefault(team.email.strip().lower(), {"team": team.pk})
    if not recipients:
        return 0
    message = seal({"subject": subject, "body": body})
    jobs = [
        {**to, "message": message, "reference": reference} for _, to in sorted(recipients.items())
    ]
    mail_deliver.batch_defer(*jobs)
    return len(jobs)


# --------------------------------------------------------------------------- delivery


def _address(*, officer: int | None, team: int | None) -> str:
    if officer is not None:
        row = Officer.objects.filter(pk=officer, is_active=True).values_list("email").first()
    else:
        row = Team.objects.filter(pk=team).values_list("email").first()
    return (row[0] if row else "").strip()


def _failure(exc: Exception) -> MailNotSent:
    """Transient or permanent, named by type and SMTP code only."""
    name = type(exc).__name__
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        kind = MailTemporaryError if codes and all(400 <= c < 500 for c in codes) else None
        return (kind or MailPermanentError)(f"{name} {','.join(map(str, codes))}")
    if isinstance(exc, smtplib.SMTPResponseException):  # sender refused, data error, auth...
        kind = MailTemporaryError if 400 <= exc.smtp_code < 500 else MailPermanentError
        return kind(f"{name} {exc.smtp_code}")
    if isinstance(exc, smtplib.SMTPNotSupportedError):  # e.g. no STARTTLS: configuration
        return MailPermanentError(name)
    if isinstance(exc, OSError):  # smtplib's other errors are OSErrors too
        # Connection refused or reset, timeouts, DNS, a dropped session: may work later.
        return MailTemporaryError(name)
    return MailPermanentError(name)


def mail_deliver_now(
    *, message: str, reference: str, officer: int | None = None, team: int | None = None
) -> bool:
    """Send one queued e-mail (the worker's job). True when sent, False when the recipient
    has no address any more (an officer deactivated or without e-mail since: nothing to do).
    Raises MailTemporaryError (the job is retried) or MailPermanentError (it fails)."""
    address = _address(officer=officer, team=team)
    if not address:
        logger.info("e-mail for %s not sent: the recipient has no address any more", reference)
        return False
    try:
        content = unseal(message)
    except (InvalidToken, ValueError):
        failure: MailNotSent = MailPermanentError(
            "the message cannot be unsealed (SECRET_KEY changed without SECRET_KEY_FALLBACKS?)"
        )
    else:
        try:
            EmailMessage(
                content["subject"], content["body"], settings.DEFAULT_FROM_EMAIL, [address]
            ).send()
        except Exception as exc:  # noqa: BLE001 - classified below, without the address
            failure = _failure(exc)
        else:
            logger.info("e-mail for %s sent", reference)
            return True
    # Raised outside the ``except`` so that no traceback chains the SMTP error (which quotes
    # the address) into the worker's log.
    logger.warning("e-mail for %s not sent (%s)", reference, failure)
    raise failure
