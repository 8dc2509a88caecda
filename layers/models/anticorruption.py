"""The anti-corruption channel (seed 000): tips about officials of the department and of the
district offices, apart from the ordinary complaints.

A tip is routed by where the accused serves, never to their own office (``TipLevel``): a village
head's or a sub-district official's conduct goes to the district reporter, a district office's to
the province's coordinators, a provincial office's or the department's to the centre. The
tipster's identity and contact are kept encrypted (``layers.tipcrypto``); the tracking PIN only
as a keyed hash. Every view and change of a tip is a row of ``TipAudit``; the timeline
(``TipEvent``) and the audit log are append-only in the database (migration 0012).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.db import models
from django.utils.translation import gettext_lazy as _

# Tracking numbers of tips: "AC-2569-7K3M9Q" (a random part: numbers say nothing of how many
# tips there are). The general /track/ page dispatches on this prefix.
TIP_PREFIX = "AC-"


class AccusedLevel(models.TextChoices):
    """Where the accused official serves, as the tipster says."""

    LOCAL = "local", _("village or sub-district (village head, kamnan, volunteer, local staff)")
    DISTRICT = "district", _("district office or a district agency")
    PROVINCE = "province", _("provincial administration office")
    DEPARTMENT = "department", _("the department (central)")


class TipLevel(models.TextChoices):
    """Who handles the tip: the district's reporter, the province's coordinators, the centre."""

    DISTRICT = "district", _("district reporter")
    PROVINCE = "province", _("provincial coordinators")
    CENTRE = "centre", _("anti-corruption centre")


class TipStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    CHECKING = "checking", _("being checked")
    CLOSED = "closed", _("closed")


class TipResult(models.TextChoices):
    SUBSTANTIATED = "substantiated", _("substantiated: disciplinary or criminal action")
    UNSUBSTANTIATED = "unsubstantiated", _("not substantiated")
    REFERRED = "referred", _("referred to another agency")


class Tip(models.Model):
    tracking_no = models.CharField(_("tracking number"), max_length=20, unique=True)
    # A keyed hash of the PIN (layers.services.anticorruption.pin_digest): never the PIN.
    pin_digest = models.CharField(max_length=64)
    anonymous = models.BooleanField(_("anonymous"), default=True)
    # Fernet tokens (layers.tipcrypto): the plain text is nowhere in the database.
    tipster_name_enc = models.TextField(blank=True)
    tipster_phone_enc = models.TextField(blank=True)
    tipster_email_enc = models.TextField(blank=True)
    accused_name = models.CharField(_("accused official"), max_length=200)
    accused_position = models.CharField(_("position"), max_length=200, blank=True)
    accused_unit = models.CharField(_("unit"), max_length=200)
    accused_level = models.CharField(
        _("where the official serves"), max_length=16, choices=AccusedLevel.choices
    )
    province = models.ForeignKey(
        "boundaries.Province", on_delete=models.PROTECT, related_name="+", db_column="province_code"
    )
    district = models.ForeignKey(
        "boundaries.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_column="district_code",
    )
    place_note = models.CharField(_("place"), max_length=300, blank=True)
    description = models.TextField(_("what happened"))
    happened_on = models.DateField(_("when it happened"), null=True, blank=True)
    level = models.CharField(_("handled by"), max_length=16, choices=TipLevel.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=TipStatus.choices, default=TipStatus.RECEIVED
    )
    result = models.CharField(_("result"), max_length=20, choices=TipResult.choices, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("anti-corruption tip")
        verbose_name_plural = _("anti-corruption tips")
        indexes = [models.Index(fields=["level", "province", "district"], name="tip_scope_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(level="district") | models.Q(district__isnull=False),
                name="tip_district_level_has_district",
            ),
        ]

    def __str__(self):
        return self.tracking_no


def tip_file_path(instance, filename):
    # No name, no number in paths: a random name.
    return f"anticorruption/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class TipFile(models.Model):
    """Evidence the tipster sent (photos, PDFs): served only to the tip's handlers, audited."""

    tip = models.ForeignKey(Tip, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=tip_file_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.tip_id}/{self.pk}"


class TipEventKind(models.TextChoices):
    RECEIVED = "received", _("received")
    STATUS = "status", _("status changed")
    NOTE = "note", _("note")
    ESCALATED = "escalated", _("sent up")


class TipEvent(models.Model):
    """The tip's timeline (append-only). The tipster's tracking page shows the dates and status
    words; notes and who wrote them are for the handlers."""

    tip = models.ForeignKey(Tip, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=TipEventKind.choices)
    from_value = models.CharField(max_length=32, blank=True)
    to_value = models.CharField(max_length=32, blank=True)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        "layers.Officer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.tip_id} {self.kind}"


class TipAuditAction(models.TextChoices):
    LISTED = "listed", _("listed")
    VIEWED = "viewed", _("opened")
    FILE = "file", _("opened a file")
    CHANGED = "changed", _("changed")
    TRACKED = "tracked", _("followed by the tipster")


class TipAudit(models.Model):
    """Who saw or changed which tip, when, and what was shown (append-only in the database).

    ``shown`` names the parts of the tip that were on the screen (fields, not their values): the
    audit log itself holds no tipster and no text of the tip."""

    tip = models.ForeignKey(Tip, on_delete=models.PROTECT, related_name="audit")
    officer = models.ForeignKey(
        "layers.Officer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=16, choices=TipAuditAction.choices)
    shown = models.CharField(max_length=400, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.tip_id} {self.action}"


class TipAttempt(models.Model):
    """Throttle counts of the public channel: a filing from an address, a wrong PIN for a number
    or from an address. Keys are keyed digests: the table never says which address filed."""

    class Kind(models.TextChoices):
        FILE = "file"
        WRONG_PIN_NUMBER = "pin_number"
        WRONG_PIN_ADDRESS = "pin_address"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    key_digest = models.CharField(max_length=64)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "key_digest", "at"], name="tip_attempt_idx")]

    def __str__(self):
        return self.kind
