"""The admin of the systems that exchange cases with ours (imported by ``layers.admin``).

* Open311 partner systems: registered with their areas; an api_key is issued when one is added
  (and by the "issue a new api_key" action), shown once, kept as a hash; it can be revoked, given
  an expiry, or the partner deactivated.
* Webhook subscribers: URL, events, areas; a signing secret is issued when one is added (and by
  the "issue a new secret" action), shown once.
* Webhook deliveries: the outbox, read-only; what is not delivered is listed with its attempts
  and last error, and the "send again" action queues given-up ones again (same delivery id).
* Cases filed by partners: read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from boundaries.models import District, Province
from layers.models import (
    CaseEvent,
    Partner,
    PartnerSubmission,
    WebhookDelivery,
    WebhookSubscriber,
)
from layers.services.open311 import partner_key_issue, partner_key_revoke
from layers.services.webhooks import deliveries_send_again, subscriber_secret_issue

ISSUED_SECRETS_TEMPLATE = "maps/exchange/admin_issued_secrets.html"


def _issued_response(request, model_admin, rows, *, advice, secret_label):
    # Rendered, never redirected: the secrets live in this one response only.
    opts = model_admin.model._meta
    response = TemplateResponse(
        request,
        ISSUED_SECRETS_TEMPLATE,
        {
            **admin.site.each_context(request),
            "rows": rows,
            "opts": opts,
            "title": secret_label,
            "advice": advice,
            "secret_label": secret_label,
            "back_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


class AreasWithoutGeom:
    """Area choices and lists without their polygons (77 province outlines per page
    otherwise)."""

    filter_horizontal = ("provinces", "districts")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("provinces", queryset=Province.objects.only("code")),
                Prefetch("districts", queryset=District.objects.only("code")),
            )
        )

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.related_model in (Province, District):
            kwargs["queryset"] = db_field.related_model.objects.defer("geom")
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)


def _areas(obj) -> str:
    if obj.whole_country:
        return str(_("whole country"))
    codes = [p.code for p in obj.provinces.all()] + [d.code for d in obj.districts.all()]
    return ", ".join(codes) or "—"


@admin.register(Partner)
class PartnerAdmin(AreasWithoutGeom, admin.ModelAdmin):
    list_display = (
        "name",
        "areas",
        "is_active",
        "key_prefix",
        "key_issued_at",
        "expires_at",
        "last_used_at",
    )
    list_filter = ("is_active", "whole_country")
    search_fields = ("name", "key_prefix")
    fields = (
        "name",
        "whole_country",
        "provinces",
        "districts",
        "is_active",
        "expires_at",
        "key_prefix",
        "key_issued_at",
        "last_used_at",
    )
    readonly_fields = ("key_prefix", "key_issued_at", "last_used_at")
    actions = ["issue_key", "revoke_key"]

    @admin.display(description=_("areas"))
    def areas(self, obj):
        return _areas(obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            request._issued_key = (obj, partner_key_issue(partner=obj))

    def response_add(self, request, obj, post_url_continue=None):
        issued = getattr(request, "_issued_key", None)
        if issued is None:
            return super().response_add(request, obj, post_url_continue)
        return self._keys_response(request, [issued])

    def _keys_response(self, request, rows):
        return _issued_response(
            request,
            self,
            rows,
            advice=_(
                "These api_keys are shown only once. Give each to the system's operator over a "
                "safe channel; only a hash is kept."
            ),
            secret_label=_("Issued api_key"),
        )

    @admin.action(description=_("Issue a new api_key (shown once; the old one stops working)"))
    def issue_key(self, request, queryset):
        rows = [(p, partner_key_issue(partner=p)) for p in queryset.order_by("name")]
        return self._keys_response(request, rows)

    @admin.action(description=_("Revoke the api_key"))
    def revoke_key(self, request, queryset):
        for partner in queryset:
            partner_key_revoke(partner=partner)
        self.message_user(request, _("The keys were revoked."), messages.SUCCESS)


class SubscriberForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"), choices=CaseEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscriber
        fields = ["name", "url", "events", "whole_country", "provinces", "districts", "is_active"]


@admin.register(WebhookSubscriber)
class WebhookSubscriberAdmin(AreasWithoutGeom, admin.ModelAdmin):
    form = SubscriberForm
    list_display = ("name", "url", "event_list", "areas", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    actions = ["issue_secret"]

    @admin.display(description=_("events"))
    def event_list(self, obj):
        return ", ".join(obj.events or [])

    @admin.display(description=_("areas"))
    def areas(self, obj):
        return _areas(obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            request._issued_secret = (obj, subscriber_secret_issue(subscriber=obj))

    def response_add(self, request, obj, post_url_continue=None):
        issued = getattr(request, "_issued_secret", None)
        if issued is None:
            return super().response_add(request, obj, post_url_continue)
        return self._secrets_response(request, [issued])

    def _secrets_response(self, request, rows):
        return _issued_response(
            request,
            self,
            rows,
            advice=_(
                "These signing secrets are shown only once. The subscriber checks the "
                "X-Damrong-Signature header (HMAC-SHA256 of the body) with it."
            ),
            secret_label=_("Signing secret"),
        )

    @admin.action(description=_("Issue a new signing secret (shown once)"))
    def issue_secret(self, request, queryset):
        rows = [(s, subscriber_secret_issue(subscriber=s)) for s in queryset.order_by("name")]
        return self._secrets_response(request, rows)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "event",
        "case",
        "subscriber",
        "status",
        "attempts",
        "last_status",
        "last_error",
        "delivered_at",
    )
    list_filter = ("status", "event", "subscriber")
    search_fields = ("complaint__tracking_no", "id")
    list_select_related = ("subscriber", "complaint")
    readonly_fields = (
        "id",
        "subscriber",
        "event",
        "complaint",
        "status",
        "attempts",
        "created_at",
        "last_attempt_at",
        "delivered_at",
        "last_status",
        "last_error",
        "body",
    )
    actions = ["send_again"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("complaint__location")

    @admin.display(description=_("case"), ordering="complaint__tracking_no")
    def case(self, obj):
        return obj.complaint.tracking_no if obj.complaint_id else ""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send again (given up or failed ones, same delivery id)"))
    def send_again(self, request, queryset):
        n = deliveries_send_again(deliveries=list(queryset))
        self.message_user(request, _("%(n)d deliveries queued again.") % {"n": n}, messages.SUCCESS)


@admin.register(PartnerSubmission)
class PartnerSubmissionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "partner", "case", "token")
    list_filter = ("partner",)
    search_fields = ("complaint__tracking_no", "token")
    list_select_related = ("partner", "complaint")
    readonly_fields = ("partner", "complaint", "token", "created_at")

    @admin.display(description=_("case"), ordering="complaint__tracking_no")
    def case(self, obj):
        return obj.complaint.tracking_no

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
