"""The officer's intake form: a complaint pinned on the map, with its attachments.

The form parses and checks what the user typed (types, lengths, the citizen ID's check digit,
attachment content and size) so every mistake shows next to its field at once; the rules of a
complaint itself (category tree, "เรื่องอื่นๆ", a point inside Thailand) stay in
``complaint_create``, whose errors are put back on the fields here. ``save`` records through
``complaint_intake`` (the API's service too): the duplicate check under the intake lock, the
complaint and its files in one transaction; any error leaves no row and no file.
"""

from __future__ import annotations

from django import forms
from django.contrib.gis.geos import Point
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from layers.errors import InvalidInput
from layers.inputs import TEXT_LIMITS, decimal_value
from layers.models import Category, Channel, Complaint
from layers.selectors.intake import category_name
from layers.services.complaints import category_resolve, complaint_intake
from layers.services.workflow import attachments_validate
from layers.validators import normalize_citizen_id, validate_citizen_id, validate_thai_phone


def text_field(name: str, label, **kwargs) -> forms.CharField:
    """A text field whose limit is the service's (``TEXT_LIMITS``), with our message: the form
    shows the error beside the field at once, the service enforces the same limit for every
    path."""
    kwargs.setdefault("max_length", TEXT_LIMITS[name])
    messages = kwargs.setdefault("error_messages", {})
    messages.setdefault("max_length", MAX_LENGTH_MESSAGE)
    return forms.CharField(label=label, **kwargs)


# Django's MaxLengthValidator fills these in when it refuses a value.
MAX_LENGTH_MESSAGE = _("At most %(limit_value)d characters, please (this has %(show_value)d).")


class CoordinateField(forms.CharField):
    """A latitude or longitude as a plain decimal in ASCII digits (Django's FloatField reads
    ``1_6.5`` as 16.5, through Python's float)."""

    def __init__(self, *, low: float, high: float, **kwargs):
        self.low, self.high = low, high
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return decimal_value(value, field="value", low=self.low, high=self.high)
        except InvalidInput as exc:
            raise ValidationError(exc.fields["value"][0]) from None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class IncidentFields(forms.Form):
    """Where and what: the fields the officers' intake form and the public filing form share
    (``layers.forms.public``), with the same labels and messages."""

    lat = CoordinateField(
        label=_("Latitude"),
        low=-90,
        high=90,
        error_messages={"required": _("Pin the incident location on the map.")},
    )
    lon = CoordinateField(
        label=_("Longitude"),
        low=-180,
        high=180,
        error_messages={"required": _("Pin the incident location on the map.")},
    )
    location_note = text_field("location_note", _("Place description"), required=False)
    category = forms.ModelChoiceField(
        label=_("Main category"),
        queryset=Category.objects.filter(parent__isnull=True, is_active=True),
        to_field_name="code",
        empty_label=_("— choose —"),
    )
    subcategory = forms.ModelChoiceField(
        label=_("Sub-category"),
        queryset=Category.objects.filter(parent__isnull=False, is_active=True),
        to_field_name="code",
        required=False,
        empty_label=_("— choose —"),
    )
    subcategory_text = text_field("subcategory_text", _("Sub-category (in words)"), required=False)


class IntakeForm(IncidentFields):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    complainant_name = text_field("complainant_name", _("Complainant's name"))
    complainant_citizen_id = forms.CharField(
        label=_("Complainant's citizen ID"),
        max_length=17,  # 13 digits + the dashes people type
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    complainant_phone = text_field(
        "complainant_phone",
        _("Complainant's phone"),
        required=False,
        validators=[validate_thai_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    complainant_address = text_field(
        "complainant_address",
        _("Complainant's address"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    accused_name = text_field("accused_name", _("Accused party"), required=False)
    accused_detail = text_field("accused_detail", _("Accused party details"), required=False)
    title = text_field("title", _("Subject"), required=False)
    description = text_field(
        "description", _("Description"), widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = MultipleFileField(
        label=_("Photos or scanned documents (JPEG, PNG, WebP, PDF)"),
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}
        ),
    )

    # Issue 8: "ผูกกับเรื่องเดิม": the tracking number of the case this one duplicates, set by
    # the form's list of similar complaints (the new case is then closed as its duplicate).
    duplicate_of = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)
    # A scanned letter of the district's inbox that this complaint comes from (issue 12): it
    # is attached to the new case in the same transaction.
    document = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    # Service error keys that are not form fields, and where they are shown.
    _SERVICE_FIELD_MAP = {"location": "lat", "files": "attachments"}

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
        # Checked here too (content and size) so a bad file shows beside the other errors.
        try:
            attachments_validate(uploads)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get("files", exc.messages)) from None
        return uploads

    def clean(self):
        cleaned = super().clean()
        category = cleaned.get("category")
        if category is not None:
            # complaint_create's category rules, checked here too so that they show together
            # with the other field errors instead of after them.
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
                if field not in self.fields:
                    field = NON_FIELD_ERRORS
                for error in errors:
                    self.add_error(None if field == NON_FIELD_ERRORS else field, error)
        else:
            self.add_error(None, exc)

    def save(self, *, officer) -> Complaint | None:
        """Record the complaint and its attachments; None (with the errors on the form) when
        the service refuses it. Nothing is written unless everything is."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        try:
            complaint = complaint_intake(
                location=Point(data["lon"], data["lat"], srid=4326),
                category=data["category"],
                subcategory=data["subcategory"],
                subcategory_text=data["subcategory_text"],
                channel=data["channel"],
                complainant_name=data["complainant_name"],
                complainant_citizen_id=data["complainant_citizen_id"],
                complainant_phone=data["complainant_phone"],
                complainant_address=data["complainant_address"],
                accused_name=data["accused_name"],
                accused_detail=data["accused_detail"],
                title=data["title"],
                description=data["description"],
                location_note=data["location_note"],
                files=data["attachments"],
                duplicate_of=data["duplicate_of"].strip(),
                created_by=officer,
                then=(
                    (lambda case: _attach_inbox_document(data["document"], case, officer))
                    if data.get("document")
                    else None
                ),
            )
        except ValidationError as exc:
            self.add_service_errors(exc)
            return None
        return complaint


def _attach_inbox_document(document_id: int, complaint, officer) -> None:
    from layers.errors import InvalidInput, NotFound
    from layers.services.documents import document_attach

    try:
        document_attach(document_id=document_id, complaint=complaint, officer=officer)
    except NotFound:
        raise InvalidInput(
            {
                "document": _(
                    "The scanned letter is no longer in your inbox (another officer may have "
                    "recorded it already)."
                )
            }
        ) from None
