"""The public forms (issue 11): filing a complaint online without an account, tracking it with
its number and PIN, and adding information to it.

``PublicFilingForm`` goes through the same service as the officers' intake
(``complaint_create``: the same checks, routing and duplicate data) with channel "online" and
no recording officer. A refused filing keeps what the person typed (files excepted: browsers
do not keep them) and says why in Thai, beside the field or at the top.
"""

from __future__ import annotations

from django import forms
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from layers.errors import Throttled
from layers.forms.intake import (
    IncidentFields,
    MultipleFileField,
    MultipleFileInput,
    text_field,
)
from layers.models import Channel, Complaint
from layers.selectors.intake import category_name
from layers.services.complaints import category_resolve, complaint_create
from layers.services.tracking import ADD_TEXT_LIMIT, filing_check, filing_record
from layers.services.workflow import attachments_create, attachments_validate
from layers.validators import normalize_citizen_id, validate_citizen_id, validate_thai_phone

# The honeypot: a field hidden from people (CSS and aria-hidden) that bots fill in.
HONEYPOT = "website"
# What the consent covers (shown on the form, above the box to tick).
PUBLIC_PHOTO_LIMIT = 5


class PublicFilingForm(IncidentFields):
    description = text_field(
        "description", _("What happened"), widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = MultipleFileField(
        label=_("Photos (JPEG, PNG or WebP)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    complainant_name = text_field(
        "complainant_name",
        _("Your name"),
        error_messages={"required": _("Your name is required.")},
    )
    complainant_phone = text_field(
        "complainant_phone",
        _("Your phone"),
        validators=[validate_thai_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        error_messages={
            "required": _("A phone number is required, so that the centre can call you.")
        },
    )
    complainant_email = forms.EmailField(
        label=_("Your e-mail (optional, to receive the PIN)"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    complainant_citizen_id = forms.CharField(
        label=_("Your citizen ID (optional)"),
        max_length=17,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    consent = forms.BooleanField(
        label=_("I agree that the Damrongdhama Center keeps and uses these data as stated above."),
        error_messages={
            "required": _("Tick the consent box: without it we cannot take the complaint.")
        },
    )
    website = forms.CharField(required=False, max_length=200)

    _SERVICE_FIELD_MAP = {"location": "lat", "files": "attachments", "text": "description"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].label_from_instance = category_name
        self.fields["subcategory"].label_from_instance = category_name

    def clean_complainant_citizen_id(self):
        value = normalize_citizen_id(self.cleaned_data.get("complainant_citizen_id", ""))
        if value:
            validate_citizen_id(value)
        return value

    def clean_attachments(self):
        uploads = self.cleaned_data.get("attachments") or []
        if len(uploads) > PUBLIC_PHOTO_LIMIT:
            raise ValidationError(_("At most %(n)d photos.") % {"n": PUBLIC_PHOTO_LIMIT})
        try:
            checked = attachments_validate(uploads)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get("files", exc.messages)) from None
        if any(item.kind != "photo" for item in checked):
            raise ValidationError(_("Only photos (JPEG, PNG or WebP) may be attached here."))
        return uploads

    def clean(self):
        cleaned = super().clean()
        if cleaned.get(HONEYPOT):
            # Filled by a bot, never by a person (the field is hidden): refused, with words a
            # person who somehow filled it can act on.
            raise ValidationError(
                _("The form was filled in a way we cannot accept. Reload the page and try again.")
            )
        category = cleaned.get("category")
        if category is not None:
            errors: dict[str, str] = {}
            category_resolve(
                category, cleaned.get("subcategory"), cleaned.get("subcategory_text"), errors
            )
            for field, message in errors.items():
                self.add_error(field, message)
        return cleaned

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for key, errors in exc.error_dict.items():
                field = self._SERVICE_FIELD_MAP.get(key, key)
                for error in errors:
                    self.add_error(field if field in self.fields else None, error)
        else:
            self.add_error(None, exc)

    def save(self, *, address: str | None) -> Complaint | None:
        """File the complaint (channel "online", no officer) with its photos, counted against
        the address and the phone; None with the errors on the form when refused."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        try:
            filing_check(address=address, phone=data["complainant_phone"])
        except Throttled as exc:
            self.add_error(None, exc.message)
            self.throttled = exc
            return None
        stored: list[str] = []
        try:
            with transaction.atomic():
                complaint = complaint_create(
                    location=Point(data["lon"], data["lat"], srid=4326),
                    category=data["category"],
                    subcategory=data["subcategory"],
                    subcategory_text=data["subcategory_text"],
                    channel=Channel.ONLINE,
                    complainant_name=data["complainant_name"],
                    complainant_citizen_id=data["complainant_citizen_id"],
                    complainant_phone=data["complainant_phone"],
                    complainant_email=data["complainant_email"],
                    description=data["description"],
                    location_note=data["location_note"],
                    created_by=None,
                )
                stored = attachments_create(
                    complaint=complaint, files=data["attachments"], actor=None
                )
                filing_record(address=address, phone=data["complainant_phone"])
        except BaseException as exc:
            for name in stored:
                default_storage.delete(name)
            if not isinstance(exc, ValidationError):
                raise
            self.add_service_errors(exc)
            return None
        return complaint


class TrackForm(forms.Form):
    tracking_no = forms.CharField(
        label=_("Tracking number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "2569-0000123"}),
        error_messages={"required": _("Type the tracking number.")},
    )
    pin = forms.CharField(
        label=_("PIN"),
        max_length=20,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Type the PIN you were given.")},
    )


class AddInformationForm(forms.Form):
    text = forms.CharField(
        label=_("Information to add"),
        max_length=ADD_TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachments = MultipleFileField(
        label=_("Photos (JPEG, PNG or WebP)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def clean_attachments(self):
        uploads = self.cleaned_data.get("attachments") or []
        if len(uploads) > PUBLIC_PHOTO_LIMIT:
            raise ValidationError(_("At most %(n)d photos.") % {"n": PUBLIC_PHOTO_LIMIT})
        try:
            checked = attachments_validate(uploads)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get("files", exc.messages)) from None
        if any(item.kind != "photo" for item in checked):
            raise ValidationError(_("Only photos (JPEG, PNG or WebP) may be attached here."))
        return uploads
