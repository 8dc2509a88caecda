"""Scanned documents: upload to a case, the district's inbox of unrecorded documents, and the
files and page pictures (served only to who may see them; no public media URL).

Thin views: reading through ``layers.selectors.documents`` (jurisdiction and policy), writing
through ``layers.services.documents``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from layers import policy
from layers.errors import ApplicationError, Forbidden, NotFound
from layers.selectors import cases as sel
from layers.selectors import documents as docs
from layers.services import documents as doc_services

# Shown in the browser (the viewer); anything else (TIFF) is downloaded, never rendered inline.
INLINE_TYPES = ("application/pdf", "image/jpeg", "image/png")


def _serve(handle, *, content_type: str, filename: str, inline: bool):
    response = FileResponse(
        handle, content_type=content_type, as_attachment=not inline, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if content_type.startswith("image/"):
        # A picture runs nothing and loads nothing (browsers' PDF viewers need their own).
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'"
    return response


@login_required
@require_GET
def document_file(request, pk):
    """The uploaded file itself."""
    document = docs.document_get(officer=request.user, document_id=pk)
    try:
        handle = document.file.open("rb")
    except OSError:
        raise NotFound(_("The file is missing.")) from None
    return _serve(
        handle,
        content_type=document.content_type,
        filename=document.original_name,
        inline=document.content_type in INLINE_TYPES,
    )


@login_required
@require_GET
def document_page(request, pk, number):
    """One page's picture (greyscale PNG) for the viewer and the thumbnails."""
    document = docs.document_get(officer=request.user, document_id=pk)
    page = document.pages.filter(number=number).exclude(image="").first()
    if page is None:
        raise NotFound(_("No such page."))
    try:
        handle = page.image.open("rb")
    except OSError:
        raise NotFound(_("The file is missing.")) from None
    return _serve(handle, content_type="image/png", filename=f"page-{number}.png", inline=True)


def documents_context(request, case) -> dict:
    """What the case page's documents section needs."""
    from layers.services.workflow import actions_available

    viewer = policy.viewer_for(request.user)
    if not viewer.sees("case.documents"):
        return {"documents": [], "may_add_document": False, "may_read_again": False}
    may_add = "note" in actions_available(complaint=case, officer=request.user)
    return {
        "documents": [policy.document_view(viewer, d) for d in docs.case_documents(case)],
        "may_add_document": may_add,
        "may_read_again": may_add,
        "document_max_mb": settings.DOCUMENT_MAX_BYTES // (1024 * 1024),
    }


@login_required
@require_POST
def case_document_upload(request, tracking_no):
    """A scanned letter added to a case from its page."""
    from maps.views.cases import _detail_context, _require_area

    _require_area(request)
    case = sel.case_get(officer=request.user, tracking_no=tracking_no)
    try:
        doc_services.document_upload_to_case(
            complaint=case, officer=request.user, file=request.FILES.get("file")
        )
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, _("The document was not added: check the form below."))
        context = _detail_context(request, case)
        context["document_errors"] = [
            str(m)
            for ms in (exc.fields or {}).values()
            for m in (ms if isinstance(ms, list | tuple) else [ms])
        ] or [exc.message]
        return render(request, "maps/cases/detail.html", context, status=exc.status)
    messages.success(request, _("The document was added; its text is being read."))
    return redirect(reverse("case_detail", args=[case.tracking_no]) + "#case-documents")


@login_required
@require_http_methods(["GET", "POST"])
def document_inbox(request):
    """The inbox of unrecorded documents of the officer's districts: put a scan in, and record
    the case it starts (the intake form with the document attached)."""
    if not (policy.may_record(request.user) and policy.may_read_attachments(request.user)):
        raise Forbidden(_("Only officers who record cases keep the inbox of documents."))
    districts = list(docs.inbox_districts(officer=request.user)[:1000])
    errors, posted, status = [], {}, 200
    if request.method == "POST":
        posted = {"district": request.POST.get("district", "")}
        try:
            doc_services.document_upload_to_inbox(
                district=posted["district"], officer=request.user, file=request.FILES.get("file")
            )
        except NotFound:
            raise
        except ApplicationError as exc:
            errors = [
                str(m)
                for ms in (exc.fields or {}).values()
                for m in (ms if isinstance(ms, list | tuple) else [ms])
            ] or [exc.message]
            status = exc.status
        else:
            messages.success(request, _("The document is in the inbox; its text is being read."))
            return redirect("document_inbox")
    viewer = policy.viewer_for(request.user)
    context = {
        "documents": [
            policy.document_view(viewer, d) for d in docs.inbox_documents(officer=request.user)
        ],
        "districts": districts,
        "may_read_again": True,  # the inbox's keepers
        "errors": errors,
        "posted": posted,
        "document_max_mb": settings.DOCUMENT_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "maps/documents/inbox.html", context, status=status)


@login_required
@require_POST
def document_read_again(request, pk):
    """Read a document's text again (after a failure), then back to where it is shown."""
    document = docs.document_get(officer=request.user, document_id=pk)
    try:
        doc_services.document_extract_again(document=document, officer=request.user)
    except NotFound:
        raise
    except ApplicationError as exc:
        raise Forbidden(exc.message) from None
    messages.success(request, _("The text is being read again."))
    if document.complaint_id is None:
        return redirect("document_inbox")
    return redirect(
        reverse("case_detail", args=[document.complaint.tracking_no]) + "#case-documents"
    )
