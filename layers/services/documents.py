"""Scanned letters: upload (to a case or a district's inbox), attach, and read their text.

Upload checks the type by content (PDF, JPEG, PNG, TIFF; the name and the browser's content
type are not trusted), the size and the number of pages, and queues the reading on the job
queue (``layers.tasks.document_extract``). Reading, page by page, with the progress saved after
each page so that the case page shows it:

* a PDF page with a text layer gives its own text (pypdf); it is not OCR'd;
* any other page (a scan) is rendered (``pdftoppm`` for a PDF, Pillow for images) and read by
  Tesseract in Thai and English (``OCR_LANGUAGES``), after turning it upright when Tesseract's
  orientation detection is sure of it.

The text is normalised (``thaitext.ocr_normalise``), kept with Thai digits for reading and
indexed with Arabic ones (``search_text``); numbers and dates read by OCR are flagged for a
person to check (``thaitext.ocr_flags``). Each page also gets a greyscale picture for the
viewer and the thumbnails. A document whose reading fails stays attached, marked failed, with
the kind of failure; nothing is lost, and the job can be queued again.
"""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from boundaries.models import District
from layers.errors import Forbidden, InvalidInput, NotFound
from layers.models import (
    Complaint,
    ComplaintHistory,
    DocumentPage,
    DocumentStatus,
    ExtractMethod,
    HistoryKind,
    ScannedDocument,
)
from layers.policy import may_read_attachments, may_record
from layers.selectors.documents import inbox_districts, inbox_document_get
from layers.services.search import case_search_refresh
from layers.thaitext import normalize_text, ocr_flags, ocr_normalise

logger = logging.getLogger(__name__)

# Leading bytes of each accepted type.
_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"II*\x00", "image/tiff", ".tif"),
    (b"MM\x00*", "image/tiff", ".tif"),
)
# A page with at least this many letters or digits in its text layer is not OCR'd.
TEXT_LAYER_MIN_CHARS = 10
# The page pictures: this wide at most (greyscale PNG), for the viewer and the thumbnails.
PAGE_IMAGE_WIDTH = 1000


@dataclass(frozen=True)
class CheckedDocument:
    file: object
    name: str
    content_type: str
    extension: str
    size: int


def document_validate(file) -> CheckedDocument:
    """Check an uploaded scan by content and size; nothing is written."""
    if file is None:
        raise InvalidInput({"file": _("Choose a scanned document (PDF, JPEG, PNG or TIFF).")})
    name = Path(getattr(file, "name", "") or "document").name[:200]
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    limit = settings.DOCUMENT_MAX_BYTES
    if size > limit:
        raise InvalidInput(
            {
                "file": _("“%(name)s” is %(size).1f MB; the limit is %(limit).1f MB.")
                % {"name": name, "size": size / 1048576, "limit": limit / 1048576}
            }
        )
    if size == 0:
        raise InvalidInput({"file": _("“%(name)s” is empty.") % {"name": name}})
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    for magic, content_type, extension in _SIGNATURES:
        if head.startswith(magic):
            return CheckedDocument(file, name, content_type, extension, size)
    raise InvalidInput(
        {
            "file": _(
                "“%(name)s” is not a PDF, JPEG, PNG or TIFF scan (checked by its content, "
                "not its name)."
            )
            % {"name": name}
        }
    )


def _store(document: ScannedDocument, checked: CheckedDocument) -> None:
    checked.file.seek(0)
    document.file.save(f"upload{checked.extension}", checked.file, save=False)


def _create(*, checked: CheckedDocument, district_id: str, complaint, officer) -> ScannedDocument:
    from layers.tasks import document_extract  # the task module imports this one

    document = ScannedDocument(
        complaint=complaint,
        district_id=district_id,
        original_name=checked.name,
        content_type=checked.content_type,
        size_bytes=checked.size,
        uploaded_by=officer,
        attached_by=officer if complaint is not None else None,
        attached_at=timezone.now() if complaint is not None else None,
    )
    _store(document, checked)
    stored = document.file.name
    try:
        document.save()
        document_extract.defer(document_id=document.pk)
    except BaseException:
        default_storage.delete(stored)
        raise
    return document


