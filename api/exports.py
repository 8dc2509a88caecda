"""Analysts' exports as files and their jobs (thin: ``layers.services.exports``).

* ``GET /api/complaints.{gpkg,csv,kml,shp.zip}`` — the same parameters as
  ``/api/complaints.geojson``: the file at once when the selection has at most
  ``EXPORT_SYNC_MAX_ROWS`` rows; otherwise ``202 Accepted`` with the queued job (its ``url``
  to poll, the ``Location`` header too), the same job again while it is waiting;
* ``GET /api/exports/`` — the officer's own jobs; ``/api/exports/<id>/`` one of them;
  ``/api/exports/<id>/download`` its file (only its officer, whose scope must still allow it).
"""

from __future__ import annotations

import shutil

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.response import Response
from rest_framework.views import APIView

from layers import policy
from layers.errors import Forbidden
from layers.selectors.exports import (
    content_disposition,
    export_job_fields,
    export_job_get,
    export_jobs_for,
    export_request_from_params,
)
from layers.selectors.scope import jurisdiction_for
from layers.services.exports import FORMATS, export_job_file, export_request, format_spec

# The URL's extension → the format.
EXTENSIONS = {spec.extension: fmt for fmt, spec in FORMATS.items()}


def file_response(path, *, content_type: str, file_name: str, file_name_utf8: str, remove=None):
    """A download; ``remove`` (a folder) goes once the file is open: the open file stays
    readable until the response has sent it."""
    handle = path.open("rb")
    if remove is not None:
        shutil.rmtree(remove, ignore_errors=True)
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition(file_name, file_name_utf8)
    response["Cache-Control"] = "private, no-store"
    return response


def _job_body(request, job) -> dict:
    return policy.shape(policy.viewer_for(request.user), "exportjob", export_job_fields(job))


class ComplaintsExportView(APIView):
    def get(self, request, extension: str):
        fmt = EXTENSIONS.get(extension, extension)
        format_spec(fmt)  # an unknown one: a 400 naming the formats, before anything else
        export = export_request_from_params(request.query_params)
        answer = export_request(officer=request.user, request=export, fmt=fmt)
        if answer.written is not None:
            written = answer.written
            response = file_response(
                written.path,
                content_type=written.content_type,
                file_name=written.file_name,
                file_name_utf8=written.file_name_utf8,
                remove=written.path.parent,
            )
            response["X-Export-Rows"] = str(written.rows)
            return response
        body = _job_body(request, answer.job)
        response = Response(body, status=202)
        response["Location"] = body["url"]
        return response


class ExportJobListView(APIView):
    def get(self, request):
        if jurisdiction_for(request.user).is_empty:
            raise Forbidden(_("Your account has no role with an area yet."))
        jobs = [_job_body(request, job) for job in export_jobs_for(officer=request.user)]
        return Response(policy.shape(policy.viewer_for(request.user), "page", {"results": jobs}))


class ExportJobDetailView(APIView):
    def get(self, request, pk: int):
        return Response(_job_body(request, export_job_get(officer=request.user, job_id=pk)))


class ExportJobDownloadView(APIView):
    def get(self, request, pk: int):
        job, path = export_job_file(officer=request.user, job_id=pk)
        return file_response(
            path,
            content_type=FORMATS[job.format].content_type,
            file_name=job.file_name,
            file_name_utf8=job.file_name_utf8,
        )


# --- The OpenAPI schema (/api/schema/) ----------------------------------------------------------
_EXPORT_PARAMETERS = [
    OpenApiParameter(name, str, description=text)
    for name, text in (
        ("province", "DOPA province code (2 digits)"),
        ("district", "DOPA district code (4 digits)"),
        ("subdistrict", "DOPA sub-district code (6 digits)"),
        ("area", "all: the caller's whole jurisdiction"),
        ("status", "statuses, comma-separated"),
        ("category", "a main category's code"),
        ("channel", "a channel"),
        ("since", "received on or after, YYYY-MM-DD"),
        ("until", "received on or before, YYYY-MM-DD"),
        ("bbox", "minlon,minlat,maxlon,maxlat"),
        ("personal", "true: complainants' and free-text columns (entitled roles only)"),
    )
]
extend_schema_view(
    get=extend_schema(
        summary="Complaints as GeoPackage, zipped Shapefile, CSV or KML (202: queued)",
        parameters=_EXPORT_PARAMETERS,
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            202: OpenApiTypes.OBJECT,
        },
    )
)(ComplaintsExportView)
extend_schema_view(
    get=extend_schema(summary="The caller's export jobs", responses={200: OpenApiTypes.OBJECT})
)(ExportJobListView)
extend_schema_view(
    get=extend_schema(summary="One export job", responses={200: OpenApiTypes.OBJECT})
)(ExportJobDetailView)
extend_schema_view(
    get=extend_schema(
        summary="A prepared export file (its owner only)",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
)(ExportJobDownloadView)
