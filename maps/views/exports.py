"""The export page: filters (area, B.E. dates, category, status), a preview count, the
formats, and the officer's own exports prepared in the background (thin: the form turns the
choices into the export's parameters; ``layers.selectors.exports`` and
``layers.services.exports`` do the rest)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from api.exports import file_response
from layers.errors import Forbidden, InvalidInput
from layers.forms.exports import ExportForm
from layers.selectors.exports import (
    export_count,
    export_job_fields,
    export_jobs_for,
    export_request_from_params,
)
from layers.selectors.scope import jurisdiction_for
from layers.services.exports import FORMATS, export_job_file, export_request

# The formats offered, in the page's order (GeoJSON streams from the API at any size).
PAGE_FORMATS = [("geojson", "GeoJSON")] + [(fmt, fmt.label) for fmt in FORMATS]


def _require_area(request):
    if jurisdiction_for(request.user).is_empty:
        raise Forbidden(_("Your account has no role with an area yet."))


@login_required
def export_page(request):
    _require_area(request)
    officer = request.user
    data = request.POST if request.method == "POST" else request.GET
    form = ExportForm(data or None, officer=officer)
    count = None
    status = 200
    if data:
        export = None
        if form.is_valid():
            params = form.params()
            try:
                export = export_request_from_params(params)
            except InvalidInput as exc:  # e.g. a sub-district code that does not exist
                for name, texts in exc.fields.items():
                    form.add_error(name if name in form.fields else None, texts[0])
        if export is not None:
            fmt = data.get("format", "")
            if request.method == "POST" and fmt == "geojson":
                return redirect(reverse("api:complaints_geojson") + "?" + urlencode(params))
            if request.method == "POST" and fmt:
                answer = export_request(officer=officer, request=export, fmt=fmt)
                if answer.written is not None:
                    w = answer.written
                    return file_response(
                        w.path,
                        content_type=w.content_type,
                        file_name=w.file_name,
                        file_name_utf8=w.file_name_utf8,
                        remove=w.path.parent,
                    )
                messages.info(
                    request,
                    _(
                        "%(rows)s rows: the file is being prepared. You will be notified when "
                        "it is ready to download below."
                    )
                    % {"rows": f"{answer.rows:,}"},
                )
                return redirect("exports")
            count = export_count(officer=officer, request=export)
        else:
            status = 400
    jobs = [
        {
            **export_job_fields(job),
            "created": job.created_at,
            "download": reverse("export_download", args=[job.pk]),
        }
        for job in export_jobs_for(officer=officer)
    ]
    context = {
        "form": form,
        "count": count,
        "formats": PAGE_FORMATS,
        "jobs": jobs,
        "sync_max": _sync_max(),
    }
    return render(request, "maps/exports.html", context, status=status)


def _sync_max() -> str:
    return f"{settings.EXPORT_SYNC_MAX_ROWS:,}"


@login_required
@require_GET
def export_download(request, pk: int):
    """A ready export's file, for its own officer (scope checked again)."""
    job, path = export_job_file(officer=request.user, job_id=pk)
    return file_response(
        path,
        content_type=FORMATS[job.format].content_type,
        file_name=job.file_name,
        file_name_utf8=job.file_name_utf8,
    )
