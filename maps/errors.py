"""The pages' one error translator: a Thai page with the site's navigation for every refusal.

Services raise the application error family (``layers.errors``); views let it through and
``ApplicationErrorMiddleware`` turns it into this page with the error's status (the API has its
own translator in ``api/errors.py``, with the same statuses and messages). Django's own 400,
403, 404 and 500 go through ``handler400`` … ``handler500`` below (wired in ``gisapp/urls.py``),
and with DEBUG on, ``ErrorPageReporter`` keeps Django's bare technical 400 page away from
people: a request too large or unreadable gets this page, not a stack trace.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.debug import ExceptionReporter

from layers import errors

logger = logging.getLogger(__name__)


def _headings() -> dict[int, tuple[str, str]]:
    return {
        400: (
            _("The request could not be used"),
            _("Check what you typed or sent, then try again."),
        ),
        401: (_("Please log in"), _("Log in with your citizen ID, then open the page again.")),
        403: (
            _("You may not open this page"),
            _(
                "Your role does not allow it. If you think it should, ask your district or "
                "province administrator."
            ),
        ),
        404: (
            _("Page not found"),
            _("The address may be mistyped, or the item is not in your area."),
        ),
        405: (_("Not allowed here"), _("Use the page's own buttons and forms.")),
        409: (
            _("The item changed in the meantime"),
            _("Open it again to see its current state."),
        ),
        413: (_("The request is too large"), _("Send smaller files, or fewer at a time.")),
        429: (_("Too many attempts"), _("Wait a moment, then try again.")),
        500: (
            _("The system had a problem"),
            _(
                "Nothing was saved. Please try again in a moment; if it happens again, tell the "
                "administrator."
            ),
        ),
    }


# Addresses for programs answer JSON: the API, OGC API – Features, Open311 and the vector tiles
# (their own views answer their standards' error bodies; this covers what fails before a view:
# an unknown path, an over-size body, a NUL character).
JSON_PREFIXES = ("/api/", "/ogc/", "/open311/", "/tiles/")


def wants_json(request) -> bool:
    """API addresses answer JSON; pages answer a page."""
    return request.path_info.startswith(JSON_PREFIXES)


def standard_error_body(request, body: dict, status: int):
    """The core's error body, or the standard's own shape under ``/ogc/`` (OGC API's
    exception) and ``/open311/`` (GeoReport v2's errors list): a refusal that comes before
    their views (an unknown path, a NUL character) reads like theirs."""
    path = request.path_info
    if path.startswith("/ogc/"):
        return {"code": body.get("code"), "description": body.get("detail")}
    if path.startswith("/open311/"):
        return [{"code": status, "description": body.get("detail")}]
    return body


def error_response(request, failure: errors.ApplicationError):
    """The response for an application error: JSON on the API, the Thai page elsewhere."""
    if wants_json(request):
        return JsonResponse(
            standard_error_body(request, errors.error_body(failure), failure.status),
            status=failure.status,
            safe=False,
        )
    return error_page(
        request,
        status=failure.status,
        message=failure.message,
        code=failure.code,
        fields=failure.fields,
    )


def error_page(request, *, status: int, message: str = "", code: str = "", fields=None):
    heading, advice = _headings().get(status, _headings()[400 if status < 500 else 500])
    context = {
        "status": status,
        "code": code,
        "heading": heading,
        "advice": advice,
        "message": message or heading,
        "fields": fields or {},
    }
    try:
        body = loader.render_to_string("errors/error.html", context, request=request)
    except Exception:  # noqa: BLE001 - the error page itself must not fail (e.g. database down)
        logger.exception("the error page could not be rendered")
        body = loader.render_to_string("errors/500_plain.html")
    response = HttpResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


def failure_for(exc) -> errors.ApplicationError | None:
    """What an exception means for a page (None: unexpected, a 500)."""
    if isinstance(exc, errors.ApplicationError):
        return exc
    if isinstance(exc, RequestDataTooBig):
        return errors.PayloadTooLarge(
            _("The request is too large: send smaller files or fewer at a time.")
        )
    if isinstance(exc, SuspiciousOperation):
        return errors.InvalidInput(_("The request could not be read."), code="bad_request")
    if isinstance(exc, PermissionDenied):
        return errors.Forbidden(str(exc) if exc.args and str(exc) else None)
    if isinstance(exc, Http404):
        return errors.NotFound(_page_404_message(exc))
    return None


def _page_404_message(exc) -> str | None:
    # Http404 raised by our views carries a message for people; the resolver's own carries a
    # dict (path and tried patterns), which is not for them.
    if exc.args and isinstance(exc.args[0], str):
        return exc.args[0]
    return None


class ApplicationErrorMiddleware:
    """Views raise; this answers. Application errors, and Django's refusals raised by views,
    become the Thai error page (or the API's JSON for a non-DRF view under /api/)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        failure = failure_for(exc)
        if failure is None:
            return None  # Django's 500 handling (handler500 below), with logging
        return error_response(request, failure)


class RequestSizeMiddleware:
    """A body larger than the site takes is refused with 413 before anything reads it.

    Django raises ``RequestDataTooBig`` only once a view or the CSRF check reads the body, and
    then answers 400 (a bare technical page with DEBUG on); the DRF handler made it a 500. The
    limit: ``DATA_UPLOAD_MAX_MEMORY_SIZE`` for JSON and forms, and for multipart uploads the
    attachments' limit times the number of files a request may carry, plus the form fields.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith("multipart/"):
            limit = settings.REQUEST_MAX_UPLOAD_BYTES
        else:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return error_response(
                request,
                errors.PayloadTooLarge(
                    _("The request is %(size).1f MB; the limit is %(limit).1f MB.")
                    % {"size": length / 1048576, "limit": limit / 1048576}
                ),
            )
        return self.get_response(request)


def handler400(request, exception=None):
    failure = failure_for(exception) if exception is not None else None
    if isinstance(failure, errors.PayloadTooLarge):
        return error_response(request, failure)
    return error_response(
        request, errors.InvalidInput(_("The request could not be read."), code="bad_request")
    )


def handler403(request, exception=None):
    if exception is not None and "CSRF" in str(exception):
        return csrf_failure(request)
    return error_response(request, failure_for(exception) or errors.Forbidden())


def handler404(request, exception=None):
    return error_response(request, failure_for(exception) or errors.NotFound())


def handler500(request):
    if wants_json(request):
        failure = errors.ApplicationError(
            _("Internal error; the request was not applied."), code="server_error"
        )
        failure.status = 500
        return error_response(request, failure)
    return error_page(request, status=500, code="server_error")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a stale form (the session timed out, or the page was open too long)."""
    failure = errors.Forbidden(
        _("The form's security token is missing or out of date: reload the page and try again."),
        code="csrf",
    )
    return error_response(request, failure)


class ErrorPageReporter(ExceptionReporter):
    """DEFAULT_EXCEPTION_REPORTER: with DEBUG on, Django answers a request it cannot read (too
    large, too many fields, a bad host) with its technical page and status 400. People get our
    page instead; real crashes (500) keep the developer's traceback."""

    def _refused(self) -> bool:
        return self.exc_type is not None and issubclass(self.exc_type, SuspiciousOperation)

    def get_traceback_html(self):
        if self._refused() and self.request is not None:
            failure = failure_for(self.exc_value) or errors.InvalidInput()
            return error_page(
                self.request, status=failure.status, message=failure.message, code=failure.code
            ).content.decode()
        return super().get_traceback_html()

    def get_traceback_text(self):
        if self._refused():
            failure = failure_for(self.exc_value) or errors.InvalidInput()
            return failure.message
        return super().get_traceback_text()
