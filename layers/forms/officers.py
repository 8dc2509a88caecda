"""Forms for officers: log in by citizen ID, change the issued password, profile, registration."""

from __future__ import annotations

import logging
import re
from datetime import date

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from boundaries.models import District, Province
from boundaries.selectors import without_geoms
from layers.models import Officer, PermissionLevel, RegistrationRequest
from layers.services.mail import mail_send
from layers.services.officers import (
    officer_password_change,
    officer_password_reset,
    registration_validate,
)
from layers.thaidate import BE_OFFSET
from layers.validators import normalize_citizen_id, validate_citizen_id

logger = logging.getLogger(__name__)

# 13 digits plus the dashes or spaces people type: 1-1017-00203-41-7 is 17 characters.
CITIZEN_ID_INPUT_MAX = 20


class CitizenIdField(forms.CharField):
    """A citizen ID as typed (dashes, spaces), cleaned to 13 digits with a valid check digit."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", CITIZEN_ID_INPUT_MAX)
        kwargs.setdefault("label", _("Citizen ID"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "username"})

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_citizen_id(value) if value else value

    def validate(self, value):
        super().validate(value)
        if value:
            validate_citizen_id(value)


class CitizenIdAuthenticationForm(AuthenticationForm):
    """Log in with the 13-digit citizen ID.

    The check digit is verified before any password is tried, so a typing slip gets its own
    message ("check digit wrong") instead of "wrong ID or password".
    """

    username = CitizenIdField(widget=forms.TextInput(attrs={"autofocus": True}))

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Wrong citizen ID or password. Both are checked exactly; "
            "the password is case-sensitive."
        ),
        "inactive": _(
            "This account is inactive. Ask your district chief or province officer "
            "to register you again."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # AuthenticationForm narrows the input to the model's 13 characters; dashes need more.
        self.fields["username"].max_length = CITIZEN_ID_INPUT_MAX
        self.fields["username"].widget.attrs["maxlength"] = CITIZEN_ID_INPUT_MAX
        self.fields["username"].label = _("Citizen ID")

    def get_invalid_login_error(self):
        # The model backend refuses inactive accounts without saying why; say it, but only to
        # someone who knows that account's password.
        citizen_id = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        officer = Officer.objects.filter(citizen_id=citizen_id, is_active=False).first()
        if officer is not None and password and officer.check_password(password):
            return ValidationError(self.error_messages["inactive"], code="inactive")
        return ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class AdminCitizenIdAuthenticationForm(AdminAuthenticationForm):
    """The admin site's login: the same citizen-ID field (dashes and spaces allowed), so that a
    typed ID counts as one account in the lock-out however it is written."""

    username = CitizenIdField(widget=forms.TextInput(attrs={"autofocus": True}))

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].max_length = CITIZEN_ID_INPUT_MAX
        self.fields["username"].widget.attrs["maxlength"] = CITIZEN_ID_INPUT_MAX
        self.fields["username"].label = _("Citizen ID")


class OfficerPasswordResetForm(PasswordResetForm):
    """Ask for a reset link by e-mail. Django's form already answers the same whether or not an
    account has the address; the e-mail is ours: Thai, the masked citizen ID only."""

    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """The one place the reset e-mail is sent from."""
        user = context["user"]
        context = {
            **context,
            "masked_citizen_id": user.masked_citizen_id,
            "site_url": settings.SITE_URL.rstrip("/"),
            "valid_minutes": max(1, settings.PASSWORD_RESET_TIMEOUT // 60),
        }
        # In the site's language (Thai), whatever language the page was in.
        with translation.override(settings.LANGUAGE_CODE):
            subject = "".join(render_to_string(subject_template_name, context).splitlines())
            body = render_to_string(email_template_name, context)
        # Queued for the job worker (layers/services/mail.py): the answer takes the same time
        # whether or not a mail was due, and a slow or failing mail server changes nothing here.
        mail_send(
            subject=subject, body=body, officers=[user], reference=f"password-reset {user.pk}"
        )


class OfficerSetPasswordForm(SetPasswordForm):
    """The new password chosen through a reset link; it also ends the first-login lock and
    the account's login lock-out (whoever holds the link holds the mailbox)."""

    def save(self, commit=True):
        return officer_password_reset(
            officer=self.user, new_password=self.cleaned_data["new_password1"]
        )


class OfficerPasswordChangeForm(PasswordChangeForm):
    """Change one's own password; the new one must differ from the current (issued) one."""

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password1")
        if new and "new_password1" not in self.errors and self.user.check_password(new):
            self.add_error(
                "new_password1",
                ValidationError(
                    _("The new password must differ from the current one."), code="unchanged"
                ),
            )
        return cleaned

    def save(self, commit=True):
        return officer_password_change(
            officer=self.user, new_password=self.cleaned_data["new_password1"]
        )


