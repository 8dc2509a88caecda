"""Django's own messages shown on our pages that Django's Thai catalogue leaves untranslated:
the password rules and their errors on the password change and reset pages.

Never called: ``makemessages`` reads these calls so that the strings stay in our catalogue
(``locale/th``), which Django consults before its own. Each is copied exactly from Django 5.2
(``django/contrib/auth/password_validation.py`` and ``forms.py``, curly apostrophes included).
"""

from django.utils.translation import gettext_noop, ngettext


def _in_our_catalogue():  # pragma: no cover - read by makemessages, not run
    gettext_noop("Your password can’t be too similar to your other personal information.")
    gettext_noop("Your password can’t be a commonly used password.")
    gettext_noop("Your password can’t be entirely numeric.")
    gettext_noop("The password is too similar to the %(verbose_name)s.")
    gettext_noop("This password is too common.")
    gettext_noop("This password is entirely numeric.")
    gettext_noop("The two password fields didn’t match.")
    gettext_noop("Your old password was entered incorrectly. Please enter it again.")
    ngettext(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        8,
    )
    ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        8,
    )
