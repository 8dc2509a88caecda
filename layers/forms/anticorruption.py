"""The public anti-corruption form (a tip about an official) and the tipster's tracking form.

Anonymous or named: a named tipster gives a phone or an e-mail (kept encrypted). The accused
official, their unit and where they serve; what happened; evidence files (checked by content
and size like every attachment). A hidden honeypot field catches form-filling robots. Errors
stay beside the fields, with what was typed (``tip_new`` re-shows the form).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from boundaries.models import District, Province
from layers.errors import InvalidInput
from layers.forms.intake import MAX_LENGTH_MESSAGE, MultipleFileField
from layers.models import AccusedLevel
from layers.services.workflow import attachments_validate
from layers.validators import validate_thai_phone


def _text(label, max_length, *, required=True, **kwargs) -> forms.CharField:
    messages = kwargs.setdefault("error_messages", {})
    messages.setdefault("max_length", MAX_LENGTH_MESSAGE)
    return forms.CharField(label=label, max_length=max_length, required=required, **kwargs)


class TipForm(forms.Form):
    tipster_name = _text(
        _("Your name (leave empty to stay anonymous)"),
        200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    tipster_phone = _text(
        _("Your phone"),
        20,
        required=False,
        validators=[validate_thai_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    tipster_email = forms.EmailField(label=_("Your e-mail"), max_length=200, required=False)
    accused_name = _text(_("The official's name"), 200)
    accused_position = _text(_("Their position"), 200, required=False)
    accused_unit = _text(_("Their unit or office"), 200)
    accused_level = forms.ChoiceField(
        label=_("Where the official serves"),
        choices=AccusedLevel.choices,
        widget=forms.RadioSelect,
    )
    province = forms.ChoiceField(label=_("Province"), choices=())
    district = forms.ChoiceField(label=_("District"), choices=(), required=False)
    place_note = _text(_("Place (village, office, address)"), 300, required=False)
    happened_on = forms.DateField(
        label=_("When it happened"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    description = _text(
        _("What happened"),
        5000,
        min_length=20,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "min_length": _("Tell a little more (at least %(limit_value)d characters)."),
            "max_length": MAX_LENGTH_MESSAGE,
        },
    )
    files = MultipleFileField(label=_("Evidence (photos or PDF)"), required=False)
    consent = forms.BooleanField(
        label=_(
            "I agree that the department keeps this tip and my contact (if given) to check it, "
            "for as long as the case and the law require."
        ),
        error_messages={"required": _("Tick the box to agree, or the tip cannot be sent.")},
    )
    # A honeypot: hidden from people, filled in by robots.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", _("— choose —"))] + list(
            Province.objects.order_by("name_th").values_list("code", "name_th")
        )
        groups: dict[str, list] = {}
        for code, name, province in District.objects.order_by(
            "province__name_th", "name_th"
        ).values_list("code", "name_th", "province__name_th"):
            groups.setdefault(province, []).append((code, name))
        self.fields["district"].choices = [("", _("— choose —")), *groups.items()]

    def clean_files(self):
        uploads = self.cleaned_data.get("files") or []
        try:
            attachments_validate(uploads)
        except InvalidInput as exc:
            raise ValidationError(exc.fields.get("files", [exc.message])) from None
        return uploads

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise ValidationError(_("The tip could not be sent."), code="honeypot")
        if data.get("tipster_name") and not (
            data.get("tipster_phone") or data.get("tipster_email")
        ):
            self.add_error(
                "tipster_phone", _("Give a phone or an e-mail, or leave your name empty.")
            )
        if not data.get("tipster_name") and (
            data.get("tipster_phone") or data.get("tipster_email")
        ):
            self.add_error("tipster_name", _("Give your name with your contact."))
        return data


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("Tracking number"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    pin = forms.CharField(
        label=_("PIN"),
        max_length=12,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
