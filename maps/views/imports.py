"""Importing the backlog from spreadsheets (issue 12): upload, column mapping, dry run,
import with a progress bar, the rejected-rows report. Thin: ``layers.services.imports`` does
the work, ``layers.selectors.imports`` reads, the policy shapes what the page shows."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from api.exports import file_response
from layers import policy
from layers.errors import Forbidden, InvalidInput
from layers.models import ImportStatus
from layers.selectors.imports import (
    PROBLEMS_ON_PAGE,
    import_batch_fields,
    import_batch_get,
    import_batches_for,
    import_problem_fields,
    import_problems_page,
)
from layers.services.imports import (
    MAX_UPLOAD_BYTES,
    TARGET_FIELDS,
    import_districts,
    import_map,
    import_start,
    import_startable,
    import_upload,
    rejected_rows_xlsx,
)

# A running batch's page reloads itself this often (seconds) to move its progress bar.
REFRESH_SECONDS = 3


def _require_importer(request):
    if not import_districts(request.user).exists():
        raise Forbidden(_("Only district, province and central officers import cases."))


def _batch(request, pk: int):
    _require_importer(request)
    batch = import_batch_get(officer=request.user, pk=pk)
    if batch is None:
        raise Http404(_("No such import."))
    return batch


@login_required
def import_list(request):
    """The officer's districts' imports, and the upload form."""
    _require_importer(request)
    districts = list(import_districts(request.user).order_by("code").values_list("code", "name_th"))
    errors: dict = {}
    chosen = districts[0][0] if len(districts) == 1 else ""
    status = 200
    if request.method == "POST":
        chosen = request.POST.get("district", "")
        try:
            batch = import_upload(
                officer=request.user,
                district_code=chosen,
                upload=request.FILES.get("file"),
            )
        except InvalidInput as exc:
            errors = {k: v[0] for k, v in exc.fields.items()}
            status = 400
        else:
            return redirect("import_detail", pk=batch.pk)
    viewer = policy.viewer_for(request.user)
    batches = [
        policy.shape(viewer, "import", import_batch_fields(b))
        for b in import_batches_for(officer=request.user)
    ]
    return render(
        request,
        "maps/imports/list.html",
        {
            "districts": districts,
            "chosen": chosen,
            "errors": errors,
            "batches": batches,
            "max_mb": MAX_UPLOAD_BYTES >> 20,
        },
        status=status,
    )


def _detail(request, batch, *, errors=None, mapping=None, status=200):
    viewer = policy.viewer_for(request.user)
    fields = policy.shape(viewer, "import", import_batch_fields(batch))
    problems = [
        policy.shape(viewer, "importrow", import_problem_fields(p))
        for p in import_problems_page(batch)
    ]
    mapping = mapping if mapping is not None else batch.mapping
    targets = [
        {"key": key, "label": label, "required": required, "chosen": mapping.get(key, "")}
        for key, label, required in TARGET_FIELDS
    ]
    return render(
        request,
        "maps/imports/detail.html",
        {
            "batch": fields,
            "state": batch.status,
            "running": batch.running and not batch.stalled,
            "checked": batch.checked,
            "headers": batch.headers,
            "targets": targets,
            "errors": errors or {},
            "problems": problems,
            "more_problems": batch.rejected > PROBLEMS_ON_PAGE,
            "refresh": REFRESH_SECONDS if batch.running and not batch.stalled else None,
            "may_map": (not batch.running or batch.stalled) and batch.status != ImportStatus.DONE,
            "may_import": import_startable(batch),
        },
        status=status,
    )


@login_required
@require_GET
def import_detail(request, pk: int):
    return _detail(request, _batch(request, pk))


@login_required
@require_POST
def import_action(request, pk: int):
    """``check`` (save the mapping, queue the dry run) or ``import`` (queue the import, or
    resume one that stopped)."""
    batch = _batch(request, pk)
    action = request.POST.get("action", "")
    if action == "check":
        mapping = {key: request.POST.get(f"map_{key}", "") for key, _l, _r in TARGET_FIELDS}
        try:
            import_map(batch=batch, officer=request.user, mapping=mapping)
        except InvalidInput as exc:
            errors = {k: v[0] for k, v in exc.fields.items()}
            return _detail(request, batch, errors=errors, mapping=mapping, status=400)
        messages.info(request, _("The dry run has started: every row is being checked."))
    elif action == "import":
        try:
            import_start(batch=batch, officer=request.user)
        except InvalidInput as exc:
            errors = {k: v[0] for k, v in exc.fields.items()}
            return _detail(request, batch, errors=errors, status=400)
        messages.info(request, _("The import has started."))
    else:
        raise InvalidInput({"action": _("Unknown action.")})
    return redirect("import_detail", pk=batch.pk)


@login_required
@require_GET
def import_rejected(request, pk: int):
    """The rejected rows with a reason column, as XLSX (the rows name people: only those who
    may see personal data get it)."""
    batch = _batch(request, pk)
    policy.require_fields(policy.viewer_for(request.user), "importrow", ["values", "reasons"])
    path = rejected_rows_xlsx(batch)
    response = file_response(
        path,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        file_name=f"rejected_{batch.district_id}_{batch.pk}.xlsx",
        file_name_utf8=f"rejected_{batch.district_id}_{batch.pk}.xlsx",
    )
    path.unlink(missing_ok=True)  # the open handle still reads it
    return response
