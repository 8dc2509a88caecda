"""Thai first: the page language is Thai unless the officer picked another with the switcher."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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
