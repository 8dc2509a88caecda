"""Importing the backlog from spreadsheets (issue 12): the uploaded file, its column mapping,
the dry run's and the import's problems by row, and each district's saved mapping.

An ``ImportBatch`` is one file an officer uploaded for one district. The job queue reads it
twice: a dry run that only checks every row (``checked``), then the import (``done``). The
import commits in chunks together with ``last_row``, the last row it finished: a worker that
dies leaves a batch that resumes from there (``layers.services.imports``).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

# A run commits every chunk of rows (a few seconds): this long without one, its worker is gone.
STALLED_AFTER = timedelta(minutes=10)


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("waiting for the column mapping")
    CHECKING = "checking", _("dry run in progress")
    CHECKED = "checked", _("dry run finished")
    IMPORTING = "importing", _("import in progress")
    DONE = "done", _("imported")
    FAILED = "failed", _("failed")


class ImportFileKind(models.TextChoices):
    XLSX = "xlsx", "XLSX"
    CSV = "csv", "CSV"


def import_path(instance, filename):
    # Nothing guessable and no personal data in the path: a random folder per upload.
    return f"imports/{uuid.uuid4().hex}/upload"


class ImportBatch(models.Model):
    officer = models.ForeignKey(
        "layers.Officer", on_delete=models.PROTECT, related_name="import_batches"
    )
    district = models.ForeignKey(
        "boundaries.District", on_delete=models.PROTECT, related_name="import_batches"
    )
    file = models.FileField(upload_to=import_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("file type"), max_length=4, choices=ImportFileKind.choices)
    # A CSV's text encoding as found at upload: utf-8 (with or without BOM) or cp874 (TIS-620).
    encoding = models.CharField(max_length=16, blank=True)
    digest = models.CharField(max_length=64)
    headers = models.JSONField(default=list)
    # Target field → the column header it is read from ("" = not in this file).
    mapping = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    checked = models.BooleanField(_("dry run done"), default=False)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    # The last row (as the spreadsheet numbers it) the import finished: it resumes after it.
    last_row = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(_("cases created"), default=0)
    updated = models.PositiveIntegerField(_("cases updated"), default=0)
    rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.district_id} {self.original_name}"

    @property
    def running(self) -> bool:
        return self.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING)

    @property
    def stalled(self) -> bool:
        """Running, yet nothing committed for ``STALLED_AFTER``: its worker has died. It may be
        started again (an import resumes after its last committed row)."""
        from django.utils import timezone

        return self.running and self.updated_at < timezone.now() - STALLED_AFTER

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.rows_done / self.total_rows))


class ImportProblem(models.Model):
    """What is wrong with one row (every reason of it), with the row's cells as read, for the
    page and the rejected-rows report. Written by the dry run and again by the import."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="problems")
    row_no = models.PositiveIntegerField()
    reasons = models.JSONField(default=list)  # [[field, message], ...]
    values = models.JSONField(default=list)  # the row's cells, as text

    class Meta:
        ordering = ["row_no"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_no"], name="import_problem_row"),
        ]

    def __str__(self):
        return f"{self.batch_id} row {self.row_no}"


class ImportMapping(models.Model):
    """The column mapping a district last used: offered again for its next file."""

    district = models.OneToOneField(
        "boundaries.District", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    mapping = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        "layers.Officer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.district_id
