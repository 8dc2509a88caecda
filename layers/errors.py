"""One family of application errors, raised by services and selectors, answered in one place.

A service that refuses something raises one of these; it never builds an HTTP response. Each
error carries its HTTP status, a stable ``code`` for programs, a ``message`` for people (in the
page's language) and, for bad input, ``fields``: what is wrong with each named field. The API
turns them into ``{"detail": …, "code": …, "fields": {…}}`` (``api/errors.py``) and the pages
into a Thai page with the site's navigation (``maps/errors.py``); neither decides a status.

``InvalidInput`` is also a Django ``ValidationError`` so that forms can put a service's field
errors next to their own fields (``form.add_error``) and older callers that catch
``ValidationError`` keep working. (HackSoft's styleguide: ``ApplicationError`` +
``handle_exceptions``.)
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A refusal people can act on. Subclasses set ``status`` and ``code``."""

    status = 400
    code = "error"
    default_message = _("The request was refused.")

    def __init__(
        self,
        message=None,
        *,
        code: str | None = None,
        fields: dict | None = None,
        extra: dict | None = None,
    ):
        self.message = str(message if message is not None else self.default_message)
        # Exception's, not super(): for InvalidInput the next class is ValidationError, whose
        # __init__ has already run and would be reset.
        Exception.__init__(self, self.message)
        self.code = code or type(self).code
        # field name → list of messages (strings)
        self.fields = {k: [str(m) for m in _as_list(v)] for k, v in (fields or {}).items()}
        # More members of the API's JSON body (e.g. ``current`` for a stale version).
        self.extra = dict(extra or {})


def _as_list(value) -> list:
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


class InvalidInput(ApplicationError, ValidationError):
    """Bad input (400): ``fields`` says what is wrong with each field.

    Built from a dict (field → message or messages) or a single message::

        raise InvalidInput({"note": _("Write a closing note.")})
    """

    status = 400
    code = "invalid"
    default_message = _("Some of what was sent is not valid: see the fields.")

    def __init__(self, fields_or_message=None, *, code: str | None = None, message=None):
        if isinstance(fields_or_message, dict):
            fields = {k: _as_list(v) for k, v in fields_or_message.items()}
            ValidationError.__init__(self, {k: [str(m) for m in v] for k, v in fields.items()})
            ApplicationError.__init__(self, message, code=code, fields=fields)
        else:
            text = fields_or_message if fields_or_message is not None else message
            ValidationError.__init__(self, str(text if text is not None else self.default_message))
            ApplicationError.__init__(self, text, code=code)

    @classmethod
    def from_validation_error(cls, exc: ValidationError) -> InvalidInput:
        """The same errors as an ``InvalidInput`` (a Django ValidationError raised below us)."""
        if isinstance(exc, InvalidInput):
            return exc
        if hasattr(exc, "error_dict"):
            return cls({k: v for k, v in exc.message_dict.items()})
        messages = exc.messages
        return cls(messages[0] if len(messages) == 1 else "; ".join(messages))

    # ValidationError and ApplicationError both define __str__/message; keep the text.
    def __str__(self):
        return self.message


class NotAuthenticated(ApplicationError):
    status = 401
    code = "not_authenticated"
    default_message = _("Log in first.")


class TokenRefused(NotAuthenticated):
    """An API token that is unknown or malformed (``token_invalid``), revoked
    (``token_revoked``) or expired (``token_expired``): 401, whatever the endpoint."""

    code = "token_invalid"
    default_message = _("This API token is not valid.")


class Forbidden(ApplicationError):
    """The user is known but their role may not do this (403)."""

    status = 403
    code = "forbidden"
    default_message = _("Your role may not do this.")


class NotFound(ApplicationError):
    """No such thing, or not in the user's jurisdiction: existence is not revealed (404)."""

    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Conflict(ApplicationError):
    """The thing's current state refuses the request (409)."""

    status = 409
    code = "conflict"
    default_message = _("The current state does not allow this.")


class PayloadTooLarge(ApplicationError):
    status = 413
    code = "too_large"
    default_message = _("The request is too large.")


class Throttled(ApplicationError):
    """Too many attempts (429); ``wait_seconds`` says when to try again."""

    status = 429
    code = "throttled"
    default_message = _("Too many attempts: wait a moment and try again.")

    def __init__(self, message=None, *, wait_seconds: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.wait_seconds = wait_seconds
        if wait_seconds is not None:
            self.extra.setdefault("wait_seconds", wait_seconds)


# --- The case workflow's refusals ------------------------------------------------------------


class WorkflowError(ApplicationError):
    """A refused action on a case. ``complaint`` (when given) is the case as it is now, shown
    to the officer and sent to programs as ``current``: its status and version."""

    def __init__(self, message=None, *, complaint=None, **kwargs):
        super().__init__(message, **kwargs)
        self.complaint = complaint
        if complaint is not None:
            self.extra["current"] = {"status": complaint.status, "version": complaint.version}


class CaseNotFound(WorkflowError, NotFound):
    """No such case, or outside the actor's jurisdiction (existence is not revealed)."""

    default_message = _("No such case.")


class ActionForbidden(WorkflowError, Forbidden):
    """The actor sees the case but may not take this action on it."""


class TransitionRefused(WorkflowError, Conflict):
    """The case's current status does not allow the action."""

    code = "transition_refused"


class StaleVersion(WorkflowError, Conflict):
    """The case changed since the actor loaded it; nothing was written."""

    code = "stale_version"


def error_body(exc: ApplicationError) -> dict:
    """The API's JSON for an error: ``{"detail": …, "code": …, "fields": {…}}`` (+ extras)."""
    return {"detail": exc.message, "code": exc.code, "fields": exc.fields, **exc.extra}
