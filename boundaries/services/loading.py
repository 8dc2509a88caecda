"""Load Thailand's province, district and sub-district polygons into PostGIS.

Two source schemas are read:

* ``geojson``: the files in ``../shared/data/boundaries`` (``provinces.geojson``,
  ``districts.geojson``, ``subdistricts.geojson``; properties ``code``, ``name_th``,
  ``name_en``, ``parent_code`` ...). See that folder's README.
* ``cod-ab``: OCHA/HDX COD-AB Thailand shapefiles as downloaded from
  https://data.humdata.org/dataset/cod-ab-tha (``tha_admbnda_adm1_*.shp``, ``..._adm2_*``,
  ``..._adm3_*``; fields ``ADMx_PCODE`` = "TH" + DOPA code, ``ADMx_TH``, ``ADMx_EN``).

Both go through the same steps: read features into plain records, repair invalid polygons,
check that every district has its province and every sub-district its district (failing
loudly otherwise), upsert by code (a re-run updates in place), add population, and rebuild
the subdivided lookup table. All of it happens in one transaction: a failure leaves the
database as it was.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.gis.gdal import DataSource, SpatialReference
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import connection, transaction

from boundaries.models import BoundaryLoad, District, Province, Subdistrict

logger = logging.getLogger(__name__)

LEVELS = ("province", "district", "subdistrict")
CODE_LENGTH = {"province": 2, "district": 4, "subdistrict": 6}
GEOJSON_FILES = {
    "province": "provinces.geojson",
    "district": "districts.geojson",
    "subdistrict": "subdistricts.geojson",
}
COD_AB_LEVEL = {"province": 1, "district": 2, "subdistrict": 3}


class BoundaryLoadError(Exception):
    """The source data cannot be loaded as it is; the message says what is wrong."""


@dataclass
class AreaRecord:
    level: str
    code: str
    name_th: str
    name_en: str
    parent_code: str | None
    geom: MultiPolygon | None
    geom_quality: str = "full"
    area_km2: float | None = None
    in_geothai: bool = True
    successor_codes: str = ""
    source_pcode: str = ""
    source_name_th: str = ""
    source_name_en: str = ""
    covered_by: str | None = None


@dataclass
class LoadReport:
    source_dir: str
    source_format: str
    fingerprint: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    repaired: list[str] = field(default_factory=list)
    geothai_mismatches: list[str] = field(default_factory=list)
    without_polygon: list[str] = field(default_factory=list)
    pieces: int = 0
    skipped: bool = False
    dry_run: bool = False


# ------------------------------------------------------------------------------------ reading


def detect_format(source_dir: Path) -> str:
    if (source_dir / GEOJSON_FILES["subdistrict"]).exists():
        return "geojson"
    if any(source_dir.glob("*adm3*.shp")):
        return "cod-ab"
    raise BoundaryLoadError(
        f"{source_dir} holds neither {GEOJSON_FILES['subdistrict']} nor a COD-AB "
        "'*adm3*.shp' shapefile. Download the data as the README says, or give --path."
    )


def source_files(source_dir: Path, fmt: str) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for level in LEVELS:
        if fmt == "geojson":
            path = source_dir / GEOJSON_FILES[level]
            matches = [path] if path.exists() else []
        else:
            matches = sorted(source_dir.glob(f"*adm{COD_AB_LEVEL[level]}*.shp"))
        if not matches:
            raise BoundaryLoadError(f"no {level} layer found in {source_dir} ({fmt} schema)")
        files[level] = matches[0]
    return files


def fingerprint(files: Iterable[Path]) -> str:
    """SHA-256 over the content of the source files (and population.csv beside them)."""
    digest = hashlib.sha256()
    paths = sorted(set(files))
    for path in paths:
        extra = [path]
        if path.suffix == ".shp":
            extra = sorted(path.parent.glob(path.stem + ".*"))
        for p in extra:
            digest.update(p.name.encode())
            with p.open("rb") as fh:
                for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    digest.update(chunk)
    return digest.hexdigest()


def _field(feature, name, default=None):
    try:
        value = feature.get(name)
    except (IndexError, KeyError):
        return default
    return default if value is None else value


def _text(value) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _to_multipolygon(geom: GEOSGeometry) -> MultiPolygon | None:
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon(geom, srid=geom.srid)
    # A repaired or odd geometry: keep its polygon parts only.
    polys = []
    for part in geom:
        if isinstance(part, Polygon):
            polys.append(part)
        elif isinstance(part, MultiPolygon):
            polys.extend(part)
    return MultiPolygon(*polys, srid=geom.srid) if polys else None


def _read_layer(path: Path):
    ds = DataSource(str(path), encoding="utf-8")
    layer = ds[0]
    srs = layer.srs
    transform = None
    if srs is not None and srs.srid != 4326:
        transform = SpatialReference(4326)
    return ds, layer, transform


def read_records(path: Path, level: str, fmt: str, progress=None) -> list[AreaRecord]:
    ds, layer, transform = _read_layer(path)  # noqa: F841  (ds keeps the layer alive)
    fields = set(layer.fields)
    records: list[AreaRecord] = []
    n = COD_AB_LEVEL[level]
    for feature in _progress(layer, total=len(layer), desc=f"reading {level}s", progress=progress):
        ogr = feature.geom
        if transform is not None:
            ogr.transform(transform)
        geom = GEOSGeometry(ogr.wkb, srid=4326)
        if fmt == "geojson":
            record = AreaRecord(
                level=level,
                code=_text(_field(feature, "code")),
                name_th=_text(_field(feature, "name_th")),
                name_en=_text(_field(feature, "name_en")),
                parent_code=_text(_field(feature, "parent_code")) or None,
                geom=geom,
                geom_quality=_text(_field(feature, "geom_quality")) or "full",
                area_km2=_field(feature, "area_km2"),
                in_geothai=bool(_field(feature, "in_geothai", True)),
                successor_codes=_text(_field(feature, "successor_codes")),
                source_pcode=_text(_field(feature, "source_pcode")),
                source_name_th=_text(_field(feature, "source_name_th")),
                source_name_en=_text(_field(feature, "source_name_en")),
            )
        else:
            pcode = _text(_field(feature, f"ADM{n}_PCODE"))
            if not pcode.upper().startswith("TH"):
                raise BoundaryLoadError(
                    f"{path.name}: ADM{n}_PCODE {pcode!r} does not start with 'TH'"
                )
            parent_field = f"ADM{n - 1}_PCODE"
            parent = _text(_field(feature, parent_field)) if parent_field in fields else ""
            record = AreaRecord(
                level=level,
                code=pcode[2:],
                name_th=_text(_field(feature, f"ADM{n}_TH")),
                name_en=_text(_field(feature, f"ADM{n}_EN")),
                parent_code=parent[2:] if parent else None,
                geom=geom,
                source_pcode=pcode,
                source_name_th=_text(_field(feature, f"ADM{n}_TH")),
                source_name_en=_text(_field(feature, f"ADM{n}_EN")),
            )
        if len(record.code) != CODE_LENGTH[level] or not record.code.isdigit():
            raise BoundaryLoadError(
                f"{path.name}: a {level} code must have {CODE_LENGTH[level]} digits, "
                f"got {record.code!r}"
            )
        if level != "province" and not record.parent_code:
            # COD-AB carries the parent's P-code; the code prefix is the DOPA rule anyway.
            record.parent_code = record.code[: CODE_LENGTH[level] - 2]
        records.append(record)
    return records


def _progress(iterable, *, total, desc, progress):
    if progress is False:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=" areas", file=sys.stderr, leave=False)


# ------------------------------------------------------------------------------------ checking


def repair(records: list[AreaRecord]) -> list[str]:
    """Make invalid polygons valid (GEOS MakeValid), keeping only their polygon parts."""
    repaired = []
    for record in records:
        if record.geom is None or record.geom.valid:
            continue
        fixed = _to_multipolygon(record.geom.make_valid())
        if fixed is None or fixed.empty or not fixed.valid:
            raise BoundaryLoadError(
                f"{record.level} {record.code}: the polygon is invalid and could not be repaired "
                f"({record.geom.valid_reason})"
            )
        record.geom = fixed
        repaired.append(f"{record.level} {record.code}")
    for record in records:
        if record.geom is not None:
            record.geom = _to_multipolygon(record.geom)
    return repaired


def check_parents(by_level: dict[str, list[AreaRecord]]) -> None:
    """Every district names a known province, every sub-district a known district."""
    known = {
        "province": {r.code for r in by_level["province"]}
        | set(Province.objects.values_list("code", flat=True)),
        "district": {r.code for r in by_level["district"]}
        | set(District.objects.values_list("code", flat=True)),
    }
    problems = []
    for level, parent_level in (("district", "province"), ("subdistrict", "district")):
        for record in by_level[level]:
            if record.parent_code not in known[parent_level]:
                problems.append(
                    f"{level} {record.code} {record.name_th}: its {parent_level} "
                    f"{record.parent_code!r} is not in the data"
                )
    if problems:
        shown = "\n  ".join(problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise BoundaryLoadError(f"{len(problems)} areas have no parent:\n  {shown}{more}")
    seen: dict[str, set[str]] = {}
    for level, records in by_level.items():
        codes = [r.code for r in records]
        dupes = {c for c in codes if codes.count(c) > 1} if len(codes) != len(set(codes)) else set()
        if dupes:
            raise BoundaryLoadError(f"duplicate {level} codes in the source: {sorted(dupes)[:20]}")
        seen[level] = set(codes)


def geothai_cross_check(by_level: dict[str, list[AreaRecord]]) -> tuple[list[str], list]:
    """Compare codes and Thai names with the geothai package.

    Returns the printable mismatches and the geothai sub-districts that have no polygon in the
    loaded provinces (they are stored without geometry).
    """
    import geothai

    provinces = geothai.provinces()
    districts = [d for p in provinces for d in geothai.districts(p.code)]
    lookup = {
        "province": {p.code: p for p in provinces},
        "district": {d.code: d for d in districts},
        "subdistrict": {s.code: s for d in districts for s in geothai.subdistricts(d.code)},
    }
    mismatches = []
    for level, records in by_level.items():
        for record in records:
            official = lookup[level].get(record.code)
            if official is None:
                note = f" (successors {record.successor_codes})" if record.successor_codes else ""
                mismatches.append(
                    f"{level} {record.code} {record.name_th}: not a current geothai code{note}"
                )
                record.in_geothai = False
            elif official.name_th != record.name_th:
                mismatches.append(
                    f"{level} {record.code}: name {record.name_th!r} here, {official.name_th!r} in geothai"
                )
    loaded_districts = {r.code for r in by_level["district"]}
    polygon_codes = {r.code for r in by_level["subdistrict"]}
    missing = [
        s
        for s in lookup["subdistrict"].values()
        if s.district_code in loaded_districts and s.code not in polygon_codes
    ]
    for s in missing:
        mismatches.append(f"subdistrict {s.code} {s.name_th}: in geothai but has no polygon")
    return mismatches, missing


def read_population(source_dir: Path) -> dict[tuple[str, str], tuple[int, int]]:
    path = source_dir / "population.csv"
    if not path.exists():
        return {}
    out = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                out[(row["level"], row["code"])] = (int(row["population"]), int(row["year"]))
            except (KeyError, ValueError) as exc:
                raise BoundaryLoadError(f"{path.name}: bad row {row!r}") from exc
    return out


def read_covering_polygons(source_dir: Path) -> dict[str, str]:
    """code_mismatches.csv names the polygon that covers each code without its own."""
    path = source_dir / "code_mismatches.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            row["code"]: row["polygon_code"]
            for row in csv.DictReader(fh)
            if row.get("kind") == "geothai_code_without_polygon" and row.get("polygon_code")
        }


# ------------------------------------------------------------------------------------ writing


def _upsert(model, rows: list, fields: list[str]) -> None:
    model.objects.bulk_create(
        rows, batch_size=500, update_conflicts=True, unique_fields=["code"], update_fields=fields
    )


def rebuild_pieces(max_vertices: int | None = None) -> int:
    """Refill the subdivided lookup table from the sub-district polygons.

    Raw SQL because ST_Subdivide is a set-returning function the ORM cannot express; the
    statement has no user input.
    """
    max_vertices = max_vertices or settings.BOUNDARIES_SUBDIVIDE_MAX_VERTICES
    with connection.cursor() as cur:
        cur.execute("DELETE FROM boundaries_subdistrictpiece")
        cur.execute(
            """
            INSERT INTO boundaries_subdistrictpiece (subdistrict_id, district_code, province_code, geom)
            SELECT s.code, s.district_id, s.province_id, ST_Subdivide(s.geom, %s)
            FROM boundaries_subdistrict s
            WHERE s.geom IS NOT NULL
            """,
            [max_vertices],
        )
        count = cur.rowcount
        cur.execute("ANALYZE boundaries_subdistrictpiece")
    return count


def load_boundaries(
    *,
    source_dir: Path | str | None = None,
    fmt: str = "auto",
    dry_run: bool = False,
    if_changed: bool = False,
    progress: bool | None = None,
    provinces: list[str] | None = None,
) -> LoadReport:
    """Load (or re-load in place) the boundaries in ``source_dir``. See the module docstring.

    ``provinces`` limits the load to those province codes (for tests and partial updates).
    """
    source_dir = Path(source_dir or settings.BOUNDARIES_DATA_DIR).expanduser().resolve()
    if not source_dir.is_dir():
        raise BoundaryLoadError(
            f"boundary folder {source_dir} does not exist: set BOUNDARIES_DATA_DIR or --path"
        )
    fmt = detect_format(source_dir) if fmt == "auto" else fmt
    if fmt not in ("geojson", "cod-ab"):
        raise BoundaryLoadError(f"unknown format {fmt!r}: use geojson or cod-ab")
    files = source_files(source_dir, fmt)
    extra = [p for p in (source_dir / "population.csv",) if p.exists()]
    report = LoadReport(source_dir=str(source_dir), source_format=fmt, dry_run=dry_run)
    report.fingerprint = fingerprint([*files.values(), *extra])

    if provinces:
        report.fingerprint += ":" + ",".join(sorted(provinces))
    if if_changed and not dry_run:
        last = BoundaryLoad.objects.filter(fingerprint=report.fingerprint).first()
        if last is not None and Subdistrict.objects.exists():
            report.skipped = True
            report.counts = {
                "province": last.provinces,
                "district": last.districts,
                "subdistrict": last.subdistricts,
            }
            report.pieces = last.pieces
            return report

    by_level = {level: read_records(files[level], level, fmt, progress) for level in LEVELS}
    if provinces:
        wanted = tuple(provinces)
        by_level = {
            level: [r for r in records if r.code.startswith(wanted)]
            for level, records in by_level.items()
        }
        if not by_level["province"]:
            raise BoundaryLoadError(f"no province {', '.join(wanted)} in {source_dir}")
    for level in LEVELS:
        report.repaired += repair(by_level[level])
    check_parents(by_level)
    report.geothai_mismatches, missing = geothai_cross_check(by_level)
    population = read_population(source_dir)
    covering = read_covering_polygons(source_dir)

    with transaction.atomic():
        _write(by_level, missing, population, covering, progress)
        report.pieces = rebuild_pieces()
        report.counts = {level: len(by_level[level]) for level in LEVELS}
        report.without_polygon = [s.code for s in missing]
        BoundaryLoad.objects.create(
            source_dir=str(source_dir),
            source_format=fmt,
            fingerprint=report.fingerprint,
            provinces=report.counts["province"],
            districts=report.counts["district"],
            subdistricts=report.counts["subdistrict"] + len(missing),
            pieces=report.pieces,
            repaired=len(report.repaired),
            geothai_mismatches=len(report.geothai_mismatches),
        )
        if dry_run:
            transaction.set_rollback(True)
    return report


def _write(by_level, missing, population, covering, progress) -> None:
    def pop(level, code):
        return population.get((level, code), (None, None))

    common = [
        "name_th",
        "name_en",
        "population",
        "population_year",
        "area_km2",
        "geom_quality",
        "geom",
    ]
    provinces = []
    for r in by_level["province"]:
        p, y = pop("province", r.code)
        provinces.append(
            Province(
                code=r.code,
                name_th=r.name_th,
                name_en=r.name_en,
                population=p,
                population_year=y,
                area_km2=r.area_km2,
                geom_quality=r.geom_quality,
                geom=r.geom,
            )
        )
    _upsert(Province, provinces, common)

    districts = []
    for r in by_level["district"]:
        p, y = pop("district", r.code)
        districts.append(
            District(
                code=r.code,
                province_id=r.parent_code,
                name_th=r.name_th,
                name_en=r.name_en,
                population=p,
                population_year=y,
                area_km2=r.area_km2,
                geom_quality=r.geom_quality,
                geom=r.geom,
            )
        )
    _upsert(District, districts, [*common, "province"])

    district_province = dict(District.objects.values_list("code", "province_id"))
    subdistricts = []
    for r in _progress(
        by_level["subdistrict"],
        total=len(by_level["subdistrict"]),
        desc="writing sub-districts",
        progress=progress,
    ):
        p, y = pop("subdistrict", r.code)
        subdistricts.append(
            Subdistrict(
                code=r.code,
                district_id=r.parent_code,
                province_id=district_province[r.parent_code],
                name_th=r.name_th,
                name_en=r.name_en,
                population=p,
                population_year=y,
                area_km2=r.area_km2,
                geom_quality=r.geom_quality,
                geom=r.geom,
                in_geothai=r.in_geothai,
                successor_codes=r.successor_codes,
                source_pcode=r.source_pcode,
                source_name_th=r.source_name_th,
                source_name_en=r.source_name_en,
                covered_by=None,
            )
        )
    sub_fields = [
        *common,
        "district",
        "province",
        "in_geothai",
        "successor_codes",
        "source_pcode",
        "source_name_th",
        "source_name_en",
        "covered_by",
    ]
    _upsert(Subdistrict, subdistricts, sub_fields)

    # Current DOPA codes with no polygon of their own: stored without geometry, pointing at the
    # polygon that contains them, so that statistics and forms know every code.
    polygon_codes = {r.code for r in by_level["subdistrict"]}
    no_polygon = []
    for s in missing:
        p, y = pop("subdistrict", s.code)
        cover = covering.get(s.code)
        no_polygon.append(
            Subdistrict(
                code=s.code,
                district_id=s.district_code,
                province_id=s.province_code,
                name_th=s.name_th,
                name_en=s.name_en,
                population=p,
                population_year=y,
                geom=None,
                in_geothai=True,
                covered_by_id=cover if cover in polygon_codes else None,
                area_km2=None,
                geom_quality="full",
            )
        )
    _upsert(Subdistrict, no_polygon, sub_fields)
