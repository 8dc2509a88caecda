"""Writing analysts' exports as files (GeoPackage, zipped Shapefile, CSV, KML) through GDAL,
at once for small selections and on the job queue for large ones.

Every format starts as a GeoPackage written from the export's SQL a batch at a time
(``pyogrio`` appends each batch: memory stays flat for any size); the other formats are read
from it by GDAL as an Arrow stream (``open_arrow`` + ``write_arrow``, again batch by batch),
with an SQL statement that renames the columns (Shapefile: 10 characters), puts the
coordinates in columns (CSV) or turns timestamps into local ISO text (Shapefile, CSV and KML
have no time-zone-aware type). Thai text stays UTF-8 everywhere: the Shapefile's ``.cpg``
says so, the CSV starts with a byte-order mark (Excel reads it as UTF-8 then).

A selection of at most ``EXPORT_SYNC_MAX_ROWS`` rows is written in the request; above it, an
``ExportJob`` is queued (``layers.tasks.export_run``), the officer is told in the app when it
is ready, downloads it through a view that checks their scope again, and the file is removed
after ``EXPORT_KEEP_HOURS``.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from layers.errors import ApplicationError, InvalidInput, NotFound
from layers.models import ExportFormat, ExportJob, ExportStatus, Notification, TileCache
from layers.selectors.exports import (
    COORDINATE_PRECISION,
    ExportRequest,
    export_check,
    export_count,
    export_file_names,
    export_request_from_params,
    export_row_batches,
    gdal_sql,
)

logger = logging.getLogger(__name__)

LAYER = "complaints"


@dataclass(frozen=True)
class FormatSpec:
    extension: str
    content_type: str
    driver: str


FORMATS: dict[str, FormatSpec] = {
    ExportFormat.GPKG: FormatSpec("gpkg", "application/geopackage+sqlite3", "GPKG"),
    ExportFormat.SHP: FormatSpec("shp.zip", "application/zip", "ESRI Shapefile"),
    ExportFormat.CSV: FormatSpec("csv", "text/csv; charset=utf-8", "CSV"),
    ExportFormat.KML: FormatSpec("kml", "application/vnd.google-earth.kml+xml", "KML"),
}


def format_spec(fmt: str) -> FormatSpec:
    if fmt not in FORMATS:
        raise InvalidInput(
            {
                "format": _("Unknown format %(format)s; use one of: %(known)s.")
                % {
                    "format": str(fmt)[:20],
                    "known": ", ".join(["geojson", *(f.extension for f in FORMATS.values())]),
                }
            }
        )
    return FORMATS[fmt]


@dataclass(frozen=True)
class WrittenExport:
    path: Path
    rows: int
    file_name: str
    file_name_utf8: str
    content_type: str


# --- Writing ---------------------------------------------------------------------------------


def _write_geopackage(path: Path, sql: str, params, request: ExportRequest) -> int:
    """The rows of ``sql`` (WKB, then the columns) into a GeoPackage, a batch at a time."""
    names = [c.key for c in request.columns]
    kinds = [c.kind for c in request.columns]
    rows_written = 0
    append = False

    def write(geometry, field_data):
        nonlocal append
        count = len(geometry)
        offsets = {
            name: np.full(count, 100, dtype=np.int32)  # GDAL's "UTC" time-zone flag
            for name, kind in zip(names, kinds, strict=True)
            if kind == "datetime"
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            from pyogrio.raw import write as ogr_write

            ogr_write(
                str(path),
                geometry,
                field_data,
                names,
                layer=LAYER,
                driver="GPKG",
                geometry_type="Point",
                crs="EPSG:4326",
                append=append,
                gdal_tz_offsets=offsets,
                layer_options={"IDENTIFIER": LAYER, "DESCRIPTION": "Damrong GIS complaints"},
            )
        append = True

    def columns_of(batch):
        geometry = np.array([bytes(row[0]) for row in batch], dtype=object)
        field_data = []
        for index, kind in enumerate(kinds, start=1):
            values = [row[index] for row in batch]
            if kind == "datetime":
                field_data.append(np.array(values, dtype="datetime64[us]"))
            else:
                field_data.append(np.array(values, dtype=object))
        return geometry, field_data

    for batch in export_row_batches(sql, params):
        write(*columns_of(batch))
        rows_written += len(batch)
    if not append:  # nothing matched: an empty layer with the same columns
        empty = [
            np.array([], dtype="datetime64[us]") if kind == "datetime" else np.array([], object)
            for kind in kinds
        ]
        write(np.array([], dtype=object), empty)
    return rows_written


def _local_time_sql(column: str) -> str:
    """A GeoPackage timestamp (UTC) as local ISO text in SQLite: 2026-01-15T09:30:00+07:00.
    The offset is the project time zone's (Asia/Bangkok keeps +07:00 all year)."""
    offset = timezone.localtime().utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    text = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return f"strftime('%Y-%m-%dT%H:%M:%S', \"{column}\", '{minutes:+d} minutes') || '{text}'"


