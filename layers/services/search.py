"""Keeping each case's search words (``layers.models.CaseSearch``) up to date (issue 12).

``case_search_refresh`` is called on every write of a case: at intake
(``layers.services.complaints.complaint_create``) and in ``complaint_change_write``, through
which every status change, note, reason, closing note and edit goes; both in the writer's own
transaction, so that the words and the case never disagree. Rows written in bulk (the demo
data, imports) are indexed by ``search_index_rebuild`` (``manage.py search_index``).

``case_search_parts`` builds a case's texts from its parts; ``document_texts`` is the hook for
the text of scanned documents (OCR, issue 12): whatever the documents' module returns for a case
is indexed as free text with the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connection, transaction

from layers.models import Complaint, ComplaintHistory
from layers.searchwords import indexed_text, search_normalize

# Who may add texts of a case's documents: functions (complaint ids) -> {id: [texts]}. The
# scanned-documents module registers its own (``register_document_texts``).
_DOCUMENT_SOURCES: list[Callable[[list[int]], dict[int, list[str]]]] = []


def register_document_texts(source: Callable[[list[int]], dict[int, list[str]]]) -> None:
    """Hook: ``source(complaint_ids)`` returns the texts of those cases' documents, indexed as
    free text from the next refresh of each case on."""
    if source not in _DOCUMENT_SOURCES:
        _DOCUMENT_SOURCES.append(source)


def document_texts(complaint_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for source in _DOCUMENT_SOURCES:
        for cid, texts in source(complaint_ids).items():
            found.setdefault(cid, []).extend(t for t in texts if t)
    return found


_RELATED = ("category", "subcategory", "subdistrict", "district", "province", "assigned_team")


def case_search_parts(
    complaint: Complaint, *, history_notes: Iterable[str] = (), documents: Iterable[str] = ()
) -> dict[str, list[str]]:
    """A case's searchable texts by policy class: ``public`` (anyone who sees the case),
    ``personal`` (people) and ``free_text`` (what people typed, documents included).

    Citizen IDs and phones are not among them: they are matched through their keyed hashes.
    """
    c = complaint
    public = [
        c.tracking_no,
        c.category.name_th if c.category_id else "",
        c.category.name_en if c.category_id else "",
        c.subcategory.name_th if c.subcategory_id else "",
        c.subdistrict.name_th if c.subdistrict_id else "",
        c.district.name_th if c.district_id else "",
        c.province.name_th if c.province_id else "",
        c.assigned_team.name if c.assigned_team_id else "",
    ]
    personal = [c.complainant_name, c.accused_name, c.accused_detail, c.complainant_address]
    free_text = [
        c.title,
        c.description,
        c.location_note,
        c.subcategory_text,
        c.close_note,
        c.forwarded_agency,
        *history_notes,
        *documents,
    ]
    return {
        "public": [t for t in public if t],
        "personal": [t for t in personal if t],
        "free_text": [t for t in free_text if t],
    }


def search_row(parts: dict[str, list[str]]) -> dict[str, str]:
    """The words and normalised texts of a case's parts (what ``CaseSearch`` stores, before
    PostgreSQL makes the tsvectors)."""
    public = parts["public"]
    full = [*public, *parts["personal"], *parts["free_text"]]
    return {
        "public_words": indexed_text(*public),
        "full_words": indexed_text(*full),
        "public_norm": search_normalize(" ".join(public)),
        "full_norm": search_normalize(" ".join(full)),
    }


_UPSERT = """
INSERT INTO layers_casesearch
    (complaint_id, public_vector, full_vector, public_norm, full_norm, updated_at)
SELECT v.id, to_tsvector('simple', v.pw), to_tsvector('simple', v.fw), v.pn, v.fn, now()
FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[]) AS v(id, pw, fw, pn, fn)
ON CONFLICT (complaint_id) DO UPDATE SET
    public_vector = EXCLUDED.public_vector, full_vector = EXCLUDED.full_vector,
    public_norm = EXCLUDED.public_norm, full_norm = EXCLUDED.full_norm, updated_at = now()
"""


def _write(rows: dict[int, dict[str, str]]) -> None:
    if not rows:
        return
    ids = list(rows)
    with connection.cursor() as cur:
        cur.execute(
            _UPSERT,
            [
                ids,
                [rows[i]["public_words"] for i in ids],
                [rows[i]["full_words"] for i in ids],
                [rows[i]["public_norm"] for i in ids],
                [rows[i]["full_norm"] for i in ids],
            ],
        )


def _index(complaints: list[Complaint]) -> None:
    ids = [c.pk for c in complaints]
    notes: dict[int, list[str]] = {}
    for cid, note in (
        ComplaintHistory.objects.filter(complaint_id__in=ids)
        .exclude(note="")
        .order_by("at", "id")
        .values_list("complaint_id", "note")
    ):
        notes.setdefault(cid, []).append(note)
    documents = document_texts(ids)
    _write(
        {
            c.pk: search_row(
                case_search_parts(
                    c, history_notes=notes.get(c.pk, ()), documents=documents.get(c.pk, ())
                )
            )
            for c in complaints
        }
    )


def case_search_refresh(*, complaint_id: int) -> None:
    """Index one case again (its texts, names, notes and documents as they are now)."""
    complaint = Complaint.objects.select_related(*_RELATED).filter(pk=complaint_id).first()
    if complaint is not None:
        with transaction.atomic():
            _index([complaint])


def search_index_rebuild(
    *, only_missing: bool = True, batch_size: int = 1000, progress=None
) -> int:
    """Index every case (or only those without search words), batch by batch, each batch its
    own transaction. Returns how many were written."""
    last, written = 0, 0
    while True:
        qs = Complaint.objects.select_related(*_RELATED).filter(pk__gt=last).order_by("pk")
        if only_missing:
            qs = qs.filter(search__isnull=True)
        batch = list(qs[:batch_size])
        if not batch:
            return written
        with transaction.atomic():
            _index(batch)
        written += len(batch)
        last = batch[-1].pk
        if progress:
            progress(written)
