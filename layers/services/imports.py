"""Importing the unrecorded backlog from spreadsheets (issue 12).

The steps, each a function here (the pages in ``maps/views/imports.py`` are thin):

1. ``import_upload``: the officer uploads an XLSX or CSV file for a district they may record
   in. The type is found from the content (an XLSX is a zip), a CSV's encoding from its bytes
   (UTF-8 with or without a BOM, otherwise the Thai Windows code page cp874, a superset of
   TIS-620), and the header row is read. The district's last mapping is offered again.
2. ``import_map``: the officer says which column holds which field; the mapping is saved for
   the district, and the dry run is queued.
3. ``import_run`` (on the job queue, ``layers.tasks.import_run``): reads the file row by row
   (openpyxl in read-only mode, or the csv module: memory does not grow with the file) and
   checks every row (``RowChecker``). The dry run only records each row's problems; the import
   writes each good row in a savepoint of its own (a row is written whole or not at all) and
   commits every ``CHUNK_ROWS`` rows together with the last row done, so that a worker that
   dies leaves a batch that resumes after that row. Progress (rows read) is committed with
   each chunk for the page's progress bar.

A row's case is found again by its source reference, unique per district: the reference column
when the file has one, otherwise the file's digest and the row's number. A re-import of the same
file, or of rows with the same references, updates those cases (history "details edited")
instead of creating new ones.

Location: the row's coordinates when it has them (they must lie in the import's district);
otherwise its sub-district, by DOPA code or by Thai name (tolerant of the ต./ตำบล/แขวง prefixes,
of a trailing อ./จ. part and of small spelling differences), and the case is placed at the
sub-district's point on surface with ``location_approximate`` set.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import logging
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from boundaries.models import District
from boundaries.selectors import area_for_point
from layers.errors import Forbidden, InvalidInput
from layers.identity import person_columns
from layers.inputs import TEXT_LIMITS, text_value
from layers.models import (
    Category,
    Channel,
    Complaint,
    ComplaintHistory,
    HistoryKind,
    ImportBatch,
    ImportFileKind,
    ImportMapping,
    ImportProblem,
    ImportStatus,
)
from layers.policy import may_record
from layers.selectors.scope import jurisdiction_for
from layers.services.complaints import complaint_create, parse_point
from layers.services.search import case_search_refresh
from layers.services.webhooks import case_event_record
from layers.thaidate import BANGKOK, parse_be_date
from layers.thaitext import normalize_text
from layers.validators import normalize_citizen_id, validate_citizen_id, validate_thai_phone

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
CHUNK_ROWS = 200
SOURCE_REF_MAX = 120

# The fields a column can be mapped to: (key, label, required). Either coordinates or a
# sub-district locate a row; a reference column is optional (the file's digest and the row's
# number stand in for it).
TARGET_FIELDS: tuple[tuple[str, object, bool], ...] = (
    ("source_reference", gettext_lazy("Reference (your own number)"), False),
    ("received_at", gettext_lazy("Date received (B.E.)"), True),
    ("complainant_name", gettext_lazy("Complainant name"), True),
    ("complainant_citizen_id", gettext_lazy("Complainant citizen ID"), False),
    ("complainant_phone", gettext_lazy("Complainant phone"), False),
    ("complainant_address", gettext_lazy("Complainant address"), False),
    ("accused_name", gettext_lazy("Accused party"), False),
    ("accused_detail", gettext_lazy("Accused party details"), False),
    ("category", gettext_lazy("Category"), True),
    ("subcategory", gettext_lazy("Sub-category"), False),
    ("channel", gettext_lazy("Channel"), False),
    ("title", gettext_lazy("Subject"), False),
    ("description", gettext_lazy("Description"), True),
    ("location_note", gettext_lazy("Place description"), False),
    ("subdistrict", gettext_lazy("Sub-district (code or name)"), False),
    ("lat", gettext_lazy("Latitude"), False),
    ("lon", gettext_lazy("Longitude"), False),
)
TARGET_KEYS = tuple(key for key, _label, _required in TARGET_FIELDS)
REQUIRED_KEYS = tuple(key for key, _label, required in TARGET_FIELDS if required)

# Headers offices commonly use, to propose a mapping for a district's first file.
HEADER_GUESSES: dict[str, tuple[str, ...]] = {
    "source_reference": ("เลขที่อ้างอิง", "อ้างอิง", "เลขที่", "เลขที่รับ", "ref", "reference"),
    "received_at": ("วันที่รับเรื่อง", "วันที่รับ", "วันที่", "date", "received"),
    "complainant_name": ("ชื่อผู้ร้อง", "ผู้ร้อง", "ชื่อ-สกุล", "ชื่อ", "complainant", "name"),
    "complainant_citizen_id": ("เลขประจำตัวประชาชน", "เลขบัตรประชาชน", "citizen_id", "cid"),
    "complainant_phone": ("โทรศัพท์", "เบอร์โทร", "เบอร์โทรศัพท์", "phone", "tel"),
    "complainant_address": ("ที่อยู่", "ที่อยู่ผู้ร้อง", "address"),
    "accused_name": ("ผู้ถูกร้อง", "accused"),
    "accused_detail": ("รายละเอียดผู้ถูกร้อง",),
    "category": ("ประเภทเรื่อง", "ประเภทเรื่องหลัก", "ประเภท", "category"),
    "subcategory": ("ประเภทเรื่องย่อย", "ประเภทย่อย", "subcategory"),
    "channel": ("ช่องทาง", "ช่องทางการร้องเรียน", "channel"),
    "title": ("เรื่อง", "หัวเรื่อง", "title", "subject"),
    "description": ("รายละเอียด", "รายละเอียดเรื่อง", "description", "detail"),
    "location_note": ("สถานที่", "สถานที่เกิดเหตุ", "place", "location"),
    "subdistrict": ("ตำบล", "แขวง", "รหัสตำบล", "subdistrict", "tambon"),
    "lat": ("ละติจูด", "lat", "latitude"),
    "lon": ("ลองจิจูด", "lon", "lng", "longitude"),
}

# Channel words as offices write them.
CHANNEL_WORDS = {
    "walk_in": Channel.WALK_IN,
    "มาด้วยตนเอง": Channel.WALK_IN,
    "ด้วยตนเอง": Channel.WALK_IN,
    "phone": Channel.PHONE,
    "โทรศัพท์": Channel.PHONE,
    "letter": Channel.LETTER,
    "หนังสือ": Channel.LETTER,
    "จดหมาย": Channel.LETTER,
    "online": Channel.ONLINE,
    "ออนไลน์": Channel.ONLINE,
    "เว็บไซต์": Channel.ONLINE,
    "hotline_1567": Channel.HOTLINE_1567,
    "1567": Channel.HOTLINE_1567,
    "สายด่วน 1567": Channel.HOTLINE_1567,
}
# A backlog letter is the usual source of an unrecorded complaint.
DEFAULT_CHANNEL = Channel.LETTER

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SUBDISTRICT_PREFIX = re.compile(r"^(?:ต\.|ตำบล|แขวง|ต\s)\s*")
# What follows the sub-district's name in an address: the district, the province.
_AREA_TAIL = re.compile(r"\s*(?:อ\.|อำเภอ|เขต|จ\.|จังหวัด)\s*.*$")


# --- Reading files ---------------------------------------------------------------------------


def _sniff_kind(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return ImportFileKind.XLSX
    return ImportFileKind.CSV


def detect_encoding(stream) -> str:
    """``utf-8-sig`` when the bytes are UTF-8 throughout (a BOM is dropped either way),
    ``cp874`` (TIS-620 and Windows' Thai additions) otherwise; read in chunks."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(1 << 16):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp874"
    finally:
        stream.seek(0)
    return "utf-8-sig"


def _cell_text(value) -> str:
    """A cell as text: numbers without a spurious ".0", dates as ISO, None as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def file_rows(path: str | Path, *, kind: str, encoding: str = "") -> Iterator[list]:
    """Every row of the file (the header row first) as a list of cell values, streamed."""
    if kind == ImportFileKind.XLSX:
        from openpyxl import load_workbook

        # A file object: the stored name has no .xlsx ending for openpyxl to accept.
        with open(path, "rb") as handle:
            workbook = load_workbook(handle, read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                for row in sheet.iter_rows(values_only=True):
                    yield list(row)
            finally:
                workbook.close()
        return
    with open(path, encoding=encoding or "utf-8-sig", newline="") as handle:
        sample = handle.read(8192)
        handle.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        yield from csv.reader(handle, dialect)


def data_rows(batch: ImportBatch) -> Iterator[tuple[int, list]]:
    """(row number, cells) of every data row, numbered as the spreadsheet shows them (the
    header is row 1). Rows with no value at all are skipped (spreadsheets end with many)."""
    rows = file_rows(batch.file.path, kind=batch.kind, encoding=batch.encoding)
    next(rows, None)
    for number, row in enumerate(rows, 2):
        if any(_cell_text(v) for v in row):
            yield number, row


# --- Uploading and mapping -------------------------------------------------------------------


def import_districts(officer):
    """The districts the officer may import into: recorders, within their jurisdiction."""
    if not may_record(officer):
        return District.objects.none()
    j = jurisdiction_for(officer)
    if j.country:
        return District.objects.all()
    from django.db.models import Q

    return District.objects.filter(Q(code__in=j.districts) | Q(province_id__in=j.provinces))


def may_import(officer, district_code: str) -> bool:
    return import_districts(officer).filter(code=district_code).exists()


def batches_visible_to(officer):
    """Imports of the districts the officer may import into (their rows name people)."""
    return ImportBatch.objects.filter(district__in=import_districts(officer))


def guess_mapping(headers: list[str], saved: dict | None = None) -> dict:
    """A proposed mapping: the district's saved one where its headers are in this file, then
    the usual Thai and English headers."""
    mapping: dict[str, str] = {}
    present = set(headers)
    for key, header in (saved or {}).items():
        if key in TARGET_KEYS and header in present:
            mapping[key] = header
    simple = {h.strip().lower(): h for h in headers}
    for key, guesses in HEADER_GUESSES.items():
        if key in mapping:
            continue
        for guess in guesses:
            if guess.lower() in simple and simple[guess.lower()] not in mapping.values():
                mapping[key] = simple[guess.lower()]
                break
    return mapping


@transaction.atomic
def import_upload(*, officer, district_code: str, upload) -> ImportBatch:
    """Keep the uploaded file for ``district_code`` and read its header row."""
    if not may_record(officer):
        raise Forbidden(_("Only district, province and central officers import cases."))
    if not isinstance(district_code, str) or not may_import(officer, district_code):
        raise InvalidInput({"district": _("Choose a district of your area.")})
    if upload is None:
        raise InvalidInput({"file": _("Choose an XLSX or CSV file.")})
    if upload.size > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            {"file": _("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES >> 20}}
        )
    upload.seek(0)
    head = upload.read(8)
    kind = _sniff_kind(head)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    encoding = ""
    if kind == ImportFileKind.CSV:
        if b"\x00" in head:
            raise InvalidInput({"file": _("This is not an XLSX or CSV file.")})
        encoding = detect_encoding(upload)
    batch = ImportBatch(
        officer=officer,
        district_id=district_code,
        original_name=str(getattr(upload, "name", "upload"))[-200:],
        kind=kind,
        encoding=encoding,
        digest=digest.hexdigest(),
    )
    upload.seek(0)
    batch.file.save("upload", File(upload), save=False)
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        header = next(file_rows(batch.file.path, kind=kind, encoding=encoding), None)
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        ValueError,
        OSError,
        csv.Error,
        IndexError,
    ) as exc:
        batch.file.delete(save=False)
        logger.info("import upload refused: %s", type(exc).__name__)
        raise InvalidInput({"file": _("The file cannot be read as XLSX or CSV.")}) from None
    headers = [_cell_text(h) for h in (header or [])]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        batch.file.delete(save=False)
        raise InvalidInput({"file": _("The first row must name the columns.")})
    batch.headers = headers
    saved = ImportMapping.objects.filter(district_id=district_code).first()
    batch.mapping = guess_mapping(headers, saved.mapping if saved else None)
    batch.save()
    return batch


def mapping_check(batch: ImportBatch, mapping: dict) -> dict:
    """The mapping as given (target → header), or ``InvalidInput`` by target field."""
    errors = {}
    clean = {}
    for key in TARGET_KEYS:
        header = mapping.get(key) or ""
        if not isinstance(header, str):
            errors[key] = _("Choose a column.")
            continue
        if header and header not in batch.headers:
            errors[key] = _("The file has no such column.")
            continue
        if header:
            clean[key] = header
    for key in REQUIRED_KEYS:
        if key not in clean and key not in errors:
            errors[key] = _("Choose the column that holds this field.")
    if ("lat" in clean) != ("lon" in clean):
        errors["lon" if "lat" in clean else "lat"] = _("Map both coordinates, or neither.")
    if "lat" not in clean and "subdistrict" not in clean:
        errors["subdistrict"] = _("Map the sub-district or the coordinates: a case needs a place.")
    if errors:
        raise InvalidInput(errors)
    return clean


def import_map(*, batch: ImportBatch, officer, mapping: dict) -> ImportBatch:
    """Save the mapping (for the batch and as the district's next proposal), queue the dry run."""
    if batch.running and not batch.stalled:
        raise InvalidInput({"batch": _("Wait until the current run has finished.")})
    if batch.status == ImportStatus.DONE:
        raise InvalidInput({"batch": _("This file has been imported: upload it again to redo.")})
    clean = mapping_check(batch, mapping)
    with transaction.atomic():
        batch.mapping = clean
        batch.status = ImportStatus.CHECKING
        batch.checked = False
        batch.rows_done = 0
        batch.message = ""
        batch.save()
        ImportMapping.objects.update_or_create(
            district_id=batch.district_id, defaults={"mapping": clean, "updated_by": officer}
        )
        _defer(batch, dry_run=True)
    return batch


def import_start(*, batch: ImportBatch, officer) -> ImportBatch:
    """Queue the import of a checked batch, or resume one that stopped (failed or stalled)."""
    if not import_startable(batch):
        raise InvalidInput({"batch": _("Run the dry run first, and wait until it has finished.")})
    with transaction.atomic():
        batch.status = ImportStatus.IMPORTING
        batch.message = ""
        batch.save()
        _defer(batch, dry_run=False)
    return batch


def import_startable(batch: ImportBatch) -> bool:
    """Checked and not imported yet, or an import that stopped (failed, or its worker died)."""
    return (
        batch.status == ImportStatus.CHECKED
        or (batch.status == ImportStatus.FAILED and batch.checked)
        or (batch.status == ImportStatus.IMPORTING and batch.stalled)
    )


def _defer(batch: ImportBatch, *, dry_run: bool) -> None:
    from layers.tasks import import_run as task

    task.defer(batch_id=batch.pk, dry_run=dry_run)


# --- Checking rows ---------------------------------------------------------------------------


@dataclass
class CheckedRow:
    row_no: int
    cells: list
    reference: str
    problems: dict[str, str] = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    location: Point | None = None
    approximate: bool = False


def _key(text: str) -> str:
    return normalize_text(text).replace(" ", "")


class RowChecker:
    """Checks rows of one batch: the categories, the district's sub-districts and their points
    are read once; references are remembered to find one used twice in the file."""

    def __init__(self, batch: ImportBatch):
        self.batch = batch
        self.index = {h: i for i, h in reversed(list(enumerate(batch.headers)))}
        self.columns = {key: self.index[h] for key, h in batch.mapping.items() if h in self.index}
        self.categories: dict[str, Category] = {}
        for category in Category.objects.filter(is_active=True).select_related("parent"):
            for name in (category.code, category.name_th, category.name_en):
                if name:
                    self.categories.setdefault(_key(name), category)
        self.subdistricts: dict[str, tuple[str, float, float]] = {}
        self.subdistrict_names: dict[str, str] = {}
        with connection.cursor() as cur:
            cur.execute(
                """
                SELECT s.code, s.name_th, ST_X(p.pt), ST_Y(p.pt), s.in_geothai
                FROM boundaries_subdistrict s
                LEFT JOIN boundaries_subdistrict c ON c.code = s.covered_by_id
                CROSS JOIN LATERAL (
                    SELECT ST_PointOnSurface(COALESCE(s.geom, c.geom)) AS pt) p
                WHERE s.district_id = %s AND p.pt IS NOT NULL
                ORDER BY s.in_geothai DESC, s.code
                """,
                [batch.district_id],
            )
            for code, name, lon, lat, _current in cur.fetchall():
                self.subdistricts[code] = (name, lon, lat)
                self.subdistrict_names.setdefault(_key(name), code)
        self.now = timezone.now()

    def cell(self, cells: list, key: str):
        index = self.columns.get(key)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def text(self, cells: list, key: str) -> str:
        return _cell_text(self.cell(cells, key))

    def reference(self, row_no: int, cells: list) -> str:
        ref = self.text(cells, "source_reference").translate(_THAI_DIGITS)
        if "source_reference" not in self.columns:
            ref = f"{self.batch.digest[:16]}-{row_no}"
        return ref

    def subdistrict(self, value: str) -> str | None:
        """The code of a sub-district of the batch's district, from a code or a Thai name."""
        text = value.translate(_THAI_DIGITS).strip()
        if re.fullmatch(r"[0-9]{6}", text):
            return text if text in self.subdistricts else None
        name = _AREA_TAIL.sub("", _SUBDISTRICT_PREFIX.sub("", text)).strip()
        key = _key(name)
        if not key:
            return None
        if key in self.subdistrict_names:
            return self.subdistrict_names[key]
        # Small spelling differences (a missing or extra mark or letter) within the district:
        # its ten or twenty names, compared character by character.
        close = difflib.get_close_matches(key, list(self.subdistrict_names), n=2, cutoff=0.75)
        if len(close) == 1 or (
            len(close) == 2
            and difflib.SequenceMatcher(None, key, close[0]).ratio()
            > difflib.SequenceMatcher(None, key, close[1]).ratio()
        ):
            return self.subdistrict_names[close[0]]
        return None

    def category(self, main_text: str, sub_text: str, problems: dict) -> tuple:
        main = self.categories.get(_key(main_text)) if main_text else None
        sub = None
        words = ""
        if not main_text:
            problems["category"] = _("The category is missing.")
            return None, None, ""
        if main is None:
            problems["category"] = _("Unknown category: %(value)s.") % {"value": main_text[:80]}
            return None, None, ""
        if main.parent_id is not None:  # the cell names a sub-category: its parent is the main
            main, sub = main.parent, main
        if main.is_other:
            words = sub_text or (sub.name_th if sub else "")
            if not words:
                problems["subcategory"] = _(
                    "For 'Other' (เรื่องอื่นๆ), write the sub-category in words."
                )
            return main, None, words[: TEXT_LIMITS["subcategory_text"]]
        if sub is None and sub_text:
            found = self.categories.get(_key(sub_text))
            if found is None or found.parent_id != main.pk:
                problems["subcategory"] = _(
                    "The sub-category %(value)s does not belong to the main category."
                ) % {"value": sub_text[:80]}
                return main, None, ""
            sub = found
        if sub is None:
            problems["subcategory"] = _("The sub-category is missing.")
        return main, sub, ""

    def check(self, row_no: int, cells: list) -> CheckedRow:
        problems: dict[str, str] = {}
        ref = self.reference(row_no, cells)
        row = CheckedRow(row_no=row_no, cells=cells, reference=ref, problems=problems)
        if not ref:
            problems["source_reference"] = _("The reference is missing.")
        elif len(ref) > SOURCE_REF_MAX:
            problems["source_reference"] = _("The reference is longer than %(n)d characters.") % {
                "n": SOURCE_REF_MAX
            }
        values: dict = {}
        for key in (
            "complainant_name",
            "complainant_phone",
            "complainant_address",
            "accused_name",
            "accused_detail",
            "title",
            "description",
            "location_note",
        ):
            raw = self.text(cells, key)
            if key == "complainant_phone":
                raw = raw.translate(_THAI_DIGITS).replace("-", "").replace(" ", "")
                if re.fullmatch(r"[1-9][0-9]{7,8}", raw):  # a number cell lost its leading 0
                    raw = "0" + raw
            try:
                values[key] = text_value(raw, field=key, required=key in REQUIRED_KEYS)
            except InvalidInput as exc:
                problems[key] = (
                    _("The %(field)s is missing.") % {"field": _label(key)}
                    if not raw
                    else exc.fields[key][0]
                )
        if values.get("complainant_phone"):
            try:
                validate_thai_phone(values["complainant_phone"])
            except ValidationError as exc:
                problems["complainant_phone"] = exc.messages[0]
        cid = normalize_citizen_id(self.text(cells, "complainant_citizen_id"))
        if cid:
            try:
                validate_citizen_id(cid)
            except ValidationError as exc:
                problems["complainant_citizen_id"] = exc.messages[0]
        values["complainant_citizen_id"] = cid
        # The date received.
        raw_date = self.cell(cells, "received_at")
        if raw_date is None or _cell_text(raw_date) == "":
            problems["received_at"] = _("The date received is missing.")
        else:
            try:
                day = parse_be_date(raw_date if not isinstance(raw_date, int | float) else "")
            except ValueError:
                problems["received_at"] = _(
                    "Unreadable date: %(value)s (write it as 31/01/2565 or 31 ม.ค. 65)."
                ) % {"value": _cell_text(raw_date)[:40]}
            else:
                # Noon in Bangkok: the day stays the same in every time zone a report uses.
                received = datetime.combine(day, time(12, 0), tzinfo=BANGKOK)
                if received.date() > timezone.localdate(self.now):
                    problems["received_at"] = _("The date received cannot be in the future.")
                elif day.year < 2000:
                    problems["received_at"] = _("The date received is before 2543 B.E.")
                values["received_at"] = received
        # Category.
        main, sub, words = self.category(
            self.text(cells, "category"), self.text(cells, "subcategory"), problems
        )
        values.update(category=main, subcategory=sub, subcategory_text=words)
        channel_text = self.text(cells, "channel")
        if channel_text:
            channel = CHANNEL_WORDS.get(channel_text.strip().lower())
            if channel is None:
                problems["channel"] = _("Unknown channel: %(value)s.") % {
                    "value": channel_text[:40]
                }
            values["channel"] = channel
        else:
            values["channel"] = DEFAULT_CHANNEL
        # Location.
        lat, lon = self.text(cells, "lat"), self.text(cells, "lon")
        if lat or lon:
            try:
                point = parse_point(
                    lat=lat.translate(_THAI_DIGITS), lon=lon.translate(_THAI_DIGITS)
                )
            except InvalidInput as exc:
                for name, texts in exc.fields.items():
                    problems[name] = texts[0]
            else:
                match = area_for_point(point=point)
                if not match.inside or match.district_code != self.batch.district_id:
                    problems["lat"] = _(
                        "The coordinates (%(lat)s, %(lon)s) are not in district %(district)s."
                    ) % {"lat": lat, "lon": lon, "district": self.batch.district_id}
                else:
                    row.location = point
        else:
            raw_sub = self.text(cells, "subdistrict")
            if not raw_sub:
                problems["subdistrict"] = _("Give the sub-district or the coordinates.")
            else:
                code = self.subdistrict(raw_sub)
                if code is None:
                    problems["subdistrict"] = _(
                        "Unknown sub-district in district %(district)s: %(value)s."
                    ) % {"district": self.batch.district_id, "value": raw_sub[:80]}
                else:
                    _name, lon_, lat_ = self.subdistricts[code]
                    row.location = Point(lon_, lat_, srid=4326)
                    row.approximate = True
        row.values = values
        return row


class ReferenceLedger:
    """The references met so far in the file, to find one used twice, kept in a temporary
    table of the job's connection (not in this process: memory stays the same whatever the
    file's length). The first row with a reference keeps it; a later one is rejected."""

    def __init__(self, batch_id: int):
        self.table = f"import_refs_{int(batch_id)}"
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {self.table}")
            cur.execute(f"CREATE TEMP TABLE {self.table} (ref text PRIMARY KEY, row_no integer)")

    def record(self, pairs: list[tuple[str, int]]) -> dict[int, tuple[str, int]]:
        """Note (reference, row) pairs in file order; returns, for each row whose reference
        came before (in an earlier chunk or earlier in these pairs), (reference, first row)."""
        first: dict[str, int] = {}
        for ref, row_no in pairs:
            first.setdefault(ref, row_no)
        if not first:
            return {}
        refs = list(first)
        with connection.cursor() as cur:
            cur.execute(f"SELECT ref, row_no FROM {self.table} WHERE ref = ANY(%s)", [refs])
            earlier = dict(cur.fetchall())
            cur.execute(
                f"INSERT INTO {self.table} (ref, row_no) "
                "SELECT * FROM unnest(%s::text[], %s::integer[]) ON CONFLICT DO NOTHING",
                [refs, [first[r] for r in refs]],
            )
        repeats = {}
        for ref, row_no in pairs:
            kept = earlier.get(ref, first[ref])
            if kept != row_no:
                repeats[row_no] = (ref, kept)
        return repeats

    def drop(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {self.table}")


def _references(rows: list[CheckedRow]) -> list[tuple[str, int]]:
    return [(r.reference, r.row_no) for r in rows if "source_reference" not in r.problems]


def _label(key: str) -> str:
    for name, label, _required in TARGET_FIELDS:
        if name == key:
            return str(label).lower()
    return key


# --- Writing rows ----------------------------------------------------------------------------


def _create_row(batch: ImportBatch, row: CheckedRow) -> None:
    """A new case from the row (``complaint_create``: its own savepoint, the same checks as
    intake). Raises ``InvalidInput`` (nothing written) when the service refuses it."""
    v = row.values
    complaint_create(
        location=row.location,
        category=v["category"],
        subcategory=v["subcategory"],
        subcategory_text=v["subcategory_text"],
        channel=v["channel"],
        complainant_name=v["complainant_name"],
        complainant_citizen_id=v["complainant_citizen_id"],
        complainant_phone=v["complainant_phone"],
        complainant_address=v["complainant_address"],
        accused_name=v["accused_name"],
        accused_detail=v["accused_detail"],
        title=v["title"],
        description=v["description"],
        location_note=v["location_note"],
        received_at=v["received_at"],
        created_by=batch.officer,
        # The backlog stays at the district's desk: routing it would notify every team of
        # years of old cases at once.
        route=False,
        source_reference=row.reference,
        location_approximate=row.approximate,
    )


@transaction.atomic
def _update_row(batch: ImportBatch, row: CheckedRow, pk: int) -> None:
    """The row's case made by an earlier import: its details replaced, version and history."""
    v = row.values
    existing = Complaint.objects.select_for_update().get(pk=pk)
    match = area_for_point(point=row.location)
    now = timezone.now()
    Complaint.objects.filter(pk=existing.pk).update(
        location=Point(match.lon, match.lat, srid=4326),
        location_approximate=row.approximate,
        subdistrict_id=match.subdistrict_code,
        category=v["category"],
        subcategory=v["subcategory"],
        subcategory_text=v["subcategory_text"],
        channel=v["channel"],
        complainant_name=v["complainant_name"],
        complainant_citizen_id=v["complainant_citizen_id"],
        complainant_phone=v["complainant_phone"],
        complainant_address=v["complainant_address"],
        accused_name=v["accused_name"],
        accused_detail=v["accused_detail"],
        **person_columns(
            citizen_id=v["complainant_citizen_id"],
            phone=v["complainant_phone"],
            name=v["complainant_name"],
            accused_name=v["accused_name"],
        ),
        title=v["title"],
        description=v["description"],
        description_norm=normalize_text(v["description"]),
        location_note=v["location_note"],
        received_at=v["received_at"],
        version=F("version") + 1,
        updated_at=now,
    )
    ComplaintHistory.objects.create(
        complaint=existing,
        kind=HistoryKind.EDITED,
        from_status=existing.status,
        to_status=existing.status,
        note=_("Updated from the spreadsheet import %(file)s, row %(row)d.")
        % {"file": batch.original_name[:80], "row": row.row_no},
        actor=batch.officer,
        at=now,
    )
    existing.refresh_from_db()
    case_search_refresh(complaint_id=existing.pk)
    case_event_record(complaint=existing, kind=HistoryKind.EDITED, to_status=existing.status)


def _problem(row: CheckedRow, problems: dict) -> ImportProblem:
    return ImportProblem(
        batch_id=None,
        row_no=row.row_no,
        reasons=[[key, str(message)] for key, message in problems.items()],
        values=[_cell_text(v) for v in row.cells],
    )


def _count_rows(batch: ImportBatch) -> int:
    return sum(1 for _ in data_rows(batch))


def import_run(*, batch_id: int, dry_run: bool) -> dict:
    """The job: check (``dry_run``) or import every row of the batch; see the module's text."""
    batch = ImportBatch.objects.select_related("officer").get(pk=batch_id)
    try:
        return _run(batch, dry_run=dry_run)
    except Exception:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.FAILED,
            message=_("The run stopped on an error; it can be resumed."),
            updated_at=timezone.now(),
        )
        logger.exception("import %s stopped", batch.pk)
        raise


def _run(batch: ImportBatch, *, dry_run: bool) -> dict:
    resume_after = 0 if dry_run else batch.last_row
    total = _count_rows(batch)
    fields = {"total_rows": total, "rows_done": resume_after, "updated_at": timezone.now()}
    if resume_after == 0:
        ImportProblem.objects.filter(batch=batch).delete()
        fields.update(created=0, updated=0, rejected=0)
    ImportBatch.objects.filter(pk=batch.pk).update(**fields)
    checker = RowChecker(batch)
    ledger = ReferenceLedger(batch.pk)
    chunk: list[CheckedRow] = []

    def flush():
        nonlocal chunk
        if not chunk:
            return
        problems: list[ImportProblem] = []
        created = updated = 0
        with transaction.atomic():
            for row_no, (ref, kept) in ledger.record(_references(chunk)).items():
                row = next(r for r in chunk if r.row_no == row_no)
                row.problems["source_reference"] = _(
                    "The reference %(ref)s is used again (first in row %(row)d)."
                ) % {"ref": ref, "row": kept}
            # The chunk's cases made by earlier imports, by reference: one query.
            refs = [r.reference for r in chunk if not r.problems]
            existing = dict(
                Complaint.objects.filter(
                    district_id=batch.district_id, source_reference__in=refs
                ).values_list("source_reference", "pk")
            )
            for row in chunk:
                if row.problems:
                    problems.append(_problem(row, row.problems))
                    continue
                pk = existing.get(row.reference)
                if not dry_run:
                    try:
                        # A savepoint each (complaint_create's own, _update_row's): the row
                        # whole, or nothing of it.
                        if pk is None:
                            _create_row(batch, row)
                        else:
                            _update_row(batch, row, pk)
                    except InvalidInput as exc:
                        problems.append(
                            _problem(row, {k: texts[0] for k, texts in exc.fields.items()})
                        )
                        continue
                    except DatabaseError:
                        logger.warning("import %s: row %d not saved", batch.pk, row.row_no)
                        problems.append(_problem(row, {"row": _("The row could not be saved.")}))
                        continue
                if pk is None:
                    created += 1
                else:
                    updated += 1
            for problem in problems:
                problem.batch_id = batch.pk
            ImportProblem.objects.bulk_create(problems)
            update = {
                "rows_done": F("rows_done") + len(chunk),
                "created": F("created") + created,
                "updated": F("updated") + updated,
                "rejected": F("rejected") + len(problems),
                "updated_at": timezone.now(),
            }
            if not dry_run:
                update["last_row"] = chunk[-1].row_no
            ImportBatch.objects.filter(pk=batch.pk).update(**update)
        chunk = []

    try:
        before: list[tuple[str, int]] = []
        for row_no, cells in data_rows(batch):
            if row_no <= resume_after:
                # Rows done before a resume: only their references count (for repeats).
                ref = checker.reference(row_no, cells)
                if ref and len(ref) <= SOURCE_REF_MAX:
                    before.append((ref, row_no))
                if len(before) >= CHUNK_ROWS * 5:
                    ledger.record(before)
                    before = []
                continue
            if before:
                ledger.record(before)
                before = []
            chunk.append(checker.check(row_no, cells))
            if len(chunk) >= CHUNK_ROWS:
                flush()
        flush()
    finally:
        ledger.drop()
    done = ImportStatus.CHECKED if dry_run else ImportStatus.DONE
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=done,
        checked=True,
        rows_done=total,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    batch.refresh_from_db()
    logger.info(
        "import %s %s: %d rows, %d created, %d updated, %d rejected",
        batch.pk,
        "checked" if dry_run else "done",
        total,
        batch.created,
        batch.updated,
        batch.rejected,
    )
    return {
        "rows": total,
        "created": batch.created,
        "updated": batch.updated,
        "rejected": batch.rejected,
    }


# --- The rejected-rows report ------------------------------------------------------------------


def rejected_rows_xlsx(batch: ImportBatch) -> Path:
    """The rejected rows as XLSX: the row number, the reasons, then the file's own columns."""
    import tempfile

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("rejected rows")[:31])
    labels = dict((k, str(label)) for k, label, _r in TARGET_FIELDS)
    sheet.append([_("row"), _("reason"), *batch.headers])
    for problem in ImportProblem.objects.filter(batch=batch).iterator(chunk_size=1000):
        reasons = "; ".join(
            f"{labels.get(key, key)}: {message}" for key, message in problem.reasons
        )
        sheet.append([problem.row_no, reasons, *problem.values])
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    handle.close()
    workbook.save(handle.name)
    return Path(handle.name)
