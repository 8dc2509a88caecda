"""Other systems that exchange cases with ours: Open311 partners and webhook subscribers.

Both are registered by an administrator (Django admin) and bound to areas: a partner reads and
files cases of its areas only, a subscriber hears only of the cases of its areas. A partner
authenticates with the Open311 ``api_key``, stored hashed (shown once when issued); a
subscriber verifies our signature with a secret, stored sealed (we need it to sign).
"""

import uuid

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class AreaScoped(models.Model):
    """The areas a system is registered for: the whole country, or provinces and districts.

    Nothing is the default: a system registered without an area sees nothing.
    """

    whole_country = models.BooleanField(_("whole country"), default=False)
    provinces = models.ManyToManyField(
        "boundaries.Province", blank=True, related_name="+", verbose_name=_("provinces")
    )
    districts = models.ManyToManyField(
        "boundaries.District", blank=True, related_name="+", verbose_name=_("districts")
    )

    class Meta:
        abstract = True


class Partner(AreaScoped):
    """A system of another office (a district, province or central system, a partner portal)
    that reads and files cases through Open311 GeoReport v2 with its ``api_key``."""

    name = models.CharField(_("name"), max_length=200)
    # The key is "<prefix>.<secret>": the prefix finds the row, the SHA-256 of the whole key
    # checks it (a random 256-bit key needs no slow hash). Neither tells the key.
    key_prefix = models.CharField(max_length=16, unique=True, null=True, blank=True, editable=False)
    key_hash = models.CharField(max_length=64, blank=True, editable=False)
    key_issued_at = models.DateTimeField(_("key issued at"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(
        _("key expires at"), null=True, blank=True, help_text=_("Empty: the key does not expire.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner system (Open311)")
        verbose_name_plural = _("partner systems (Open311)")
        ordering = ["name"]

    def __str__(self):
        return self.name


class PartnerSubmission(models.Model):
    """A case a partner filed through Open311 (``POST requests``): who filed it, and the token
    that ``GET tokens/<token>`` resolves to the case's tracking number."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="submissions")
    complaint = models.OneToOneField(
        "layers.Complaint", on_delete=models.PROTECT, related_name="partner_submission"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case filed by a partner")
        verbose_name_plural = _("cases filed by partners")
        ordering = ["-created_at"]


class CaseEvent(models.TextChoices):
    """What a subscriber may hear of (the events of a case's status)."""

    CREATED = "case.created", _("case received")
    ASSIGNED = "case.assigned", _("case assigned to a team")
    STARTED = "case.started", _("work started")
    FORWARDED = "case.forwarded", _("case forwarded")
    RETURNED = "case.returned", _("case sent back down")
    CLOSED = "case.closed", _("case closed")
    REOPENED = "case.reopened", _("case reopened")


class WebhookSubscriber(AreaScoped):
    """A system that is told of case events by an HTTP POST to its URL, signed with its
    secret (HMAC-SHA256 over the body)."""

    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    # Sealed with SECRET_KEY (layers.services.webhooks): we sign with it, so it is not hashed.
    secret_sealed = models.TextField(blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscriber")
        verbose_name_plural = _("webhook subscribers")
        ordering = ["name"]

    def __str__(self):
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    RETRYING = "retrying", _("failed, will be retried")
    DELIVERED = "delivered", _("delivered")
    GIVEN_UP = "given_up", _("given up")


class WebhookDelivery(models.Model):
    """One event for one subscriber: the outbox row, written in the transaction of the change.

    Its id is the delivery id the subscriber receives (the same on every retry, so that it can
    drop a repeat); its body is kept as sent, so that every retry carries the same bytes and
    signature. A delivery stays until it is delivered or given up (listed in the admin, where
    it can be sent again).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscriber = models.ForeignKey(
        WebhookSubscriber, on_delete=models.PROTECT, related_name="deliveries"
    )
    event = models.CharField(max_length=32, choices=CaseEvent.choices)
    complaint = models.ForeignKey(
        "layers.Complaint", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The subscriber's HTTP status, or the type of the connection error (never its text).
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]
        indexes = [
            # The admin's list of what is not delivered yet.
            models.Index(
                fields=["status", "created_at"],
                name="webhook_undelivered",
                condition=~models.Q(status="delivered"),
            ),
        ]

    def __str__(self):
        return f"{self.event} {self.id}"