def _require_files(officer) -> None:
    if not may_read_attachments(officer):
        raise Forbidden(_("Your role may not handle scanned documents."))


@transaction.atomic
def document_upload_to_case(*, complaint: Complaint, officer, file) -> ScannedDocument:
    """A scan attached to a case the officer may add notes to (the caller read the case
    through the scope); its text is read on the job queue."""
    from layers.services.workflow import actions_available

    _require_files(officer)
    if "note" not in actions_available(complaint=complaint, officer=officer):
        raise Forbidden(_("Your role may not add documents to this case."))
    checked = document_validate(file)
    document = _create(
        checked=checked, district_id=complaint.district_id, complaint=complaint, officer=officer
    )
    logger.info("document %s uploaded to case %s", document.pk, complaint.tracking_no)
    return document


@transaction.atomic
def document_upload_to_inbox(*, district, officer, file) -> ScannedDocument:
    """A scan put in a district's inbox of unrecorded documents (before a case exists)."""
    _require_files(officer)
    if not may_record(officer):
        raise Forbidden(_("Only officers who record cases keep the inbox of documents."))
    code = str(district or "").strip()
    if not re.fullmatch(r"[0-9]{4}", code):
        raise InvalidInput({"district": _("Choose the district (a 4-digit code).")})
    if not District.objects.filter(code=code).exists():
        raise InvalidInput({"district": _("There is no district %(code)s.") % {"code": code}})
    if not inbox_districts(officer=officer).filter(code=code).exists():
        raise InvalidInput(
            {"district": _("District %(code)s is not in your area.") % {"code": code}}
        )
    checked = document_validate(file)
    document = _create(checked=checked, district_id=code, complaint=None, officer=officer)
    logger.info("document %s put in the inbox of district %s", document.pk, code)
    return document


def document_attach(*, document_id, complaint: Complaint, officer) -> ScannedDocument:
    """Attach an inbox document to a case the officer has just recorded (call it inside the
    recording's transaction: a document already taken refuses the whole recording)."""
    document = inbox_document_get(officer=officer, document_id=document_id)
    locked = ScannedDocument.objects.select_for_update().get(pk=document.pk)
    if locked.complaint_id is not None:
        raise NotFound(_("The document has already been attached to another case."))
    locked.complaint = complaint
    locked.district_id = complaint.district_id
    locked.attached_at = timezone.now()
    locked.attached_by = officer
    locked.save(update_fields=["complaint", "district", "attached_at", "attached_by"])
    ComplaintHistory.objects.create(
        complaint=complaint,
        kind=HistoryKind.NOTE,
        to_status=complaint.status,
        from_status=complaint.status,
        to_value=_("%(n)d file(s)") % {"n": 1},
        note=_("Scanned document attached from the district's inbox."),
        actor=officer,
        at=timezone.now(),
    )
    case_search_refresh(complaint_id=complaint.pk)  # its text is searchable with the case
    return locked


# --- Reading the text (on the job queue) -------------------------------------------------------


class ExtractionFailed(Exception):
    """Reading a document failed; the message is a kind of failure, never its text."""


def _env() -> dict:
    # One thread per Tesseract: the worker's other jobs and the web server share the cores.
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def _run(cmd: list[str], *, timeout: int, quiet: bool = False) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=timeout, check=True, env=_env())
    except FileNotFoundError:
        raise ExtractionFailed(_("The OCR program is not installed on the server.")) from None
    except subprocess.TimeoutExpired:
        raise ExtractionFailed(_("Reading a page took too long.")) from None
    except subprocess.CalledProcessError as exc:
        if not quiet:
            logger.warning("%s failed with exit code %s", Path(cmd[0]).name, exc.returncode)
        raise ExtractionFailed(_("The page could not be read.")) from None


def _orientation(path: str) -> int:
    """Degrees to turn the page clockwise to read it, when Tesseract is sure; else 0."""
    try:
        out = _run(
            [settings.OCR_TESSERACT_CMD, path, "stdout", "--psm", "0", "-l", "osd"],
            timeout=settings.OCR_PAGE_TIMEOUT_SECONDS,
            quiet=True,
        ).stdout.decode("utf-8", "replace")
    except ExtractionFailed:
        return 0  # too little text to tell (a mostly blank page): read it as it is
    rotate = re.search(r"Rotate:\s*(\d+)", out)
    confidence = re.search(r"Orientation confidence:\s*([0-9.]+)", out)
    if rotate and confidence and float(confidence.group(1)) >= settings.OCR_ROTATE_MIN_CONFIDENCE:
        return int(rotate.group(1)) % 360
    return 0


