"""Attachments on a case (photos, scanned documents): checked by content and size, then stored.

Shared by intake (``layers.forms.intake``) and progress notes (workflow). The type is decided by
the file's first bytes, never by its name or the browser's Content-Type, which a user controls:
a ``.jpg`` that is really text is refused.

Files are written to storage inside the caller's transaction, but a database rollback does not
delete files. Callers therefore wrap the transaction in ``stored_files_rollback()`` and pass its
list to ``attachments_save``, so that any error leaves neither a row nor a file::

    checked = attachments_check(uploads=request.FILES.getlist("attachments"))
    with stored_files_rollback() as written:
        with transaction.atomic():
            complaint = complaint_create(...)
            attachments_save(complaint=complaint, checked=checked, uploaded_by=officer,
                             written=written)
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.utils.translation import gettext as _

from layers.models import Attachment, AttachmentKind

logger = logging.getLogger(__name__)

# content type → (kind, stored extension). The extension comes from the content, not the name.
ALLOWED_TYPES = {
    "image/jpeg": (AttachmentKind.PHOTO, ".jpg"),
    "image/png": (AttachmentKind.PHOTO, ".png"),
    "image/webp": (AttachmentKind.PHOTO, ".webp"),
    "application/pdf": (AttachmentKind.DOCUMENT, ".pdf"),
}
PHOTO_TYPES = frozenset(t for t, (kind, _ext) in ALLOWED_TYPES.items() if kind == "photo")
# More than this in one submission is almost certainly a mistake (and a disk-filling risk).
MAX_FILES_PER_SUBMISSION = 10


def sniff_content_type(head: bytes) -> str | None:
    """The allowed type that the file's first bytes announce, or None.

    >>> sniff_content_type(b"\\xff\\xd8\\xff\\xe0\\x00\\x10JFIF")
    'image/jpeg'
    >>> sniff_content_type(b"\\x89PNG\\r\\n\\x1a\\n....")
    'image/png'
    >>> sniff_content_type(b"RIFF\\x10\\x00\\x00\\x00WEBPVP8 ")
    'image/webp'
    >>> sniff_content_type(b"%PDF-1.7\\n")
    'application/pdf'
    >>> sniff_content_type(b"hello, I am text") is None
    True
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _human_size(n: int) -> str:
    """A size the way people read it.

    >>> _human_size(10 * 1024 * 1024)
    '10.0 MB'
    """
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed the checks, with the type read from its content."""

    upload: object  # django UploadedFile
    content_type: str
    kind: str
    extension: str
    size: int
    original_name: str


def attachment_check(*, upload, photos_only: bool = False) -> CheckedUpload:
    """Check one upload by content and size; ValidationError with a message naming the file."""
    name = (getattr(upload, "name", "") or "file")[-120:]
    size = upload.size
    if not size:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty")
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("%(name)s is %(size)s; the limit is %(limit)s per file.")
            % {"name": name, "size": _human_size(size), "limit": _human_size(limit)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_content_type(head)
    allowed = PHOTO_TYPES if photos_only else ALLOWED_TYPES.keys()
    if content_type not in allowed:
        message = (
            _("%(name)s is not a JPEG, PNG or WebP photo (checked by its content, not its name).")
            if photos_only
            else _(
                "%(name)s is not a JPEG, PNG or WebP photo or a PDF document "
                "(checked by its content, not its name)."
            )
        )
        raise ValidationError(message % {"name": name}, code="wrong_type")
    kind, extension = ALLOWED_TYPES[content_type]
    return CheckedUpload(
        upload=upload,
        content_type=content_type,
        kind=kind,
        extension=extension,
        size=size,
        original_name=name,
    )


def attachments_check(*, uploads: Iterable, photos_only: bool = False) -> list[CheckedUpload]:
    """Check every upload; one ValidationError listing each bad file (all or nothing)."""
    uploads = [u for u in uploads if u is not None]
    if len(uploads) > MAX_FILES_PER_SUBMISSION:
        raise ValidationError(
            _("At most %(n)d files at a time.") % {"n": MAX_FILES_PER_SUBMISSION},
            code="too_many",
        )
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append(attachment_check(upload=upload, photos_only=photos_only))
        except ValidationError as exc:
            errors.extend(exc.error_list)
    if errors:
        raise ValidationError(errors)
    return checked


@contextmanager
def stored_files_rollback():
    """Yield a list for ``attachments_save(written=...)``; if the block raises, the files
    named in it are deleted from storage before the exception goes on."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            try:
                default_storage.delete(name)
            except OSError:
                # Keep the original error; an orphan file is logged by name (no personal data).
                logger.warning("could not delete orphan attachment file %s", name)
        raise


def attachments_save(
    *,
    complaint,
    checked: Iterable[CheckedUpload],
    uploaded_by=None,
    note=None,
    written: list[str],
) -> list[Attachment]:
    """Store checked uploads on a case (and on a progress note, if given).

    Must run inside a transaction, inside ``stored_files_rollback()`` whose list is ``written``.
    Stored names carry the case id and a random part, never the user's file name (which may
    hold personal data).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("attachments_save must run inside transaction.atomic()")
    saved = []
    for item in checked:
        name = default_storage.save(
            f"attachments/{complaint.pk}/{uuid.uuid4().hex}{item.extension}", item.upload
        )
        written.append(name)
        attachment = Attachment(
            complaint=complaint,
            note=note,
            kind=item.kind,
            original_name=item.original_name,
            content_type=item.content_type,
            size_bytes=item.size,
            uploaded_by=uploaded_by,
        )
        attachment.file.name = name
        attachment.save()
        saved.append(attachment)
    return saved
