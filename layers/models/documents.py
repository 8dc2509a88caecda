"""Scanned letters: a document attached to a case, or waiting in a district's inbox of
unrecorded documents until an officer records the case it starts (issue 12).

The text read from it (a PDF's own text layer, or OCR on the job queue) is stored here, page by
page and whole, so that search can index it (``layers.selectors.documents.document_text_for_case``).
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", _("waiting to be read")
    RUNNING = "running", _("being read")
    DONE = "done", _("text read")
    FAILED = "failed", _("text could not be read")


class ExtractMethod(models.TextChoices):
    NONE = "", _("not yet")
    TEXT_LAYER = "text_layer", _("the PDF's own text")
    OCR = "ocr", _("OCR (Tesseract, Thai and English)")
    MIXED = "mixed", _("the PDF's own text and OCR")


def document_path(instance, filename):
    # No personal data in paths: a random name, the extension of the detected type.
    return f"documents/{uuid.uuid4().hex}{filename[filename.rfind('.') :].lower()}"


def page_path(instance, filename):
    return f"documents/pages/{uuid.uuid4().hex}.png"


class ScannedDocument(models.Model):
    # Null while the document waits in the district's inbox of unrecorded documents.
    complaint = models.ForeignKey(
        "layers.Complaint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    # The district whose inbox holds it (and, once attached, the case's district).
    district = models.ForeignKey(
        "boundaries.District", on_delete=models.PROTECT, related_name="+", db_index=True
    )
    file = models.FileField(upload_to=document_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveIntegerField()
    page_count = models.PositiveIntegerField(default=0)
    pages_done = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED
    )
    method = models.CharField(max_length=16, choices=ExtractMethod.choices, blank=True)
    # The text as read, normalised (NFC, ํา as ำ), Thai digits kept as written; pages are
    # separated by a form feed.
    text = models.TextField(blank=True)
    # The same for indexing: ``thaitext.normalize_text`` (Thai digits as Arabic, lower case).
    search_text = models.TextField(blank=True)
    # Numbers and dates read by OCR, for a person to check: [{"page", "text", "kind"}].
    flags = models.JSONField(default=list, blank=True)
    # Why reading failed (no personal data: a kind of failure, never the text).
    error = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        "layers.Officer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    attached_at = models.DateTimeField(null=True, blank=True)
    attached_by = models.ForeignKey(
        "layers.Officer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    extracted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("scanned document")
        verbose_name_plural = _("scanned documents")
        ordering = ["uploaded_at", "id"]
        indexes = [
            # The inbox: a district's documents not yet attached to a case.
            models.Index(
                fields=["district", "uploaded_at"],
                name="document_inbox",
                condition=models.Q(complaint__isnull=True),
            ),
        ]

    def __str__(self):
        # No personal data: the uploaded file's name may hold a person's name.
        return f"document {self.pk}"

    @property
    def pending(self) -> bool:
        return self.status in (DocumentStatus.QUEUED, DocumentStatus.RUNNING)


class DocumentPage(models.Model):
    """One page: its picture (a reading-size greyscale PNG, also the thumbnail) and its text."""

    document = models.ForeignKey(ScannedDocument, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField()  # from 1
    image = models.FileField(upload_to=page_path, max_length=200, blank=True)
    text = models.TextField(blank=True)
    method = models.CharField(max_length=16, choices=ExtractMethod.choices, blank=True)
    # Tesseract's mean word confidence (0-100) for an OCR'd page.
    confidence = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="document_page_unique")
        ]

    def __str__(self):
        return f"document {self.document_id} page {self.number}"
