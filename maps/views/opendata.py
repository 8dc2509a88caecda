"""Open data (ITA, issue 11): the public page ``/open-data/`` and its files, listed in
``/open-data/datapackage.json`` (Frictionless). Thin, and fast: the files are built on the job
queue (``layers.services.opendata.opendata_build``, right after a month is frozen) and these
views only read what was built (``layers.selectors.opendata.published_build``); before the
first build the page says the data is being prepared and the files answer 503."""

from __future__ import annotations

from datetime import datetime

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from layers.selectors import opendata as od
from layers.selectors.exports import content_disposition
from layers.services.opendata import FILES
from layers.thaidate import Month, format_be_date

RETRY_SECONDS = 600


def _preparing():
    response = JsonResponse(
        {
            "code": "opendata_preparing",
            "description": _("The open data is being prepared. Please try again later."),
            "fields": {},
        },
        status=503,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Retry-After"] = str(RETRY_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _public(response):
    response["Cache-Control"] = "public, max-age=600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def open_data_file(request, name: str):
    if name not in FILES:
        raise Http404(_("There is no such open-data file."))
    build = od.published_build()
    if build is None:
        return _preparing()
    response = FileResponse(build.path(name).open("rb"), content_type=FILES[name])
    response["Content-Disposition"] = content_disposition(name, name).replace(
        "attachment", "inline", 1
    )
    return _public(response)


@require_GET
def open_data_package(request):
    build = od.published_build()
    if build is None:
        return _preparing()
    base = request.build_absolute_uri(reverse("open_data"))
    descriptor = build.read_json("datapackage.json")
    descriptor["homepage"] = base
    for source in descriptor.get("sources", []):
        source["path"] = base
    response = JsonResponse(descriptor, json_dumps_params={"ensure_ascii": False})
    return _public(response)


@require_GET
def open_data(request):
    build = od.published_build()
    context = {
        "columns": od.COLUMNS,
        "files": [{"name": n, "url": reverse("open_data_file", args=[n])} for n in FILES],
        "licence": od.LICENCE,
        "publisher": od.PUBLISHER,
        "target": od.metrics.CLOSED_SHARE_TARGET_PERCENT,
        "small": od.SMALL,
        "complement": od.COMPLEMENT,
        "preparing": build is None,
    }
    if build is not None:
        page = build.read_json("page.json")
        months = [Month.parse(m) for m in page["months"]]
        updated = datetime.fromisoformat(page["updated"]) if page["updated"] else None
        context |= {
            "last_month": months[-1] if months else None,
            "first_month": months[0] if months else None,
            "pending": ", ".join(Month.parse(m).label() for m in page["pending_months"]),
            "updated": format_be_date(updated, with_time=True),
            "provinces": page["provinces"],
            "country": page["country"],
        }
    return render(request, "maps/opendata/page.html", context)
