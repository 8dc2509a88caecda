"""Open data (ITA, issue 11): the public page ``/open-data/`` and its files, listed in
``/open-data/datapackage.json`` (Frictionless). Thin: ``layers.selectors.opendata`` builds the
suppressed table; every row leaves through ``layers.policy.shape`` as the public sees it."""

from __future__ import annotations

import csv
import io
import json

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from boundaries.models import District, Province
from boundaries.selectors import areas_geojson
from layers import policy
from layers.models import AreaLevel
from layers.selectors import opendata as od
from layers.selectors.exports import content_disposition
from layers.thaidate import format_be_date

# The files, by name: (media type, what it is).
FILES = {
    "complaints-monthly.csv": "text/csv; charset=utf-8",
    "complaints-monthly.json": "application/json",
    "provinces.geojson": "application/geo+json",
    "districts.geojson": "application/geo+json",
}
# Simplification of the area files (degrees, about 500 m): enough for a national map.
GEOJSON_TOLERANCE = 0.005


def public_row(row: dict) -> dict:
    """A row as the public sees it (every column classified in ``opendata.*``)."""
    return policy.shape(policy.PUBLIC_VIEWER, "opendata", row)


def _file_meta(dataset: od.OpenDataset) -> dict:
    return policy.shape(
        policy.PUBLIC_VIEWER,
        "opendatafile",
        {
            "title": "สถิติเรื่องร้องเรียนร้องทุกข์รายเดือน ศูนย์ดำรงธรรม",
            "licence": od.LICENCE["name"],
            "publisher": od.PUBLISHER,
            "updated": dataset.updated.isoformat() if dataset.updated else None,
            "months": [m.be_code for m in dataset.months],
            "pending_months": [m.be_code for m in dataset.pending_months],
            "suppression": od.NOTE_SUPPRESSION_EN,
        },
    )


