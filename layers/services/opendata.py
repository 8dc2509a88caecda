"""Open data (ITA, issue 11): building the published files, on the job queue.

The public never waits for the table: ``opendata_build`` (the job ``layers.opendata_build``,
queued right after a month is frozen, and ``manage.py opendata_build``) builds the suppressed
table once (``layers.selectors.opendata.build_dataset``), shapes every row as the public sees
it (``layers.policy.shape``) and writes the files under ``MEDIA_ROOT/open-data/<version>/``:

* ``complaints-monthly.csv`` — UTF-8 with a BOM, one row per month × area × category;
* ``complaints-monthly.json`` — compact: the file's metadata, ``fields`` (the column names, in
  order) and ``rows``, each row an array of values in the order of ``fields`` (the object form
  repeated every column name in every row: 70 MB nationally);
* ``provinces.geojson``, ``districts.geojson`` — the areas with the last month's figures;
* ``datapackage.json`` — the Frictionless descriptor (its ``homepage`` is added per request);
* ``page.json`` — what ``/open-data/`` shows.

Then ``MEDIA_ROOT/open-data/current.json`` is replaced (atomically) to point at the new
version; requests read only that pointer and the files it names
(``layers.selectors.opendata.published_build``). Older versions but the previous one are
removed (a request that read the old pointer a moment ago still finds its files).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import time
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from layers import policy
from layers.models import AreaLevel
from layers.selectors import opendata as od
from layers.thaidate import Month

# The files, by name: their media type.
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


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(od.COLUMN_NAMES)
    for shaped in rows:
        writer.writerow(
            [
                ("true" if v else "false") if isinstance(v, bool) else ("" if v is None else v)
                for v in (shaped[c] for c in od.COLUMN_NAMES)
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode()


def _json(dataset: od.OpenDataset, rows: list[dict]) -> bytes:
    body = {
        **_file_meta(dataset),
        **policy.shape(policy.PUBLIC_VIEWER, "opendatafile", {"fields": list(od.COLUMN_NAMES)}),
        "rows": [[r[c] for c in od.COLUMN_NAMES] for r in rows],
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _geojson(dataset: od.OpenDataset, level: str) -> bytes:
    from boundaries.models import District, Province
    from boundaries.selectors import areas_geojson

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
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()


def datapackage(dataset: od.OpenDataset) -> dict:
    """The Frictionless (Tabular) Data Package descriptor of the files (``homepage`` and the
    source's ``path`` are the page's address, added when it is served)."""
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
        "homepage": "",
        "version": last,
        "created": (dataset.updated or timezone.now()).isoformat(),
        "keywords": ["ศูนย์ดำรงธรรม", "complaints", "ITA", "open data", "Thailand"],
        "licenses": [od.LICENCE],
        "contributors": [{"title": od.PUBLISHER, "role": "publisher"}],
        "sources": [{"title": "Damrong GIS month-end snapshots (MonthFigure), DOPA", "path": ""}],
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
                "title": "Monthly figures (JSON, compact: column names once, rows as arrays)",
                "description": (
                    "One JSON object: the file's metadata (title, licence, publisher, updated, "
                    "months, pending_months, suppression), 'fields' (the column names of the "
                    "schema, in order) and 'rows': each row an array of values in the order "
                    "of 'fields' (the same rows as the CSV). Counts are numbers, or the "
                    'strings "<5" and "x" where withheld; empty values are null.'
                ),
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


def _page(dataset: od.OpenDataset, provinces: list[dict], country: list[dict]) -> dict:
    return {
        "months": [m.be_code for m in dataset.months],
        "pending_months": [m.be_code for m in dataset.pending_months],
        "updated": dataset.updated.isoformat() if dataset.updated else None,
        "provinces": provinces,
        "country": country[0] if country else None,
    }


def _write(path: Path, content: bytes) -> int:
    path.write_bytes(content)
    return len(content)


def opendata_build(*, now: datetime | None = None) -> dict:
    """Build the published files now and make them the current version; returns the pointer
    written (``version``, ``as_of``, the months, file sizes, seconds)."""
    now = now or timezone.now()
    started = time.perf_counter()
    dataset = od.build_dataset(now=now)
    built_table = time.perf_counter() - started
    rows = [public_row(r) for r in dataset.rows]
    root = od.opendata_root()
    root.mkdir(parents=True, exist_ok=True)
    version = f"{dataset.months[-1].be_code if dataset.months else 'none'}-{timezone.now():%Y%m%dT%H%M%S%f}"
    work = root / f".{version}.tmp"
    work.mkdir()
    sizes = {
        "complaints-monthly.csv": _write(work / "complaints-monthly.csv", _csv(rows)),
        "complaints-monthly.json": _write(work / "complaints-monthly.json", _json(dataset, rows)),
        "provinces.geojson": _write(
            work / "provinces.geojson", _geojson(dataset, AreaLevel.PROVINCE)
        ),
        "districts.geojson": _write(
            work / "districts.geojson", _geojson(dataset, AreaLevel.DISTRICT)
        ),
    }
    _write(work / "datapackage.json", json.dumps(datapackage(dataset), ensure_ascii=False).encode())
    provinces = [public_row(r) for r in od.latest_rows(dataset, level=AreaLevel.PROVINCE)]
    country = [public_row(r) for r in od.latest_rows(dataset, level=AreaLevel.COUNTRY)]
    _write(
        work / "page.json",
        json.dumps(_page(dataset, provinces, country), ensure_ascii=False).encode(),
    )
    os.replace(work, root / version)
    pointer = {
        "version": version,
        "as_of": Month.of(now).be_code,
        "built_at": timezone.now().isoformat(),
        "months": [m.be_code for m in dataset.months],
        "rows": len(rows),
        "sizes": sizes,
        "table_s": round(built_table, 2),
        "build_s": round(time.perf_counter() - started, 2),
    }
    tmp = root / ".current.json.tmp"
    tmp.write_text(json.dumps(pointer))
    os.replace(tmp, root / od.CURRENT)
    _remove_old(root, keep={version, _previous_version(root, version)})
    return pointer


def _previous_version(root: Path, version: str) -> str | None:
    older = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
    )
    older = [p.name for p in older if p.name != version]
    return older[-1] if older else None


def _remove_old(root: Path, keep: set) -> None:
    for path in root.iterdir():
        if path.is_dir() and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def opendata_build_due(*, now: datetime | None = None) -> bool:
    """Whether the published files are missing or were built for another month than ``now``'s
    (then the twelve published months have moved on)."""
    current = od.published_build()
    return (
        current is None or current.pointer.get("as_of") != Month.of(now or timezone.now()).be_code
    )


def opendata_build_queue(*, now: datetime | None = None) -> bool:
    """Queue the build (one waiting at a time); False when one waits already."""
    from procrastinate.exceptions import AlreadyEnqueued

    from layers.tasks import opendata_build as task  # the task module imports this one

    stamp = int((now or timezone.now()).timestamp())
    try:
        with transaction.atomic():  # a savepoint: the refused insert must not end the caller's
            task.configure(queueing_lock="opendata_build").defer(timestamp=stamp)
    except AlreadyEnqueued:
        return False
    return True
