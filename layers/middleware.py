"""Middleware for logged-in officers: sessions that time out, and an issued first password
that must be changed before anything else opens (seed 001, item 1)."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from layers.errors import Forbidden, NotAuthenticated, error_body

# Session keys: when the officer logged in, and when they were last seen (epoch seconds).
SESSION_STARTED = "damrong_login_at"
SESSION_SEEN = "damrong_seen_at"
# The last-seen stamp is written at most this often, so that a page with many requests (the map,
# its JSON) does not write the session each time.
SEEN_RESOLUTION_SECONDS = 60


def stamp_session_on_login(sender, request, user, **kwargs):
    """``user_logged_in`` receiver: the absolute lifetime counts from here."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SESSION_STARTED] = now
        request.session[SESSION_SEEN] = now


def carries_api_token(request) -> bool:
    """Whether the request names an API token (``Authorization: Token …`` or ``Bearer …``)."""
    scheme = request.META.get("HTTP_AUTHORIZATION", "").split(" ", 1)[0].lower()
    return scheme in ("token", "bearer")


class SessionTimeoutMiddleware:
    """Log an officer out after ``SESSION_IDLE_MINUTES`` without a request, and in any case
    ``SESSION_MAX_HOURS`` after logging in (a working day). The next page then goes to the login
    page with a message; the API answers 401 with the same message in JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = int(time.time())
            started = session.get(SESSION_STARTED)
            seen = session.get(SESSION_SEEN)
            if not isinstance(started, int) or not isinstance(seen, int):
                # A session from before these stamps existed: it starts now.
                session[SESSION_STARTED] = session[SESSION_SEEN] = now
            else:
                idle = now - seen > settings.SESSION_IDLE_MINUTES * 60
                expired = now - started > settings.SESSION_MAX_HOURS * 3600
                if idle or expired:
                    if carries_api_token(request):
                        # The session is over, the token is not: log the session out and
                        # let the token speak for the request (api/authentication.py).
                        logout(request)
                        return self.get_response(request)
                    return self._timed_out(request, idle=idle and not expired)
                if now - seen >= SEEN_RESOLUTION_SECONDS:
                    session[SESSION_SEEN] = now
        return self.get_response(request)

    def _timed_out(self, request, *, idle: bool):
        logout(request)
        if idle:
            message = _(
                "You were logged out after %(minutes)s minutes without activity. "
                "Please log in again."
            ) % {"minutes": settings.SESSION_IDLE_MINUTES}
        else:
            message = _(
                "Your session has reached its %(hours)s-hour limit. Please log in again."
            ) % {"hours": settings.SESSION_MAX_HOURS}
        if request.path_info.startswith("/api/"):
            failure = NotAuthenticated(message, code="session_expired")
            failure.status = 401
            response = JsonResponse(error_body(failure), status=failure.status)
            response["WWW-Authenticate"] = 'Token realm="api"'
            return response
        messages.warning(request, message)
        if request.method == "GET":
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('login')}?{query}")
        return redirect("login")


# Paths an officer who must change their password may still open.
_ALLOWED_NAMES = ("password_change", "password_change_done", "logout", "set_language")


class ForcePasswordChangeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
        ):
            allowed = {reverse(name) for name in _ALLOWED_NAMES}
            path = request.path_info
            if path not in allowed and not path.startswith(("/static/", "/i18n/")):
                if path.startswith("/api/"):
                    failure = Forbidden(
                        _("You must change your issued password before using the system."),
                        code="password_change_required",
                    )
                    return JsonResponse(error_body(failure), status=failure.status)
                # Quoted: a path with "&" or "?" would otherwise leak into other parameters.
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('password_change')}?{query}")
        return self.get_response(request)