def _converted(source: Path, target: Path, fmt: str, request: ExportRequest) -> None:
    """``source`` (the GeoPackage) into ``target`` in ``fmt``, streamed by GDAL."""
    from pyogrio.raw import open_arrow, write_arrow

    columns = request.columns
    select = []
    for column in columns:
        value = _local_time_sql(column.key) if column.kind == "datetime" else f'"{column.key}"'
        name = column.short if fmt == ExportFormat.SHP else column.key
        select.append(f'{value} AS "{name}"')
    options: dict = {}
    if fmt == ExportFormat.CSV:
        p = COORDINATE_PRECISION
        select.insert(1, f"round(ST_MinX(geom), {p}) AS lon, round(ST_MinY(geom), {p}) AS lat")
        sql = f"SELECT {', '.join(select)} FROM {LAYER}"
        options = dict(
            layer_options={"WRITE_BOM": "YES", "STRING_QUOTING": "IF_NEEDED"},
            geometry_type=None,
            geometry_name=None,
        )
        read_geometry = False
    else:
        sql = f"SELECT geom, {', '.join(select)} FROM {LAYER}"
        options = dict(geometry_name="geom", geometry_type="Point", crs="EPSG:4326")
        read_geometry = True
        if fmt == ExportFormat.SHP:
            options["encoding"] = "UTF-8"  # and a .cpg saying so
        if fmt == ExportFormat.KML:
            options["dataset_options"] = {"NameField": "tracking_no"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with open_arrow(
            str(source), sql=sql, use_pyarrow=False, batch_size=20_000, read_geometry=read_geometry
        ) as (_meta, reader):
            write_arrow(reader, str(target), driver=FORMATS[fmt].driver, layer=LAYER, **options)


def _zip_shapefile(folder: Path, target: Path, stem: str, request: ExportRequest) -> None:
    """The Shapefile's parts (.shp .shx .dbf .prj .cpg) in one zip, named after the export,
    with a list of the short field names and what they stand for."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, f"{stem}{part.suffix}")
        fields = "\n".join(f"{c.short}\t{c.key}" for c in request.columns)
        archive.writestr(
            f"{stem}_fields.txt",
            "Shapefile field names (10 characters) and the export's column names.\n"
            "Text is UTF-8 (see the .cpg file); a text longer than 254 bytes is cut at a "
            "character boundary (GeoPackage keeps it whole).\n\n" + fields + "\n",
        )


def export_write(*, officer, request: ExportRequest, fmt: str, folder: Path) -> WrittenExport:
    """Write the officer's export in ``fmt`` into ``folder``; the file's path, rows and names.

    Raises ``Forbidden`` (outside the jurisdiction, personal columns for a role not entitled)
    before anything is written.
    """
    spec = format_spec(fmt)
    sql, params = gdal_sql(officer=officer, request=request)
    ascii_name, utf8_name = export_file_names(request, spec.extension)
    stem = ascii_name[: -len(spec.extension) - 1]
    work = Path(tempfile.mkdtemp(prefix="export-", dir=folder))
    gpkg = work / f"{LAYER}.gpkg"
    rows = _write_geopackage(gpkg, sql, params, request)
    target = folder / ascii_name
    if fmt == ExportFormat.GPKG:
        gpkg.replace(target)
    elif fmt == ExportFormat.SHP:
        parts = work / "shp"
        parts.mkdir()
        _converted(gpkg, parts / f"{LAYER}.shp", fmt, request)
        _zip_shapefile(parts, target, stem, request)
    else:
        _converted(gpkg, target, fmt, request)
    shutil.rmtree(work, ignore_errors=True)
    return WrittenExport(target, rows, ascii_name, utf8_name, spec.content_type)


# --- At once, or on the queue ------------------------------------------------------------------


@dataclass(frozen=True)
class ExportAnswer:
    """What an export request gets: a file written now, or a queued job."""

    written: WrittenExport | None = None
    job: ExportJob | None = None
    rows: int = 0


def export_scratch_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "exports" / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def export_request(*, officer, request: ExportRequest, fmt: str) -> ExportAnswer:
    """An export in ``fmt``: written now when it has at most ``EXPORT_SYNC_MAX_ROWS`` rows (the
    caller streams the file and removes its folder), otherwise queued (or the same export
    already queued for the officer)."""
    format_spec(fmt)
    rows = export_count(officer=officer, request=request)  # checks the scope first
    if rows <= settings.EXPORT_SYNC_MAX_ROWS:
        folder = Path(tempfile.mkdtemp(prefix="now-", dir=export_scratch_dir()))
        try:
            written = export_write(officer=officer, request=request, fmt=fmt, folder=folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return ExportAnswer(written=written, rows=written.rows)
    return ExportAnswer(job=export_job_queue(officer=officer, request=request, fmt=fmt), rows=rows)


@transaction.atomic
def export_job_queue(*, officer, request: ExportRequest, fmt: str) -> ExportJob:
    """Queue an export job (the worker runs ``export_job_run``); an identical one of the
    officer's still queued or running is returned instead of a second."""
    from layers.tasks import export_run  # the task module imports this one

    format_spec(fmt)
    export_check(officer=officer, request=request)
    waiting = (
        ExportJob.objects.select_for_update()
        .filter(
            officer=officer,
            format=fmt,
            params=request.params,
            status__in=(ExportStatus.QUEUED, ExportStatus.RUNNING),
        )
        .first()
    )
    if waiting is not None:
        return waiting
    ascii_name, utf8_name = export_file_names(request, FORMATS[fmt].extension)
    job = ExportJob.objects.create(
        officer=officer,
        format=fmt,
        params=request.params,
        personal=request.personal,
        file_name=ascii_name,
        file_name_utf8=utf8_name,
    )
    export_run.defer(job_id=job.pk)
    return job


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Run a queued export (the worker calls this): write the file with the officer's scope as
    it is now, keep it under MEDIA_ROOT/exports/, tell the officer. A refusal (the officer
    lost the area or the role) fails the job with the reason; anything else fails it with a
    generic message and is raised again for the queue's record."""
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update()
            .select_related("officer")
            .filter(pk=job_id, status=ExportStatus.QUEUED)
            .first()
        )
        if job is None:
            return None  # already run, or removed
        job.status = ExportStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])
    folder = Path(tempfile.mkdtemp(prefix=f"job{job.pk}-", dir=export_scratch_dir()))
    try:
        request = export_request_from_params(job.params)
        written = export_write(officer=job.officer, request=request, fmt=job.format, folder=folder)
        with written.path.open("rb") as handle:
            job.file.save(written.file_name, File(handle), save=False)
        now = timezone.now()
        job.status = ExportStatus.READY
        job.rows = written.rows
        job.size_bytes = job.file.size
        job.file_name, job.file_name_utf8 = written.file_name, written.file_name_utf8
        job.finished_at = now
        job.expires_at = now + timedelta(hours=settings.EXPORT_KEEP_HOURS)
        with transaction.atomic():
            job.save()
            _tell(job)
        return job
    except ApplicationError as exc:
        _failed(job, exc.message)
        return job
    except Exception:
        logger.exception("export job %s failed", job.pk)
        _failed(job, _("The export could not be written; ask your administrator."))
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _failed(job: ExportJob, message: str) -> None:
    job.status = ExportStatus.FAILED
    job.message = str(message)[:300]
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save(update_fields=["status", "message", "finished_at"])
        _tell(job)