class ProfileForm(forms.ModelForm):
    """What an officer may change on their own profile: how to reach them."""

    class Meta:
        model = Officer
        fields = ["phone_office", "phone_mobile", "email"]
        widgets = {
            "phone_office": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "phone_mobile": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }


class BuddhistEraDateInput(forms.TextInput):
    """Shows a date as day/month/B.E. year (21/11/2569), as Thai forms write it."""

    def __init__(self, attrs=None):
        defaults = {"placeholder": "วว/ดด/ปปปป", "inputmode": "numeric", "autocomplete": "off"}
        super().__init__({**defaults, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, date):
            return f"{value.day:02d}/{value.month:02d}/{value.year + BE_OFFSET}"
        return super().format_value(value)


_BE_DATE_RE = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$")


class BuddhistEraDateField(forms.DateField):
    """A date typed as day/month/year in the Buddhist Era (พ.ศ. = C.E. + 543).

    A C.E. year is refused with a message rather than guessed: 21/11/2026 read as B.E. would
    be 543 years off, and read as C.E. would hide the slip.
    """

    widget = BuddhistEraDateInput
    default_error_messages = {
        "invalid": _("Enter the date as day/month/year in the Buddhist Era, e.g. 21/11/2569."),
        "ce_year": _(
            "Write the year in the Buddhist Era (B.E. = C.E. + 543): %(year)s is %(be_year)s."
        ),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value
        match = _BE_DATE_RE.match(str(value))
        if not match:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        day, month, year = (int(g) for g in match.groups())
        if 1800 <= year < 2300:
            raise ValidationError(
                self.error_messages["ce_year"],
                code="ce_year",
                params={"year": year, "be_year": year + BE_OFFSET},
            )
        if not (2400 <= year <= 2800):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return date(year - BE_OFFSET, month, day)
        except ValueError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc


class _DistrictsByProvince(ModelChoiceIterator):
    """Districts in one <optgroup> per province, so the list works without JavaScript."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, tuple[str, list]] = {}
        districts = without_geoms(self.queryset, "province").order_by("province_id", "name_th")
        for d in districts:
            groups.setdefault(d.province_id, (d.province.name_th, []))[1].append(self.choice(d))
        yield from groups.values()


class DistrictChoiceField(forms.ModelChoiceField):
    iterator = _DistrictsByProvince

    def label_from_instance(self, obj):
        return obj.name_th


TITLE_SUGGESTIONS = ("นาย", "นาง", "นางสาว", "ว่าที่ร้อยตรี", "ว่าที่ร้อยตรีหญิง")
# The positions the department names as users (seed 001, item 3); others may be certified.
POSITION_SUGGESTIONS = ("เจ้าพนักงานปกครอง", "ปลัดอำเภอ", "นิติกร")


class RegistrationForm(forms.ModelForm):
    """The department's registration form (แบบลงทะเบียนใช้งาน, seed 001), field for field."""

    citizen_id = CitizenIdField(widget=forms.TextInput(attrs={"autocomplete": "off"}))
    province = forms.ModelChoiceField(
        queryset=Province.objects.defer("geom").order_by("name_th"), label=_("province")
    )
    district = DistrictChoiceField(
        queryset=District.objects.defer("geom"), required=False, label=_("district")
    )
    permission_level = forms.ChoiceField(
        choices=PermissionLevel.choices,
        widget=forms.RadioSelect,
        label=_("permission level"),
    )
    date_assigned = BuddhistEraDateField(
        label=_("date assigned"),
        help_text=_("Day/month/year in the Buddhist Era, e.g. 21/11/2569."),
    )

    class Meta:
        model = RegistrationRequest
        fields = [
            "citizen_id",
            "title",
            "first_name",
            "last_name",
            "position",
            "level",
            "unit",
            "district",
            "province",
            "permission_level",
            "phone_office",
            "phone_mobile",
            "email",
            "date_assigned",
        ]
        widgets = {
            "title": forms.TextInput(attrs={"list": "title-suggestions"}),
            "position": forms.TextInput(attrs={"list": "position-suggestions"}),
            "phone_office": forms.TextInput(attrs={"inputmode": "tel"}),
            "phone_mobile": forms.TextInput(attrs={"inputmode": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].label_from_instance = lambda p: p.name_th

    def clean(self):
        cleaned = super().clean()
        # The service's rules across fields (registration_validate), checked here too so that
        # they show beside the other field errors; a field already refused keeps its message.
        draft = RegistrationRequest(permission_level=cleaned.get("permission_level") or "")
        for name in ("province", "district"):
            if cleaned.get(name) is not None:
                setattr(draft, name, cleaned[name])
        try:
            registration_validate(request=draft)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field not in self.errors:
                    for message in messages:
                        self.add_error(field, message)
        return cleaned


class RejectForm(forms.Form):
    decision_note = forms.CharField(
        label=_("Reason for rejection"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
