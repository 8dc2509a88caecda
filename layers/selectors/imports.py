"""Reading spreadsheet imports (issue 12) as the pages show them: ``import.*`` and
``importrow.*`` fields of the policy, shaped by the caller for its viewer."""

from __future__ import annotations

from layers.models import ImportBatch, ImportProblem
from layers.services.imports import TARGET_FIELDS, batches_visible_to

PROBLEMS_ON_PAGE = 200


def import_batch_fields(batch: ImportBatch) -> dict:
    return {
        "id": batch.pk,
        "district": batch.district_id,
        "district_name": batch.district.name_th,
        "file_name": batch.original_name,
        "kind": batch.kind,
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "total_rows": batch.total_rows,
        "rows_done": batch.rows_done,
        "percent": batch.percent,
        "created": batch.created,
        "updated": batch.updated,
        "rejected": batch.rejected,
        "created_at": batch.created_at,
        "message": batch.message,
        "officer": batch.officer.get_full_name() or batch.officer.masked_citizen_id,
    }


def import_batches_for(*, officer, limit: int = 50) -> list[ImportBatch]:
    return list(
        batches_visible_to(officer)
        .select_related("district", "officer")
        .order_by("-created_at")[:limit]
    )


def import_batch_get(*, officer, pk: int) -> ImportBatch | None:
    return batches_visible_to(officer).select_related("district", "officer").filter(pk=pk).first()


def import_problem_fields(problem: ImportProblem) -> dict:
    labels = {key: str(label) for key, label, _required in TARGET_FIELDS}
    return {
        "row_no": problem.row_no,
        "reasons": [f"{labels.get(key, key)}: {message}" for key, message in problem.reasons],
        "values": " | ".join(v for v in problem.values if v),
    }


def import_problems_page(batch: ImportBatch) -> list[ImportProblem]:
    return list(ImportProblem.objects.filter(batch=batch).order_by("row_no")[:PROBLEMS_ON_PAGE])