def _tell(job: ExportJob) -> None:
    """An in-app notification to the job's officer (no personal data: the file's name says
    only the area, the dates and the filters)."""
    with translation.override(settings.LANGUAGE_CODE):
        if job.status == ExportStatus.READY:
            message = _(
                "Your export %(name)s is ready (%(rows)s rows): download it from the exports page."
            ) % {
                "name": job.file_name,
                "rows": job.rows,
            }
        else:
            message = _("Your export %(name)s could not be prepared: %(reason)s") % {
                "name": job.file_name,
                "reason": job.message,
            }
    Notification.objects.create(
        recipient=job.officer, message=message[:300], link=reverse("exports")
    )


def export_job_file(*, officer, job_id: int) -> tuple[ExportJob, Path]:
    """The file of a ready export, for its own officer only, whose scope must still allow it
    (a role or area lost since, or a personal export after losing the entitlement, is
    refused). Someone else's job is a 404, not a 403: its existence is not theirs to know."""
    job = ExportJob.objects.filter(pk=job_id, officer_id=getattr(officer, "pk", None)).first()
    if job is None:
        raise NotFound(_("There is no such export of yours."))
    export_check(officer=officer, request=export_request_from_params(job.params))
    if job.status != ExportStatus.READY or not job.file:
        raise NotFound(
            _("This export is not ready (%(status)s).") % {"status": job.get_status_display()}
        )
    if job.expires_at and job.expires_at <= timezone.now():
        raise NotFound(_("This export has expired; ask for it again."))
    path = Path(job.file.path)
    if not path.exists():
        raise NotFound(_("This export has expired; ask for it again."))
    return job, path


# --- Clean-up ----------------------------------------------------------------------------------


def exports_remove_expired(*, now=None) -> int:
    """Remove the files of exports past their expiry (the rows stay, marked expired, for the
    export page; rows older than 30 days go too), left-over scratch folders, and cached tiles
    older than ``TILES_CACHE_HOURS``. Returns how many files were removed."""
    now = now or timezone.now()
    removed = 0
    for job in ExportJob.objects.filter(status=ExportStatus.READY, expires_at__lte=now):
        if job.file:
            job.file.delete(save=False)
            removed += 1
        job.status = ExportStatus.EXPIRED
        job.save(update_fields=["status", "file"])
    ExportJob.objects.filter(created_at__lt=now - timedelta(days=30)).exclude(
        status__in=(ExportStatus.QUEUED, ExportStatus.RUNNING)
    ).delete()
    scratch = Path(settings.MEDIA_ROOT) / "exports" / "tmp"
    if scratch.exists():
        for folder in scratch.iterdir():
            age = now.timestamp() - folder.stat().st_mtime
            if age > 24 * 3600:
                shutil.rmtree(folder, ignore_errors=True)
    TileCache.objects.filter(
        created_at__lt=now - timedelta(hours=settings.TILES_CACHE_HOURS)
    ).delete()
    return removed
