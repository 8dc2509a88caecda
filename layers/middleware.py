"""An issued first password must be changed before anything else opens (seed 001, item 1)."""

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from layers.errors import Forbidden, error_body

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
