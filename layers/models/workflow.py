"""What happens to a case: its append-only history, notes, attachments, notifications."""

import uuid
from pathlib import Path

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class HistoryKind(models.TextChoices):
    CREATED = "created", _("received")
    STATUS = "status", _("status changed")
    ASSIGNED = "assigned", _("assigned to a team")
    REASSIGNED = "reassigned", _("reassigned")
    FORWARDED = "forwarded", _("forwarded")
    RETURNED = "returned", _("sent back down")
    CLOSED = "closed", _("closed")
    REOPENED = "reopened", _("reopened")
    NOTE = "note", _("progress note")
    EDITED = "edited", _("details edited")
    # A suggested duplicate an officer said is another matter (issue 8); to_value: its number.
    DUPLICATE_DISMISSED = "dup_dismissed", _("suggested duplicate dismissed")
    # The complainant added information or a photo from the tracking page (issue 11).
    COMPLAINANT = "complainant", _("information from the complainant")


class ComplaintHistory(models.Model):
    """One change to a case: who, when, from, to, note. Rows are never updated or deleted.

    The database enforces it too: a trigger (migration ``history_append_only``) refuses UPDATE
    and DELETE on this table.
    """

    complaint = models.ForeignKey(
        "layers.Complaint", on_delete=models.PROTECT, related_name="history"
    )
    kind = models.CharField(max_length=16, choices=HistoryKind.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    from_value = models.CharField(max_length=200, blank=True)
    to_value = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        "layers.Officer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["complaint", "at"], name="history_complaint_at")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("ComplaintHistory is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("ComplaintHistory is append-only")


class CaseNote(models.Model):
    """A progress note from the field, with the GPS position of the visit when recorded."""

    complaint = models.ForeignKey(
        "layers.Complaint", on_delete=models.PROTECT, related_name="notes"
    )
    author = models.ForeignKey("layers.Officer", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"))
    visit_location = models.PointField(_("visit position"), srid=4326, null=True, blank=True)
    visit_accuracy_m = models.FloatField(_("GPS accuracy (m)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("photo")
    DOCUMENT = "document", _("scanned document")


def attachment_path(instance, filename):
    # No personal data in paths: the case id and a random name.
    return f"attachments/{instance.complaint_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class Attachment(models.Model):
    complaint = models.ForeignKey(
        "layers.Complaint", on_delete=models.PROTECT, related_name="attachments"
    )
    note = models.ForeignKey(
        CaseNote, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    kind = models.CharField(max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        "layers.Officer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)


class Notification(models.Model):
    """In-app notification (the same message also goes out by e-mail)."""

    recipient = models.ForeignKey(
        "layers.Officer", on_delete=models.CASCADE, related_name="notifications"
    )
    complaint = models.ForeignKey(
        "layers.Complaint", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # A notice about a monthly report (ready for the governor) rather than a case.
    report = models.ForeignKey(
        "layers.MonthlyReport",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    message = models.CharField(max_length=300)
    # Where the notification leads when it is not about a case (a ready export: the exports
    # page), as a path of this site.
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The unread badge: a recipient's unread notifications.
            models.Index(
                fields=["recipient", "created_at"],
                name="notif_unread",
                condition=models.Q(read_at__isnull=True),
            ),
        ]
