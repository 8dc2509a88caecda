"""What an analyst's export holds: its parameters, its columns, its rows (in SQL), its name.

One reading for every export format, the GeoJSON stream, the export page and the vector tiles:

* **parameters** — the case filters (``layers.selectors.filters``: area codes, status,
  category, channel, since/until, bbox) plus the export's own ``area=all`` (the whole of the
  officer's jurisdiction, asked for on purpose: a forgotten area is a 400, not a national file)
  and ``personal=true`` (complainants, accused parties and free text: only for roles the policy
  entitles, ``layers.policy.require_fields``);
* **columns** — ``PUBLIC_COLUMNS`` always, ``PERSONAL_COLUMNS`` on request; each is classified
  in the policy's ``export`` namespace and has a short name for Shapefiles (10 characters);
* **rows** — one SQL statement: the jurisdiction and the filters come from the ORM
  (``complaints_visible_to`` + ``case_filter_apply``), and the output (GeoJSON text per row,
  WKB and typed columns for GDAL, MVT for tiles) is built around it by PostgreSQL;
* **rows are read** from a server-side cursor inside a transaction (``export_row_batches``):
  PostgreSQL sends rows as it finds them, so the first byte leaves at once and memory stays
  flat for any size (outside a transaction Django declares the cursor WITH HOLD, and
  PostgreSQL then builds the whole result before the first row);
* **file names** say what the file holds: ``complaints_49_2569-01-01_2569-03-31.geojson``, and
  in Thai for the RFC 5987 ``filename*``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from boundaries.models import District, Province, Subdistrict
from layers.errors import Forbidden, InvalidInput
from layers.policy import require_fields, viewer_for
from layers.selectors.filters import (
    FILTER_PARAMS,
    CaseFilter,
    case_filter_apply,
    case_filter_from_params,
)
from layers.selectors.scope import complaints_visible_to, jurisdiction_for, officer_covers_province
from layers.thaidate import BE_OFFSET

# The case filters an export takes (team, overdue and forwarding are working-list filters).
EXPORT_FILTERS = tuple(p for p in FILTER_PARAMS if p not in ("team", "overdue", "forwarded_to"))
# The export's own parameters.
EXPORT_OWN = ("area", "personal")
EXPORT_PARAMS = (*EXPORT_FILTERS, *EXPORT_OWN)

# Decimal places of exported coordinates: 6 is about 0.1 m, RFC 7946 section 11.2's advice.
COORDINATE_PRECISION = 6
# Rows fetched from the server-side cursor at a time.
BATCH_ROWS = 5000


@dataclass(frozen=True)
class Column:
    """One export column: its policy key (``export.<key>``), its 10-character Shapefile name,
    and its kind (``text`` or ``datetime``)."""

    key: str
    short: str
    kind: str = "text"


PUBLIC_COLUMNS = (
    Column("tracking_no", "tracking"),
    Column("province_code", "prov_code"),
    Column("district_code", "dist_code"),
    Column("subdistrict_code", "subd_code"),
    Column("category_code", "cat_code"),
    Column("category_name_th", "cat_th"),
    Column("category_name_en", "cat_en"),
    Column("subcategory_code", "subc_code"),
    Column("subcategory_name_th", "subc_th"),
    Column("subcategory_name_en", "subc_en"),
    Column("channel", "channel"),
    Column("status", "status"),
    Column("received_at", "received", "datetime"),
    Column("closed_at", "closed", "datetime"),
)
PERSONAL_COLUMNS = (
    Column("complainant_name", "cmp_name"),
    Column("complainant_citizen_id", "cmp_cid"),
    Column("complainant_phone", "cmp_phone"),
    Column("complainant_address", "cmp_addr"),
    Column("accused_name", "acc_name"),
    Column("accused_detail", "acc_detail"),
    Column("title", "title"),
    Column("description", "descr"),
    Column("location_note", "place_note"),
    Column("subcategory_text", "subc_text"),
)
# The coordinates: the geometry in every format but CSV, where they are columns.
COORDINATE_COLUMNS = (Column("lon", "lon"), Column("lat", "lat"))

# Where each column comes from (a complaint field, or a related table's).
_SOURCES = {
    "province_code": F("province_id"),
    "district_code": F("district_id"),
    "subdistrict_code": F("subdistrict_id"),
    "category_code": F("category__code"),
    "category_name_th": F("category__name_th"),
    "category_name_en": F("category__name_en"),
    "subcategory_code": F("subcategory__code"),
    "subcategory_name_th": F("subcategory__name_th"),
    "subcategory_name_en": F("subcategory__name_en"),
}


@dataclass(frozen=True)
class ExportRequest:
    """An export's parameters, checked: the filters, ``area=all``, ``personal``, and the
    parameters as given (for a queued job, which reads them again when it runs)."""

    filters: CaseFilter
    everything: bool = False
    personal: bool = False
    params: dict = field(default_factory=dict)

    @property
    def columns(self) -> tuple[Column, ...]:
        return PUBLIC_COLUMNS + (PERSONAL_COLUMNS if self.personal else ())


def _flag(params: Mapping, name: str) -> str | None:
    values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]
    values = [v for v in values if v not in (None, "")]
    if len(values) > 1:
        raise InvalidInput({name: _("Give %(name)s once.") % {"name": name}})
    return values[0].strip().lower() if values else None


def export_request_from_params(params: Mapping, *, need_area: bool = True) -> ExportRequest:
    """The export's parameters from a query string; ``InvalidInput`` says what is wrong.

    ``need_area``: files need ``province``/``district``/``subdistrict`` or ``area=all``; tiles
    do not (the tile is the area).
    """
    errors: dict[str, str] = {}
    try:
        filters = case_filter_from_params(params, allowed=EXPORT_FILTERS, also=EXPORT_OWN)
    except InvalidInput as exc:
        filters = None
        errors.update({k: v[0] for k, v in exc.fields.items()})
    everything = False
    personal = False
    try:
        area = _flag(params, "area")
        if area is not None and area != "all":
            raise InvalidInput(
                {"area": _("area takes one value: all (the whole of your jurisdiction).")}
            )
        everything = area == "all"
    except InvalidInput as exc:
        errors.update({k: v[0] for k, v in exc.fields.items()})
    try:
        flag = _flag(params, "personal")
        if flag not in (None, "true", "false", "1", "0", "yes", "no"):
            raise InvalidInput({"personal": _("Use true or false.")})
        personal = flag in ("true", "1", "yes")
    except InvalidInput as exc:
        errors.update({k: v[0] for k, v in exc.fields.items()})
    if filters is not None and everything and filters.has_area:
        errors["area"] = _("Give either area=all or an area code, not both.")
    if filters is not None and need_area and not (filters.has_area or everything) and not errors:
        errors["province"] = _(
            "Give an area: province=<2 digits>, district=<4 digits>, subdistrict=<6 digits>, "
            "or area=all for the whole of your jurisdiction."
        )
    if errors:
        raise InvalidInput(errors)
    kept = {}
    for name in EXPORT_PARAMS:
        values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]
        values = [v for v in values if v not in (None, "")]
        if values:
            kept[name] = ",".join(values)
    return ExportRequest(filters=filters, everything=everything, personal=personal, params=kept)


def export_check(*, officer, request: ExportRequest) -> None:
    """Refuse what the officer may not export: an area outside their jurisdiction (an outsider
    learns "no", not "nothing there"), personal columns their role may not see, or anything
    at all without a role."""
    province = request.filters.province_code
    if province is not None and not officer_covers_province(officer, province):
        raise Forbidden(_("Your jurisdiction does not cover province %s.") % province)
    if jurisdiction_for(officer).is_empty:
        raise Forbidden(_("Your account has no role with an area yet."))
    require_fields(viewer_for(officer), "export", [c.key for c in request.columns])


def export_queryset(*, officer, request: ExportRequest) -> QuerySet:
    """The officer's complaints matching the request (scope and filters, unordered), checked
    first (``export_check``)."""
    export_check(officer=officer, request=request)
    return case_filter_apply(complaints_visible_to(officer=officer), request.filters).order_by()


def export_count(*, officer, request: ExportRequest) -> int:
    """How many rows the export would hold (the export page's preview)."""
    return export_queryset(officer=officer, request=request).count()


def _source_sql(qs: QuerySet, columns) -> tuple[str, list]:
    """The statement that selects ``columns`` (and ``location``) of the queryset's rows, each
    column named by its key, as SQL and parameters for a wrapping statement."""
    names = [c.key for c in columns]
    plain = [n for n in names if n not in _SOURCES]
    related = {n: _SOURCES[n] for n in names if n in _SOURCES}
    sql, params = qs.values("location", *plain, **related).query.sql_with_params()
    return sql, list(params)


def timestamp_text_sql(ref: str) -> str:
    """ISO 8601 in the session's time zone, with its offset, as PostgreSQL's JSON writes
    timestamps (``export_row_batches`` sets the project's zone): 2026-01-15T09:30:00+07:00,
    fractions of a second only when there are any."""
    return f"(to_json({ref}) #>> '{{}}')"


def geojson_sql(*, officer, request: ExportRequest) -> tuple[str, list]:
    """One RFC 7946 Feature per row, as text built by PostgreSQL (``row_to_json`` for the
    properties, ``ST_AsGeoJSON`` with 6 decimals: [longitude, latitude] in WGS 84)."""
    qs = export_queryset(officer=officer, request=request)
    source, params = _source_sql(qs, request.columns)
    # row_to_json writes timestamps as ISO 8601 with the session's offset by itself.
    properties = ", ".join(f"q.{c.key}" for c in request.columns)
    # Concatenated rather than json_build_object (which writes a space around every colon):
    # row_to_json writes the properties compactly, to_json escapes the id.
    sql = (
        """SELECT '{"type":"Feature","id":' || to_json(q.tracking_no)::text """
        f"""|| ',"geometry":' || ST_AsGeoJSON(q.location, {COORDINATE_PRECISION}) """
        """|| ',"properties":' || row_to_json((SELECT p FROM (SELECT """
        f"{properties}) p))::text || '}}' FROM ({source}) q"
    )
    return sql, params


def gdal_sql(*, officer, request: ExportRequest) -> tuple[str, list]:
    """The rows for GDAL: WKB geometry, then each column (timestamps as UTC, naive)."""
    qs = export_queryset(officer=officer, request=request)
    source, params = _source_sql(qs, request.columns)
    values = []
    for column in request.columns:
        if column.kind == "datetime":
            values.append(f"q.{column.key} AT TIME ZONE 'UTC'")
        else:
            values.append(f"q.{column.key}")
    sql = f"SELECT ST_AsBinary(q.location), {', '.join(values)} FROM ({source}) q"
    return sql, params


@contextmanager
def export_session():
    """A read-only transaction in the project's time zone (timestamps print as officers read
    them) without JIT compilation, for export and tile statements.

    JIT compilation of a large export's expressions delayed its first row by a second or more
    and made a 1 M-row export slower overall (measured: 18.7 s against 14.6 s without). Inside
    an outer transaction (a test, a job) the settings would outlive the block, and Django reads
    timestamps as the connection's UTC, so they are put back at the end (after an error, the
    rollback to the block's savepoint puts them back)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('TimeZone'), current_setting('jit'), "
                "set_config('TimeZone', %s, true), set_config('jit', 'off', true)",
                [timezone.get_default_timezone_name()],
            )
            (previous, previous_jit, *_new) = cursor.fetchone()
        failed = False
        try:
            yield
        except BaseException as exc:
            # A reader that stops early (GeneratorExit) leaves the transaction usable.
            failed = not isinstance(exc, GeneratorExit)
            raise
        finally:
            if not failed:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('TimeZone', %s, true), set_config('jit', %s, true)",
                        [previous, previous_jit],
                    )


def export_row_batches(sql: str, params, *, batch_rows: int = BATCH_ROWS) -> Iterator[list]:
    """The statement's rows in lists of ``batch_rows``, from a server-side cursor inside a
    transaction (``export_session``: rows flow as PostgreSQL finds them; memory stays flat).
    The transaction lasts as long as the reading; it only reads."""
    with export_session():
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while True:
                rows = cursor.fetchmany(batch_rows)
                if not rows:
                    break
                yield rows


# --- File names -------------------------------------------------------------------------------


def _be(day: date) -> str:
    return f"{day.year + BE_OFFSET:04d}-{day.month:02d}-{day.day:02d}"


def _area_label(request: ExportRequest) -> tuple[str, str]:
    """(ASCII, Thai) words for the area: the code, and the code with its Thai name."""
    f = request.filters
    if f.subdistrict:
        model, code, prefix = Subdistrict, f.subdistrict, "ต."
    elif f.district:
        model, code, prefix = District, f.district, "อ."
    elif f.province:
        model, code, prefix = Province, f.province, "จ."
    else:
        return "all", "ทั้งหมด"
    name = model.objects.filter(code=code).values_list("name_th", flat=True).first() or ""
    return code, f"{code}_{prefix}{name}" if name else code


def export_file_names(request: ExportRequest, extension: str, *, today=None) -> tuple[str, str]:
    """(ASCII name, Thai name) of an export file: what, where, when.

    >>> from layers.selectors.filters import CaseFilter
    >>> r = ExportRequest(CaseFilter(since=date(2026, 1, 1), until=date(2026, 3, 31)),
    ...                   everything=True)
    >>> export_file_names(r, "geojson")
    ('complaints_all_2569-01-01_2569-03-31.geojson', 'เรื่องร้องเรียน_ทั้งหมด_2569-01-01_2569-03-31.geojson')
    """
    f = request.filters
    area_ascii, area_thai = _area_label(request)
    parts: list[str] = []
    if f.since or f.until:
        parts.append(_be(f.since) if f.since else "start")
        parts.append(_be(f.until) if f.until else _be(today or timezone.localdate()))
    else:
        parts.append("to_" + _be(today or timezone.localdate()))
    if f.category:
        parts.append(f.category)
    if f.statuses:
        parts.append("-".join(f.statuses))
    if f.channel:
        parts.append(f.channel)
    if f.bbox:
        parts.append("bbox")
    if request.personal:
        parts.append("personal")
    tail = "_".join(p.replace("/", "-") for p in parts)
    ascii_name = f"complaints_{area_ascii}_{tail}.{extension}"
    thai_name = f"เรื่องร้องเรียน_{area_thai}_{tail}.{extension}"
    return ascii_name, thai_name


def content_disposition(ascii_name: str, utf8_name: str) -> str:
    """``attachment`` with an ASCII ``filename`` for old clients and the UTF-8 one by RFC 5987
    (``filename*``), which browsers prefer."""
    safe = "".join(ch if 32 < ord(ch) < 127 and ch not in '"\\;' else "_" for ch in ascii_name)
    header = f'attachment; filename="{safe}"'
    if utf8_name and utf8_name != ascii_name:
        header += f"; filename*=UTF-8''{quote(utf8_name, safe='')}"
    return header


# --- Export jobs --------------------------------------------------------------------------------


def export_jobs_for(*, officer, limit: int = 50):
    """The officer's own export jobs, newest first (nobody sees another officer's)."""
    from layers.models import ExportJob

    if officer is None or not getattr(officer, "is_authenticated", False):
        return ExportJob.objects.none()
    return ExportJob.objects.filter(officer=officer).order_by("-created_at", "-id")[:limit]


def export_job_get(*, officer, job_id: int):
    """One of the officer's export jobs; someone else's is a 404."""
    from layers.errors import NotFound
    from layers.models import ExportJob

    job = ExportJob.objects.filter(pk=job_id, officer_id=getattr(officer, "pk", None)).first()
    if job is None:
        raise NotFound(_("There is no such export of yours."))
    return job


def export_job_fields(job) -> dict:
    """An export job as the API and the page show it (``exportjob.*`` in the policy)."""
    from django.urls import reverse

    from layers.models import ExportStatus

    ready = job.status == ExportStatus.READY
    return {
        "id": job.pk,
        "format": job.format,
        "status": job.status,
        "status_label": job.get_status_display(),
        "rows": job.rows,
        "file_name": job.file_name,
        "size_bytes": job.size_bytes,
        "personal": job.personal,
        "filters": job.params,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "expires_at": job.expires_at.isoformat() if job.expires_at else None,
        "url": reverse("api:export-detail", args=[job.pk]),
        "download_url": reverse("api:export-download", args=[job.pk]) if ready else None,
        "message": job.message,
    }
