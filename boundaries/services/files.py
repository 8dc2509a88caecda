"""The boundaries as files for anyone (public geography): GeoJSON and GeoPackage.

``/api/boundaries/{provinces,districts,subdistricts}.{geojson,gpkg}`` (api/boundary_files.py),
optionally one province's (``province=49``) and simplified (``tolerance`` in degrees, by
``ST_SimplifyPreserveTopology``; 0 or absent: as loaded). Each file is written once per
boundary load and parameters, under ``MEDIA_ROOT/cache/boundaries/<stamp>/``, and served from
there with an ETag made of the same things, so a client that has it gets a 304. A new
boundary load gives a new stamp (``boundaries_lookup_version.token``), new files and new ETags;
the folders of older stamps are removed when a file for a new one is written.

The licences ask for attribution: the GeoJSON carries it as foreign members (``attribution``,
``license``: RFC 7946 section 6.1 allows them), the GeoPackage in its metadata
(``gpkg_metadata``, dataset and layer) and the layer description.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
from django.conf import settings
from django.contrib.gis.db.models import MultiPolygonField
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db import connection
from django.db.models import F, Func, Value
from django.db.models.fields import FloatField
from django.utils.translation import gettext as _

from boundaries.models import District, Province, Subdistrict
from layers.errors import InvalidInput
from layers.inputs import decimal_value, digits_code

ATTRIBUTION = (
    "Boundaries: Royal Thai Survey Department, via OCHA Humanitarian Data Exchange "
    "(COD-AB Thailand, tha_admbnda_adm3_rtsd_20220121), CC BY 3.0 IGO. Simplified, partly "
    "reconstructed and re-coded to DOPA codes. Codes and names: GeoThai data by Pongsakorn "
    "Thipayanate (CC BY 4.0), from the Department of Provincial Administration."
)
LICENSE = "CC BY 3.0 IGO (geometry); CC BY 4.0 (codes and names)"
# Largest simplification tolerance, in degrees (about 11 km): beyond it areas vanish.
MAX_TOLERANCE = Decimal("0.1")

LEVELS = {
    "provinces": (Province, ("code", "name_th", "name_en", "population", "geom_quality")),
    "districts": (
        District,
        ("code", "name_th", "name_en", "province_code", "population", "geom_quality"),
    ),
    "subdistricts": (
        Subdistrict,
        (
            "code",
            "name_th",
            "name_en",
            "province_code",
            "district_code",
            "population",
            "geom_quality",
        ),
    ),
}
FILE_TYPES = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
}


@dataclass(frozen=True)
class BoundaryFileRequest:
    level: str
    extension: str
    province: str | None = None
    tolerance: Decimal = Decimal(0)

    @property
    def name(self) -> str:
        parts = ["boundaries", self.level]
        if self.province:
            parts.append(self.province)
        if self.tolerance:
            parts.append(f"simplified-{self.tolerance.normalize():f}")
        return "_".join(parts) + f".{self.extension}"


def boundary_file_request(level: str, extension: str, params) -> BoundaryFileRequest:
    """Check the level, the extension and the parameters (``province``, ``tolerance``)."""
    errors = {}
    if level not in LEVELS:
        errors["level"] = _("Unknown level %(level)s; use one of: %(known)s.") % {
            "level": level[:30],
            "known": ", ".join(LEVELS),
        }
    if extension not in FILE_TYPES:
        errors["format"] = _("Unknown format %(format)s; use one of: %(known)s.") % {
            "format": extension[:20],
            "known": ", ".join(FILE_TYPES),
        }
    unknown = sorted(k for k in params.keys() if k not in ("province", "tolerance"))
    if unknown:
        errors["params"] = _("Unknown parameter(s) %(unknown)s; this address takes: %(known)s.") % {
            "unknown": ", ".join(unknown)[:200],
            "known": "province, tolerance",
        }
    province = None
    tolerance = Decimal(0)
    if params.get("province"):
        try:
            province = digits_code(params.get("province"), field="province", digits=2)
            if not Province.objects.filter(code=province).exists():
                errors["province"] = _("There is no province with the code %s.") % province
        except InvalidInput as exc:
            errors.update({k: v[0] for k, v in exc.fields.items()})
    if params.get("tolerance"):
        try:
            tolerance = Decimal(
                str(
                    decimal_value(
                        params.get("tolerance"), field="tolerance", low=0, high=float(MAX_TOLERANCE)
                    )
                )
            )
        except InvalidInput:
            errors["tolerance"] = _(
                "tolerance is a number of degrees from 0 (as loaded) to %(max)s."
            ) % {"max": MAX_TOLERANCE}
    if errors:
        raise InvalidInput(errors)
    return BoundaryFileRequest(level, extension, province, tolerance)


def boundary_stamp() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT token::text FROM boundaries_lookup_version WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else "none"


def boundary_etag(request: BoundaryFileRequest, stamp: str) -> str:
    key = json.dumps(
        [1, stamp, request.level, request.extension, request.province, str(request.tolerance)]
    )
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:40] + '"'


def _rows(request: BoundaryFileRequest):
    model, columns = LEVELS[request.level]
    qs = model.objects.filter(geom__isnull=False).order_by("code")
    if request.province:
        qs = (
            qs.filter(code=request.province)
            if model is Province
            else qs.filter(province_id=request.province)
        )
    geom = F("geom")
    if request.tolerance:
        geom = Func(
            geom,
            Value(float(request.tolerance), output_field=FloatField()),
            function="ST_SimplifyPreserveTopology",
            output_field=MultiPolygonField(srid=4326),
        )
    related = {}
    if "province_code" in columns:
        related["province_code"] = F("province_id")
    if "district_code" in columns:
        related["district_code"] = F("district_id")
    plain = [c for c in columns if c not in related]
    return qs, geom, plain, related, columns


def _write_geojson(request: BoundaryFileRequest, target: Path) -> None:
    qs, geom, plain, related, columns = _rows(request)
    rows = qs.annotate(geometry=AsGeoJSON(geom, precision=6), **related).values_list(
        *columns, "geometry"
    )
    with target.open("w", encoding="utf-8") as out:
        head = {"type": "FeatureCollection", "attribution": ATTRIBUTION, "license": LICENSE}
        out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [')
        first = True
        for row in rows.iterator(chunk_size=500):
            feature = {
                "type": "Feature",
                "id": row[0],
                "geometry": json.loads(row[-1]),
                "properties": dict(zip(columns, row[:-1], strict=True)),
            }
            out.write(("" if first else ",\n") + json.dumps(feature, ensure_ascii=False))
            first = False
        out.write("]}\n")


def _write_geopackage(request: BoundaryFileRequest, target: Path) -> None:
    from django.contrib.gis.db.models.functions import AsWKB
    from pyogrio.raw import write as ogr_write

    qs, geom, plain, related, columns = _rows(request)
    rows = list(qs.annotate(wkb=AsWKB(geom), **related).values_list(*columns, "wkb"))
    geometry = np.array([bytes(r[-1]) for r in rows], dtype=object)
    field_data = []
    for index, name in enumerate(columns):
        values = [r[index] for r in rows]
        if name == "population":
            field_data.append(
                np.array([v if v is not None else -1 for v in values], dtype=np.int64)
            )
        else:
            field_data.append(np.array(values, dtype=object))
    masks = [
        np.array([r[index] is None for r in rows], dtype=bool) if name == "population" else None
        for index, name in enumerate(columns)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ogr_write(
            str(target),
            geometry,
            field_data,
            list(columns),
            field_mask=masks,
            layer=request.level,
            driver="GPKG",
            geometry_type="MultiPolygon",
            crs="EPSG:4326",
            dataset_metadata={"ATTRIBUTION": ATTRIBUTION, "LICENSE": LICENSE},
            layer_metadata={"ATTRIBUTION": ATTRIBUTION, "LICENSE": LICENSE},
            layer_options={"IDENTIFIER": request.level, "DESCRIPTION": ATTRIBUTION},
        )


def boundary_file(request: BoundaryFileRequest) -> tuple[Path, str]:
    """The file for ``request`` at the current boundary stamp (written on first use), and its
    ETag."""
    stamp = boundary_stamp()
    root = Path(settings.MEDIA_ROOT) / "cache" / "boundaries"
    folder = root / stamp
    target = folder / request.name
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="write-", dir=folder))
        try:
            scratch = work / request.name
            if request.extension == "geojson":
                _write_geojson(request, scratch)
            else:
                _write_geopackage(request, scratch)
            scratch.replace(target)  # atomic: a reader sees the whole file or none
        finally:
            shutil.rmtree(work, ignore_errors=True)
        for other in root.iterdir():
            if other.is_dir() and other.name != stamp:
                shutil.rmtree(other, ignore_errors=True)
    return target, boundary_etag(request, stamp)
