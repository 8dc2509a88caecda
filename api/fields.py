"""Strict DRF fields: a JSON body's types are checked, not coerced.

DRF's own ``CharField`` turns ``false`` into "False" and ``{"a": 1}`` into its repr, and
``IntegerField`` takes ``true``, ``4.9`` and ``"๕"``. These read through ``layers.inputs``, the
same functions the services use, so a form, a JSON body and an import agree.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from layers.errors import InvalidInput
from layers.inputs import decimal_value, whole_number


def _is_json(field) -> bool:
    request = field.context.get("request")
    return request is not None and (request.content_type or "").startswith("application/json")


def _first_message(exc: InvalidInput) -> str:
    for messages in exc.fields.values():
        return messages[0]
    return exc.message


class TextField(serializers.CharField):
    """Only a JSON string (or a form's text): never a number, boolean, object or list.

    Lengths are the service's to check (``layers.inputs.TEXT_LIMITS``), with the same message
    for every path; NUL characters too."""

    default_error_messages = {
        "invalid": _("Send text for this field (not a number, object or list)."),
        "required": _("This field is required."),
        "null": _("Send text for this field (not a number, object or list)."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("trim_whitespace", False)  # the service strips
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return data


class WholeNumberField(serializers.Field):
    """A JSON integer ≥ ``min_value`` (never ``true``, ``4.9`` or ``"8"``); in a form, which
    only has text, ASCII digits."""

    default_error_messages = {
        "required": _("This field is required."),
        "null": _("This field is required."),
    }

    def __init__(self, *, min_value: int = 1, message=None, **kwargs):
        self.min_value = min_value
        self.message = message
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if _is_json(self) and not (isinstance(data, int) and not isinstance(data, bool)):
            raise serializers.ValidationError(
                str(self.message or _("A whole number (a JSON integer), not text or a fraction."))
            )
        try:
            return whole_number(
                data, field=self.field_name, min_value=self.min_value, message=self.message
            )
        except InvalidInput as exc:
            raise serializers.ValidationError(_first_message(exc)) from None

    def to_representation(self, value):
        return value


class DecimalNumberField(serializers.Field):
    """A JSON number, or (in a form) a plain decimal in ASCII digits, between the bounds."""

    default_error_messages = {
        "required": _("This field is required."),
        "null": _("This field is required."),
    }

    def __init__(self, *, low: float, high: float, **kwargs):
        self.low, self.high = low, high
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return decimal_value(data, field=self.field_name, low=self.low, high=self.high)
        except InvalidInput as exc:
            raise serializers.ValidationError(_first_message(exc)) from None

    def to_representation(self, value):
        return value


class ExactChoiceField(serializers.ChoiceField):
    """One of the choices, as a string exactly (DRF's would take ``1`` for ``"1"``)."""

    default_error_messages = {
        "invalid_choice": _("“%(value)s” is not one of: %(choices)s."),
        "required": _("This field is required."),
        "null": _("This field is required."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or data not in self.choices:
            raise serializers.ValidationError(
                str(self.error_messages["invalid_choice"])
                % {"value": str(data)[:40], "choices": ", ".join(map(str, self.choices))}
            )
        return data


class StrictSerializer(serializers.Serializer):
    """A serializer that refuses fields it does not know (a misspelt field is not ignored)."""

    default_error_messages = {"invalid": _("Send a JSON object (or a form) with the fields.")}

    # Names a multipart body may carry besides the fields (the files themselves).
    extra_allowed: tuple[str, ...] = ()

    def validate(self, attrs):
        data = self.initial_data
        if hasattr(data, "keys"):
            unknown = sorted(
                k for k in data.keys() if k not in self.fields and k not in self.extra_allowed
            )
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [str(_("Unknown field: this address does not take it."))]
                        for name in unknown[:20]
                    }
                )
        return attrs