def ocr_image(image) -> tuple[str, float | None]:
    """Text of one page picture (a Pillow image) by Tesseract, and its mean word confidence.
    Raises ``ExtractionFailed``."""
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="damrong-ocr-") as tmp:
        path = os.path.join(tmp, "page.png")
        image.convert("L").save(path)
        angle = _orientation(path)
        if angle:
            with Image.open(path) as img:
                img.rotate(-angle, expand=True, fillcolor=255).save(path)
        base = [settings.OCR_TESSERACT_CMD, path, os.path.join(tmp, "out")]
        base += ["-l", settings.OCR_LANGUAGES, "--psm", "3"]
        _run([*base, "txt", "tsv"], timeout=settings.OCR_PAGE_TIMEOUT_SECONDS)
        text = Path(tmp, "out.txt").read_text(encoding="utf-8", errors="replace")
        confidences = []
        for line in (
            Path(tmp, "out.tsv").read_text(encoding="utf-8", errors="replace").splitlines()[1:]
        ):
            cols = line.split("\t")
            if len(cols) == 12 and cols[11].strip():
                try:
                    value = float(cols[10])
                except ValueError:
                    continue
                if value >= 0:
                    confidences.append(value)
    mean = sum(confidences) / len(confidences) if confidences else None
    return text, mean


def _page_picture(image):
    img = image.convert("L")
    if img.width > PAGE_IMAGE_WIDTH:
        img = img.resize((PAGE_IMAGE_WIDTH, round(img.height * PAGE_IMAGE_WIDTH / img.width)))
    buffer = io.BytesIO()
    img.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue())


class _Pages:
    """The pages of a document: their count, and each page's text layer and picture."""

    def __init__(self, document: ScannedDocument, workdir: str):
        self.document = document
        self.workdir = workdir
        self.path = os.path.join(workdir, "source")
        with document.file.open("rb") as source, open(self.path, "wb") as target:
            for chunk in source.chunks():
                target.write(chunk)
        self.is_pdf = document.content_type == "application/pdf"
        if self.is_pdf:
            from pypdf import PdfReader
            from pypdf.errors import PdfReadError

            try:
                self.reader = PdfReader(self.path)
                self.count = len(self.reader.pages)
            except (PdfReadError, ValueError, OSError, KeyError, TypeError):
                raise ExtractionFailed(_("The PDF file is damaged or not a PDF.")) from None
        else:
            from PIL import Image, UnidentifiedImageError

            try:
                self.image = Image.open(self.path)
                self.count = getattr(self.image, "n_frames", 1)
            except (UnidentifiedImageError, OSError):
                raise ExtractionFailed(_("The picture file is damaged.")) from None
        if self.count < 1:
            raise ExtractionFailed(_("The document has no pages."))
        if self.count > settings.DOCUMENT_MAX_PAGES:
            raise ExtractionFailed(
                _("The document has %(n)d pages; at most %(max)d are read.")
                % {"n": self.count, "max": settings.DOCUMENT_MAX_PAGES}
            )

    def text_layer(self, index: int) -> str:
        if not self.is_pdf:
            return ""
        try:
            return self.reader.pages[index].extract_text() or ""
        except Exception:  # noqa: BLE001 - a page pypdf cannot parse is OCR'd instead
            logger.warning(
                "no text layer read from page %d of document %s", index + 1, self.document.pk
            )
            return ""

    def picture(self, index: int, *, dpi: int):
        from PIL import Image, ImageOps, UnidentifiedImageError

        if self.is_pdf:
            prefix = os.path.join(self.workdir, f"p{index + 1}")
            _run(
                [
                    settings.OCR_PDFTOPPM_CMD,
                    "-r",
                    str(dpi),
                    "-gray",
                    "-png",
                    "-singlefile",
                    "-f",
                    str(index + 1),
                    "-l",
                    str(index + 1),
                    self.path,
                    prefix,
                ],
                timeout=settings.OCR_PAGE_TIMEOUT_SECONDS,
            )
            with Image.open(prefix + ".png") as img:
                img.load()
                return img.copy()
        try:
            self.image.seek(index)
            frame = ImageOps.exif_transpose(self.image.copy())
            return frame.convert("L")
        except (OSError, UnidentifiedImageError, EOFError):
            raise ExtractionFailed(_("The picture file is damaged.")) from None


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalnum())