def _csv(dataset: od.OpenDataset) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(od.COLUMN_NAMES)
    for row in dataset.rows:
        shaped = public_row(row)
        writer.writerow(
            [
                ("true" if v else "false") if isinstance(v, bool) else ("" if v is None else v)
                for v in (shaped[c] for c in od.COLUMN_NAMES)
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode()


def _geojson(dataset: od.OpenDataset, level: str) -> dict:
    figures = {r["area_code"]: public_row(r) for r in od.latest_rows(dataset, level=level)}
    model = Province if level == AreaLevel.PROVINCE else District
    collection = areas_geojson(
        model.objects.all(), properties=("code",), tolerance=GEOJSON_TOLERANCE, precision=5
    )
    for feature in collection["features"]:
        code = feature["properties"]["code"]
        feature["properties"] = figures.get(code) or public_row(
            {c: None for c in od.COLUMN_NAMES} | {"area_code": code, "level": str(level)}
        )
    collection["metadata"] = _file_meta(dataset)
    return collection


def _download(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=FILES[name])
    response["Content-Disposition"] = content_disposition(name, name).replace(
        "attachment", "inline", 1
    )
    response["Cache-Control"] = "public, max-age=600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def open_data_file(request, name: str):
    if name not in FILES:
        raise Http404(_("There is no such open-data file."))
    dataset = od.open_dataset()
    if name.endswith(".csv"):
        return _download(_csv(dataset), name)
    if name == "complaints-monthly.json":
        body = {**_file_meta(dataset), "rows": [public_row(r) for r in dataset.rows]}
    else:
        level = AreaLevel.PROVINCE if name.startswith("provinces") else AreaLevel.DISTRICT
        body = _geojson(dataset, level)
    return _download(json.dumps(body, ensure_ascii=False).encode(), name)


def datapackage(dataset: od.OpenDataset, base_url: str) -> dict:
    """The Frictionless (Tabular) Data Package descriptor of the files."""
    fields = [
        {"name": name, "type": kind, "title": th, "description": en}
        for name, kind, th, en in od.COLUMNS
    ]
    schema = {
        "fields": fields,
        "missingValues": ["", od.SMALL, od.COMPLEMENT],
        "primaryKey": ["month", "area_code", "category_code"],
    }
    geo_fields = ", ".join(od.COLUMN_NAMES)
    last = dataset.months[-1].be_code if dataset.months else "none"
    return {
        "profile": "tabular-data-package",
        "name": "damrong-complaints-monthly",
        "title": "สถิติเรื่องร้องเรียนร้องทุกข์รายเดือน ศูนย์ดำรงธรรม (Damrongdhama Center complaints, monthly)",
        "description": (
            "Monthly complaint counts per province and district by main category: received, "
            "closed and still open at month end, the open backlog, the share closed against "
            "the 80 % target and the median days to close. " + od.NOTE_SUPPRESSION_EN
        ),
        "homepage": base_url,
        "version": last,
        "created": (dataset.updated or timezone.now()).isoformat(),
        "keywords": ["ศูนย์ดำรงธรรม", "complaints", "ITA", "open data", "Thailand"],
        "licenses": [od.LICENCE],
        "contributors": [{"title": od.PUBLISHER, "role": "publisher"}],
        "sources": [
            {"title": "Damrong GIS month-end snapshots (MonthFigure), DOPA", "path": base_url}
        ],
        "resources": [
            {
                "name": "complaints-monthly",
                "path": "complaints-monthly.csv",
                "profile": "tabular-data-resource",
                "title": "Monthly figures (CSV, UTF-8 with BOM)",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "dialect": {"delimiter": ",", "header": True},
                "schema": schema,
            },
            {
                "name": "complaints-monthly-json",
                "path": "complaints-monthly.json",
                "title": "Monthly figures (JSON: the same rows under 'rows')",
                "format": "json",
                "mediatype": "application/json",
                "encoding": "utf-8",
                "schema": schema,
            },
            {
                "name": "provinces-latest",
                "path": "provinces.geojson",
                "title": f"Provinces with the figures of {last} (GeoJSON)",
                "description": f"Polygons (EPSG:4326, simplified) with properties: {geo_fields}",
                "format": "geojson",
                "mediatype": "application/geo+json",
                "encoding": "utf-8",
            },
            {
                "name": "districts-latest",
                "path": "districts.geojson",
                "title": f"Districts with the figures of {last} (GeoJSON)",
                "description": f"Polygons (EPSG:4326, simplified) with properties: {geo_fields}",
                "format": "geojson",
                "mediatype": "application/geo+json",
                "encoding": "utf-8",
            },
        ],
    }


@require_GET
def open_data_package(request):
    base = request.build_absolute_uri(reverse("open_data"))
    response = JsonResponse(
        datapackage(od.open_dataset(), base), json_dumps_params={"ensure_ascii": False}
    )
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=600"
    return response


@require_GET
def open_data(request):
    dataset = od.open_dataset()
    provinces = [public_row(r) for r in od.latest_rows(dataset, level=AreaLevel.PROVINCE)]
    country = od.latest_rows(dataset, level=AreaLevel.COUNTRY)
    return render(
        request,
        "maps/opendata/page.html",
        {
            "dataset": dataset,
            "last_month": dataset.months[-1] if dataset.months else None,
            "first_month": dataset.months[0] if dataset.months else None,
            "pending": ", ".join(m.label() for m in dataset.pending_months),
            "updated": format_be_date(dataset.updated, with_time=True),
            "provinces": provinces,
            "country": public_row(country[0]) if country else None,
            "columns": od.COLUMNS,
            "files": [{"name": n, "url": reverse("open_data_file", args=[n])} for n in FILES],
            "licence": od.LICENCE,
            "publisher": od.PUBLISHER,
            "target": od.metrics.CLOSED_SHARE_TARGET_PERCENT,
            "small": od.SMALL,
            "complement": od.COMPLEMENT,
        },
    )
