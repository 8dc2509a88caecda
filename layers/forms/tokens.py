"""The profile page's form for a new API token (the service checks the values again)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from layers.models import ApiToken
from layers.services.tokens import token_days_choices


def _days_label(days: int) -> str:
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("Where it is used, e.g. “QGIS at the office”."),
    )
    days = forms.TypedChoiceField(label=_("Valid for"), coerce=int, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [(d, _days_label(d)) for d in token_days_choices()]
        self.fields["days"].initial = settings.API_TOKEN_DEFAULT_DAYS