def document_extract_now(*, document_id: int) -> ScannedDocument | None:
    """Read a document's text page by page (the job ``layers.document_extract``)."""
    document = ScannedDocument.objects.filter(pk=document_id).first()
    if document is None:
        return None
    document.status = DocumentStatus.RUNNING
    document.pages_done = 0
    document.error = ""
    document.save(update_fields=["status", "pages_done", "error"])
    old_images = list(document.pages.exclude(image="").values_list("image", flat=True))
    document.pages.all().delete()
    for name in old_images:
        default_storage.delete(name)
    texts, flags, methods = [], [], set()
    try:
        with tempfile.TemporaryDirectory(prefix="damrong-doc-") as workdir:
            pages = _Pages(document, workdir)
            document.page_count = pages.count
            document.save(update_fields=["page_count"])
            for index in range(pages.count):
                own = pages.text_layer(index)
                if _letters(own) >= TEXT_LAYER_MIN_CHARS:
                    method, confidence = ExtractMethod.TEXT_LAYER, None
                    picture = pages.picture(index, dpi=settings.PAGE_IMAGE_DPI)
                    text = ocr_normalise(own)
                else:
                    method = ExtractMethod.OCR
                    picture = pages.picture(index, dpi=settings.OCR_DPI)
                    raw, confidence = ocr_image(picture)
                    text = ocr_normalise(raw)
                    flags += [{**f, "page": index + 1} for f in ocr_flags(text)]
                page = DocumentPage(
                    document=document,
                    number=index + 1,
                    text=text,
                    method=method,
                    confidence=confidence,
                )
                page.image.save("page.png", _page_picture(picture), save=False)
                page.save()
                methods.add(method)
                texts.append(text)
                document.pages_done = index + 1
                document.save(update_fields=["pages_done"])
    except ExtractionFailed as exc:
        document.status = DocumentStatus.FAILED
        document.error = str(exc)[:300]
        document.save(update_fields=["status", "error"])
        logger.warning("document %s: text not read (%s)", document.pk, exc)
        return document
    except Exception as exc:
        # Anything else (a bug, a picture too large to open): the document says so and stays;
        # the job fails too, so that the admin's job list shows it.
        document.status = DocumentStatus.FAILED
        document.error = _("The document could not be read.")
        document.save(update_fields=["status", "error"])
        logger.error("document %s: reading failed (%s)", document.pk, type(exc).__name__)
        raise
    document.text = "\f".join(texts)
    document.search_text = "\f".join(normalize_text(t) for t in texts)
    document.flags = flags
    document.method = methods.pop() if len(methods) == 1 else ExtractMethod.MIXED
    document.status = DocumentStatus.DONE
    document.extracted_at = timezone.now()
    document.save(
        update_fields=["text", "search_text", "flags", "method", "status", "extracted_at"]
    )
    if document.complaint_id is not None:
        case_search_refresh(complaint_id=document.complaint_id)  # the case found by its text
    return document


def document_extract_again(*, document: ScannedDocument, officer) -> ScannedDocument:
    """Queue a document's reading again (its text could not be read): by an officer who may
    add to its case, or who keeps its inbox. The caller read it through the scope."""
    from layers.services.workflow import actions_available
    from layers.tasks import document_extract

    _require_files(officer)
    if document.complaint_id is not None:
        if "note" not in actions_available(complaint=document.complaint, officer=officer):
            raise Forbidden(_("Your role may not add documents to this case."))
    elif not may_record(officer):
        raise Forbidden(_("Only officers who record cases keep the inbox of documents."))
    if document.pending:
        return document
    document.status = DocumentStatus.QUEUED
    document.save(update_fields=["status"])
    document_extract.defer(document_id=document.pk)
    return document
