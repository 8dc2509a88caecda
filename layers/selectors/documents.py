"""Reading scanned documents: a case's, a district's inbox of unrecorded ones, one document.

Who may see a document: one attached to a case, whoever may see the case and its files
(``policy.may_read_attachments``: scanned letters name people); one in a district's inbox (not
yet a case), the officers who record cases (``policy.may_record``) for that district, its
province or the whole country.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from boundaries.models import District
from layers.errors import NotFound
from layers.models import DocumentStatus, ScannedDocument
from layers.policy import may_read_attachments, may_record
from layers.selectors.scope import complaints_visible_to, jurisdiction_for


def case_documents(case) -> QuerySet:
    """The documents attached to a case (the caller has checked access to the case)."""
    return ScannedDocument.objects.filter(complaint=case).prefetch_related("pages")


def _inbox_areas_q(officer) -> Q | None:
    """Inbox documents of the officer's areas (None: all), or nothing for one who does not
    record cases or may not see files."""
    if not (may_record(officer) and may_read_attachments(officer)):
        return Q(pk__in=[])
    j = jurisdiction_for(officer)
    if j.country or officer.is_superuser:
        return None
    return Q(district_id__in=j.districts) | Q(district__province_id__in=j.provinces)


def inbox_documents(*, officer) -> QuerySet:
    """The inbox of unrecorded documents of the officer's districts, oldest first."""
    qs = ScannedDocument.objects.filter(complaint__isnull=True).select_related("district")
    q = _inbox_areas_q(officer)
    return (qs if q is None else qs.filter(q)).prefetch_related("pages")


def inbox_districts(*, officer) -> QuerySet:
    """The districts whose inbox the officer may put documents in."""
    q = _inbox_areas_q(officer)
    qs = District.objects.defer("geom").order_by("code")
    if q is None:
        return qs
    if not (may_record(officer) and may_read_attachments(officer)):
        return qs.none()
    j = jurisdiction_for(officer)
    return qs.filter(Q(code__in=j.districts) | Q(province_id__in=j.provinces))


def inbox_document_get(*, officer, document_id) -> ScannedDocument:
    """An unrecorded document of the officer's inbox; ``NotFound`` otherwise."""
    try:
        pk = int(document_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such document.")) from None
    document = inbox_documents(officer=officer).filter(pk=pk).first()
    if document is None:
        raise NotFound(_("No such document."))
    return document


def document_get(*, officer, document_id: int) -> ScannedDocument:
    """A document the officer may open (attached to a case they see, or in their inbox);
    ``NotFound`` otherwise, with no hint that it exists."""
    document = ScannedDocument.objects.filter(pk=document_id).first()
    if document is None or not may_read_attachments(officer):
        raise NotFound(_("No such document."))
    if document.complaint_id is None:
        return inbox_document_get(officer=officer, document_id=document_id)
    if not complaints_visible_to(officer=officer).filter(pk=document.complaint_id).exists():
        raise NotFound(_("No such document."))
    return document


def document_text_for_case(case) -> str:
    """The text of every document of a case whose text has been read, in the indexable form
    (``thaitext.normalize_text``: Thai digits as Arabic ones), documents and pages apart by a
    form feed. For search to index; it is FREE_TEXT (``layers.policy``)."""
    texts = ScannedDocument.objects.filter(complaint=case, status=DocumentStatus.DONE).values_list(
        "search_text", flat=True
    )
    return "\f".join(t for t in texts if t)


def document_texts_by_case(complaint_ids: list[int]) -> dict[int, list[str]]:
    """The read texts of those cases' documents (indexable form), for search's hook
    (``layers.services.search.register_document_texts``, wired in ``layers.apps``)."""
    found: dict[int, list[str]] = {}
    rows = ScannedDocument.objects.filter(
        complaint_id__in=complaint_ids, status=DocumentStatus.DONE
    ).values_list("complaint_id", "search_text")
    for complaint_id, text in rows:
        if text:
            found.setdefault(complaint_id, []).append(text)
    return found
