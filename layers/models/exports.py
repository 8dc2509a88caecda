"""Analysts' exports prepared in the background, and the rendered vector-tile cache.

An ``ExportJob`` is one file an officer asked for that was too large to answer at once
(``EXPORT_SYNC_MAX_ROWS``): the job queue writes it under ``MEDIA_ROOT/exports/``, the officer
is told in the app, and only the officer downloads it, through a view that checks their scope
again (nothing serves MEDIA_ROOT directly). Files are removed after ``EXPORT_KEEP_HOURS``.

``TileCache`` holds rendered Mapbox Vector Tiles by a key that names everything the tile depends
on (layer, z/x/y, filters, the viewer's jurisdiction and the data's version stamp): a changed
complaint or boundary gives new keys, and old rows are simply never read again until the
nightly clean-up removes them. The table is UNLOGGED (migration): a crash empties it, which
costs only re-rendering.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportFormat(models.TextChoices):
    GPKG = "gpkg", "GeoPackage"
    SHP = "shp", _("Shapefile (zip)")
    CSV = "csv", "CSV"
    KML = "kml", "KML"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("being prepared")
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")
    EXPIRED = "expired", _("expired")


def export_path(instance, filename):
    # No personal data and nothing guessable in the path: a random folder per job.
    return f"exports/{uuid.uuid4().hex}/{filename}"


class ExportJob(models.Model):
    officer = models.ForeignKey(
        "layers.Officer", on_delete=models.CASCADE, related_name="export_jobs"
    )
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    # The query parameters as the officer gave them (already checked once); the worker reads
    # them again with the same parser and the officer's jurisdiction at the time it runs.
    params = models.JSONField(default=dict)
    personal = models.BooleanField(_("with personal data"), default=False)
    status = models.CharField(
        _("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    file = models.FileField(upload_to=export_path, max_length=300, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    file_name_utf8 = models.CharField(max_length=300, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [models.Index(fields=["officer", "created_at"], name="exportjob_officer")]

    def __str__(self):
        return f"export {self.pk} ({self.format}, {self.status})"


class TileCache(models.Model):
    key = models.CharField(max_length=64, primary_key=True)
    layer = models.CharField(max_length=16)
    z = models.PositiveSmallIntegerField()
    data = models.BinaryField()
    features = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("cached tile")

    def __str__(self):
        return f"{self.layer} z{self.z} {self.key[:12]}"
