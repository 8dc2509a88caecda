"""Messages of Django and its auth app that people see on our pages and in our API answers.

Django's own Thai catalogue leaves many of them untranslated (the password rules, the length
and NUL checks) and DRF has no Thai at all, so they showed in English on Thai pages. Listing
them here makes ``makemessages`` keep their Thai translations in our catalogue
(``locale/th/LC_MESSAGES/django.po``), which takes precedence over the frameworks' own. The
strings must match Django's exactly (checked by tests/maps/test_thai_messages.py, which renders
each through the real validators).

Nothing calls this function: it only carries the strings for ``makemessages``.
"""

from django.utils.translation import gettext_noop, ngettext


def _framework_messages():  # pragma: no cover - never called
    # django.contrib.auth.password_validation
    ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        8,
    )
    ngettext(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        8,
    )
    gettext_noop("The password is too similar to the %(verbose_name)s.")
    gettext_noop("Your password can’t be too similar to your other personal information.")
    gettext_noop("This password is too common.")
    gettext_noop("Your password can’t be a commonly used password.")
    gettext_noop("This password is entirely numeric.")
    gettext_noop("Your password can’t be entirely numeric.")
    # django.contrib.auth.forms
    gettext_noop("The two password fields didn’t match.")
    gettext_noop("Your old password was entered incorrectly. Please enter it again.")
    # django.core.validators and django.forms
    ngettext(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        1,
    )
    ngettext(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        1,
    )
    gettext_noop("Null characters are not allowed.")
    gettext_noop("This field is required.")
    gettext_noop("Enter a valid email address.")
    gettext_noop("Enter a valid date.")
    gettext_noop("Enter a number.")
    gettext_noop("Enter a whole number.")
    gettext_noop("Enter a valid value.")
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices.")
    gettext_noop("Select a valid choice. That choice is not one of the available choices.")
