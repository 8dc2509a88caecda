"""Thai first: the page language is Thai unless the officer picked another with the switcher."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext as _

from layers.errors import InvalidInput
from maps.errors import error_response


class ThaiFirstLocaleMiddleware(LocaleMiddleware):
    """Django's ``LocaleMiddleware`` without the browser's ``Accept-Language``.

    Many office PCs run an English browser, and the department wants Thai pages there too
    (developer guide: "Thai UI by default"). The language switcher (``/i18n/setlang/``) sets
    the language cookie, and that cookie alone picks another language.
    """

    def process_request(self, request):
        language = settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen:
            try:
                language = translation.get_supported_language_variant(chosen)
            except LookupError:
                pass  # an unknown or stale cookie: the default
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class RefuseNulMiddleware:
    """A NUL character in the address (``%00``) gets a 400 before any view runs.

    PostgreSQL text cannot hold NUL: a path or query parameter carrying one reached the
    database as a filter value (a tracking number, an area code) and failed there as a 500.
    Form fields refuse it themselves (Django's ``ProhibitNullCharactersValidator``); the
    workflow services check the texts they are given.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or "\x00" in value
            for key, values in request.GET.lists()
            for value in values
        ):
            message = _("The address contains a NUL character; remove it and try again.")
            return error_response(request, InvalidInput(message, code="nul_character"))
        return self.get_response(request)
