"""The API's one error translator: every refusal is ``{"detail": …, "code": …, "fields": {…}}``.

Services raise the application error family (``layers.errors``); DRF raises its own for
authentication, parsing and methods; Django raises ``ValidationError``, ``Http404``,
``PermissionDenied`` and ``RequestDataTooBig``. All become the same shape here, with a message
in the page's language (DRF has no Thai catalogue: its generic messages are replaced by ours),
and never a stack trace.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf
from rest_framework.response import Response

from layers import errors

logger = logging.getLogger(__name__)

# The challenge of every 401: the scheme a program can use (api/authentication.py).
TOKEN_CHALLENGE = 'Token realm="api"'


def _fields(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"field": [messages]}`` (nested fields as ``a.b``)."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_fields(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(v, dict | list) for v in detail):
            out[prefix or "detail"] = [str(v) for v in detail]
        else:
            for index, value in enumerate(detail):
                out.update(_fields(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "detail"] = [str(detail)]
    return out


def application_error_for(exc) -> errors.ApplicationError | None:
    """The application error an exception stands for, or None for an unexpected one."""
    if isinstance(exc, errors.ApplicationError):
        return exc
    if isinstance(exc, DjangoValidationError):
        return errors.InvalidInput.from_validation_error(exc)
    if isinstance(exc, RequestDataTooBig):
        return errors.PayloadTooLarge(_too_large_message())
    if isinstance(exc, SuspiciousOperation):
        return errors.InvalidInput(_("The request could not be read."), code="bad_request")
    if isinstance(exc, Http404):
        return errors.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return errors.Forbidden(str(exc) if exc.args else None)
    if isinstance(exc, drf.ValidationError):
        fields = _fields(exc.detail)
        general = fields.pop("non_field_errors", None) or fields.pop("detail", None)
        failure = errors.InvalidInput(fields) if fields else errors.InvalidInput()
        if general:
            failure.message = " ".join(general)
        return failure
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        # A refused API token says why (api/authentication.py); no credentials at all is a
        # 401 with the Token challenge (exception_handler), whichever authenticator is first.
        return getattr(exc, "failure", None) or errors.NotAuthenticated()
    if isinstance(exc, drf.PermissionDenied):
        text = str(exc.detail)
        if text.startswith("CSRF Failed"):
            return errors.Forbidden(
                _("The page's security token is missing or out of date: reload and try again."),
                code="csrf",
            )
        if text == str(drf.PermissionDenied.default_detail):
            return errors.Forbidden()
        return errors.Forbidden(text)
    if isinstance(exc, drf.NotFound):
        text = str(exc.detail)
        return errors.NotFound(None if text == str(drf.NotFound.default_detail) else text)
    if isinstance(exc, drf.MethodNotAllowed):
        failure = errors.ApplicationError(
            _("This address does not take %(method)s requests.") % {"method": _method(exc)},
            code="method_not_allowed",
        )
        failure.status = 405
        return failure
    if isinstance(exc, drf.UnsupportedMediaType):
        failure = errors.ApplicationError(
            _("Send JSON (application/json) or a form (multipart/form-data)."),
            code="unsupported_media_type",
        )
        failure.status = 415
        return failure
    if isinstance(exc, drf.NotAcceptable):
        failure = errors.ApplicationError(
            _("This address answers in JSON only."), code="not_acceptable"
        )
        failure.status = 406
        return failure
    if isinstance(exc, drf.Throttled):
        return errors.Throttled(wait_seconds=int(exc.wait) if exc.wait is not None else None)
    if isinstance(exc, drf.ParseError):
        return errors.InvalidInput(
            _("The request body could not be read: send valid JSON."), code="parse_error"
        )
    if isinstance(exc, drf.APIException):
        failure = errors.ApplicationError(str(exc.detail), code=exc.default_code)
        failure.status = exc.status_code
        return failure
    return None


def _method(exc) -> str:
    text = str(exc.detail)
    return text.split('"')[1] if text.count('"') >= 2 else ""


def _too_large_message() -> str:
    return _("The request is too large: send smaller files or fewer at a time.")


def exception_handler(exc, context):
    failure = application_error_for(exc)
    if failure is None:
        # Unexpected: log the type only (no request data, which may hold personal data).
        view = context.get("view")
        logger.exception("API error %s in %s", type(exc).__name__, type(view).__name__)
        failure = errors.ApplicationError(
            _("Internal error; the request was not applied."), code="server_error"
        )
        failure.status = 500
    response = Response(errors.error_body(failure), status=failure.status)
    if isinstance(exc, drf.APIException):
        # Retry-After (429) and the like, as DRF would set them.
        for header, value in _drf_headers(exc).items():
            response[header] = value
    if failure.status == 401:
        # RFC 9110: a 401 names the scheme that would work.
        response["WWW-Authenticate"] = TOKEN_CHALLENGE
    return response


def _drf_headers(exc) -> dict:
    headers = {}
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    return headers
