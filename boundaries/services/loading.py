"""Load Thailand's province, district and sub-district polygons into PostGIS.

Two source schemas are read:

* ``geojson``: ``provinces.geojson``, ``districts.geojson`` and ``subdistricts.geojson``
  (properties ``code``, ``name_th``, ``name_en``, ``parent_code`` ...), each plain or gzipped
  (``.geojson.gz``, read by GDAL through ``/vsigzip/``). The project ships the simplified
  national layers gzipped in ``boundaries/data`` (the default BOUNDARIES_DATA_DIR), with the
  Mukdahan sample in ``boundaries/data/sample``; see that folder's README.
* ``cod-ab``: OCHA/HDX COD-AB Thailand shapefiles as downloaded from
  https://data.humdata.org/dataset/cod-ab-tha (``tha_admbnda_adm1_*.shp``, ``..._adm2_*``,
  ``..._adm3_*``; fields ``ADMx_PCODE`` = "TH" + DOPA code, ``ADMx_TH``, ``ADMx_EN`` and the
  parent's ``ADM(x-1)_PCODE``), unpacked in a folder or still in the downloaded ``.zip``.

Both go through the same steps: read features into plain records, repair invalid polygons,
check that every district has its province and every sub-district its district (failing
loudly otherwise), cross-check codes and names with ``geothai``, upsert by code (a re-run
updates in place), add population, and rebuild the subdivided lookup table. The writes happen
in one transaction: a failure leaves the database as it was.

A load replaces the provinces it contains and leaves the others alone, so the Mukdahan sample
can be loaded beside (or over) the national data.
"""

from __future__ import annotations

import csv
import hashlib
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geothai
from django.conf import settings
from django.contrib.gis.gdal import DataSource, GDALException, SpatialReference
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import connection, transaction
from geothai.abolished import abolished_areas
from psycopg import sql
from tqdm import tqdm

from boundaries import point_index
from boundaries.models import BoundaryLoad, District, Province, Subdistrict, SubdistrictPiece

# Part of the fingerprint: bump it when the loader writes something new, so that
# ``--if-changed`` reloads unchanged files once after an upgrade.
LOADER_VERSION = "2"

LEVELS = ("province", "district", "subdistrict")
PARENT_LEVEL = {"district": "province", "subdistrict": "district"}
CODE_LENGTH = {"province": 2, "district": 4, "subdistrict": 6}
GEOJSON_FILES = {
    "province": "provinces.geojson",
    "district": "districts.geojson",
    "subdistrict": "subdistricts.geojson",
}
# The data shipped with the project: the default BOUNDARIES_DATA_DIR, and where population.csv
# is found when the loaded folder (e.g. an HDX download) has none.
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "data"
COD_AB_LEVEL = {"province": 1, "district": 2, "subdistrict": 3}
MODELS = {"province": Province, "district": District, "subdistrict": Subdistrict}


class BoundaryLoadError(Exception):
    """The source data cannot be loaded as it is; the message says what is wrong."""


@dataclass
class AreaRecord:
    level: str
    code: str
    name_th: str
    name_en: str
    parent_code: str | None
    geom: GEOSGeometry | None
    geom_quality: str = "full"
    area_km2: float | None = None
    in_geothai: bool = True
    successor_codes: str = ""
    source_pcode: str = ""
    source_name_th: str = ""
    source_name_en: str = ""
    province_code: str | None = None  # a sub-district's province, when the source says it


@dataclass
class Source:
    """Where the three layers are, in GDAL's terms (a file path or a /vsizip/ path)."""

    path: Path
    fmt: str
    layers: dict[str, str]
    files: list[Path]  # the real files behind the layers, for the fingerprint
    side_dir: Path  # where population.csv and code_mismatches.csv may sit


@dataclass
class LoadReport:
    source_dir: str
    source_format: str
    fingerprint: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    repaired: list[str] = field(default_factory=list)
    geothai_mismatches: list[str] = field(default_factory=list)
    without_polygon: list[str] = field(default_factory=list)
    # Codes in the database, inside the loaded provinces, that the source no longer has: kept
    # (cases may refer to them) but without a polygon, so no look-up returns them.
    stale: list[str] = field(default_factory=list)
    population_source: str = ""
    without_population: list[str] = field(default_factory=list)
    pieces: int = 0
    skipped: bool = False
    dry_run: bool = False


# ------------------------------------------------------------------------------------ finding


def _cod_ab_layer(names: Iterable[str], level: str, where: str) -> str | None:
    """The shapefile of one COD-AB level among ``names``; None when there is none.

    HDX's zip also holds line and point layers (``admbndl``, ``admbndp``); the polygons are
    ``admbnda``, so those win when several files match.
    """
    pattern = re.compile(rf"adm{COD_AB_LEVEL[level]}(?!\d)", re.IGNORECASE)
    matches = sorted(
        n for n in names if n.lower().endswith(".shp") and pattern.search(Path(n).name)
    )
    polygons = [n for n in matches if "admbnda" in Path(n).name.lower()]
    matches = polygons or matches
    if len(matches) > 1:
        raise BoundaryLoadError(
            f"several {level} shapefiles in {where}: {', '.join(matches)}; keep one or give --path"
        )
    return matches[0] if matches else None


def _cod_ab_in_zip(zip_path: Path) -> Source | None:
    try:
        with zipfile.ZipFile(zip_path) as zf:
            names = zf.namelist()
    except zipfile.BadZipFile as exc:
        raise BoundaryLoadError(f"{zip_path} is not a readable zip file") from exc
    inner = {level: _cod_ab_layer(names, level, zip_path.name) for level in LEVELS}
    if inner["subdistrict"] is None:
        return None
    missing = [level for level, name in inner.items() if name is None]
    if missing:
        raise BoundaryLoadError(f"{zip_path} has no {' or '.join(missing)} shapefile (adm1/2/3)")
    return Source(
        path=zip_path,
        fmt="cod-ab",
        layers={level: f"/vsizip/{zip_path}/{name}" for level, name in inner.items()},
        files=[zip_path],
        side_dir=zip_path.parent,
    )


def _geojson_file(folder: Path, level: str) -> Path | None:
    """The GeoJSON file of ``level`` in ``folder``: plain, else gzipped; None when neither.

    Plain wins so that a layer unpacked beside its ``.gz`` (``gunzip -k``) to be edited is the
    one loaded.
    """
    for name in (GEOJSON_FILES[level], f"{GEOJSON_FILES[level]}.gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def find_source(path: Path, fmt: str = "auto") -> Source:
    """Work out the schema and the three layers from a folder or a COD-AB ``.zip``."""
    if fmt not in ("auto", "geojson", "cod-ab"):
        raise BoundaryLoadError(f"unknown format {fmt!r}: use geojson or cod-ab")
    if path.is_file() and path.suffix.lower() == ".zip":
        if fmt == "geojson":
            raise BoundaryLoadError(f"{path} is a zip: only the cod-ab format is read from a zip")
        source = _cod_ab_in_zip(path)
        if source is None:
            raise BoundaryLoadError(f"{path} holds no COD-AB '*adm3*.shp' shapefile")
        return source
    if not path.is_dir():
        raise BoundaryLoadError(
            f"boundary folder {path} does not exist: set BOUNDARIES_DATA_DIR or give --path"
        )
    geojson = {level: _geojson_file(path, level) for level in LEVELS}
    if fmt in ("auto", "geojson") and geojson["subdistrict"] is not None:
        missing = [GEOJSON_FILES[level] for level, f in geojson.items() if f is None]
        if missing:
            raise BoundaryLoadError(f"{path} lacks {' and '.join(missing)} (or .geojson.gz)")
        return Source(
            path=path,
            fmt="geojson",
            layers={
                level: f"/vsigzip/{f}" if f.suffix == ".gz" else str(f)
                for level, f in geojson.items()
            },
            files=list(geojson.values()),
            side_dir=path,
        )
    if fmt in ("auto", "cod-ab"):
        names = [p.name for p in path.iterdir() if p.is_file()]
        shp = {level: _cod_ab_layer(names, level, str(path)) for level in LEVELS}
        if shp["subdistrict"] is not None:
            missing = [level for level, name in shp.items() if name is None]
            if missing:
                raise BoundaryLoadError(
                    f"{path} has no {' or '.join(missing)} shapefile (adm1/adm2/adm3)"
                )
            files = []
            for name in shp.values():
                stem = Path(name).stem
                files += sorted(p for p in path.iterdir() if p.stem == stem)
            return Source(
                path=path,
                fmt="cod-ab",
                layers={level: str(path / name) for level, name in shp.items()},
                files=files,
                side_dir=path,
            )
        for zip_path in sorted(path.glob("*.zip")):
            source = _cod_ab_in_zip(zip_path)
            if source is not None:
                return source
    geojson_name = f"{GEOJSON_FILES['subdistrict']} (or .geojson.gz)"
    expected = (
        geojson_name
        if fmt == "geojson"
        else "a COD-AB '*adm3*.shp' (or a zip of them)"
        if fmt == "cod-ab"
        else f"{geojson_name} nor a COD-AB '*adm3*.shp' (or a zip of them)"
    )
    raise BoundaryLoadError(
        f"{path} holds {'neither ' if fmt == 'auto' else 'no '}{expected}. "
        f"The project's own copy is {BUNDLED_DIR}; for full resolution, download HDX COD-AB "
        "as the README says and give its folder or zip with --path."
    )


def fingerprint(files: Iterable[Path], *extra: str) -> str:
    """SHA-256 over the content of the source files and the settings that shape the load."""
    digest = hashlib.sha256()
    for path in sorted(set(files)):
        digest.update(path.name.encode())
        with path.open("rb") as fh:
            for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(chunk)
    for value in extra:
        digest.update(b"\0" + value.encode())
    return digest.hexdigest()


# ------------------------------------------------------------------------------------ reading


def _field(feature, name, default=None):
    try:
        value = feature.get(name)
    except (IndexError, KeyError):
        return default
    return default if value is None else value


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _to_multipolygon(geom: GEOSGeometry | None) -> MultiPolygon | None:
    """The polygon parts of ``geom`` as one MultiPolygon (None when it has none)."""
    if geom is None:
        return None
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon(geom, srid=geom.srid)
    polys: list[Polygon] = []
    for part in geom:  # a collection, e.g. what make_valid returns for a bow-tie with a tail
        if isinstance(part, Polygon):
            polys.append(part)
        elif isinstance(part, MultiPolygon):
            polys.extend(part)
    return MultiPolygon(*polys, srid=geom.srid) if polys else None


def _is_wgs84(srs: SpatialReference) -> bool:
    srs = srs.clone()
    try:
        srs.identify_epsg()
    except GDALException:
        pass
    return srs.srid == 4326


def _progress(iterable, *, total, desc, progress, unit=" areas"):
    """A tqdm bar on stderr: always with progress=True, never with False, and on a
    terminal only with None (so logs of ./damrong are not filled with bar redraws)."""
    if progress is False:
        return iterable
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        leave=False,
        disable=None if progress is None else False,
    )


def read_records(layer_path: str, level: str, fmt: str, progress=None) -> list[AreaRecord]:
    try:
        ds = DataSource(layer_path, encoding="utf-8")
    except GDALException as exc:
        raise BoundaryLoadError(f"cannot open {layer_path}: {exc}") from exc
    layer = ds[0]
    name = Path(layer_path).name
    fields = set(layer.fields)
    n = COD_AB_LEVEL[level]
    wanted = (
        {"code", "name_th"}
        if fmt == "geojson"
        else {f"ADM{n}_PCODE", f"ADM{n}_TH"} | ({f"ADM{n - 1}_PCODE"} if n > 1 else set())
    )
    if not wanted <= fields:
        raise BoundaryLoadError(
            f"{name}: the {level} layer lacks the field(s) {', '.join(sorted(wanted - fields))} "
            f"of the {fmt} schema (it has {', '.join(sorted(fields))})"
        )
    target = None
    if layer.srs is not None and not _is_wgs84(layer.srs):
        target = SpatialReference(4326)
    records: list[AreaRecord] = []
    for feature in _progress(layer, total=len(layer), desc=f"reading {level}s", progress=progress):
        try:
            ogr = feature.geom
        except GDALException:
            ogr = None
        if fmt == "geojson":
            record = AreaRecord(
                level=level,
                code=_text(_field(feature, "code")),
                name_th=_text(_field(feature, "name_th")),
                name_en=_text(_field(feature, "name_en")),
                parent_code=_text(_field(feature, "parent_code")) or None,
                geom=None,
                geom_quality=_text(_field(feature, "geom_quality")) or "full",
                area_km2=_field(feature, "area_km2"),
                in_geothai=bool(_field(feature, "in_geothai", True)),
                successor_codes=_text(_field(feature, "successor_codes")),
                source_pcode=_text(_field(feature, "source_pcode")),
                source_name_th=_text(_field(feature, "source_name_th")),
                source_name_en=_text(_field(feature, "source_name_en")),
                province_code=_text(_field(feature, "province_code")) or None,
            )
        else:
            pcode = _text(_field(feature, f"ADM{n}_PCODE"))
            if not pcode.upper().startswith("TH"):
                raise BoundaryLoadError(f"{name}: ADM{n}_PCODE {pcode!r} does not start with 'TH'")
            parent = _text(_field(feature, f"ADM{n - 1}_PCODE")) if n > 1 else ""
            if parent and not parent.upper().startswith("TH"):
                raise BoundaryLoadError(
                    f"{name}: ADM{n - 1}_PCODE {parent!r} of {pcode} does not start with 'TH'"
                )
            # COD-AB has no area or quality; the area is computed in PostGIS after the write,
            # and the HDX layer is the full-resolution source.
            record = AreaRecord(
                level=level,
                code=pcode[2:],
                name_th=_text(_field(feature, f"ADM{n}_TH")),
                name_en=_text(_field(feature, f"ADM{n}_EN")),
                parent_code=parent[2:] or None,
                geom=None,
                source_pcode=pcode,
                source_name_th=_text(_field(feature, f"ADM{n}_TH")),
                source_name_en=_text(_field(feature, f"ADM{n}_EN")),
            )
        if len(record.code) != CODE_LENGTH[level] or not record.code.isdigit():
            raise BoundaryLoadError(
                f"{name}: a {level} code must have {CODE_LENGTH[level]} digits, got {record.code!r}"
            )
        if ogr is None:
            raise BoundaryLoadError(f"{name}: {level} {record.code} has no geometry")
        if target is not None:
            ogr.transform(target)
        record.geom = GEOSGeometry(ogr.wkb, srid=4326)
        if record.geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise BoundaryLoadError(
                f"{name}: {level} {record.code} is a {record.geom.geom_type}, not a polygon"
            )
        records.append(record)
    return records


# ------------------------------------------------------------------------------------ checking


def repair(records: list[AreaRecord]) -> list[str]:
    """Make invalid polygons valid (GEOS MakeValid), keeping only their polygon parts.

    Returns one line per repaired area, saying what was wrong with it.
    """
    repaired = []
    for record in records:
        if record.geom.valid:
            record.geom = _to_multipolygon(record.geom)
            continue
        reason = record.geom.valid_reason
        fixed = _to_multipolygon(record.geom.make_valid())
        if fixed is None or fixed.empty or not fixed.valid:
            raise BoundaryLoadError(
                f"{record.level} {record.code} {record.name_th}: the polygon is invalid "
                f"({reason}) and could not be repaired"
            )
        record.geom = fixed
        repaired.append(f"{record.level} {record.code} {record.name_th}: {reason}")
    return repaired


def check_codes_and_parents(by_level: dict[str, list[AreaRecord]]) -> None:
    """Codes are unique; every district names a province of the source, and every
    sub-district a district of the source (and the province that district is in)."""
    for level, records in by_level.items():
        dupes = sorted(c for c, k in Counter(r.code for r in records).items() if k > 1)
        if dupes:
            raise BoundaryLoadError(f"duplicate {level} codes in the source: {dupes[:20]}")
    district_province = {r.code: r.parent_code for r in by_level["district"]}
    known = {
        "province": {r.code for r in by_level["province"]},
        "district": set(district_province),
    }
    problems = []
    for level, parent_level in PARENT_LEVEL.items():
        for record in by_level[level]:
            if record.parent_code not in known[parent_level]:
                problems.append(
                    f"{level} {record.code} {record.name_th}: its {parent_level} "
                    f"{record.parent_code!r} is not in the source"
                )
            elif (
                level == "subdistrict"
                and record.province_code
                and record.province_code != district_province[record.parent_code]
            ):
                problems.append(
                    f"subdistrict {record.code} {record.name_th}: province_code "
                    f"{record.province_code} but its district {record.parent_code} is in "
                    f"province {district_province[record.parent_code]}"
                )
    if problems:
        shown = "\n  ".join(problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise BoundaryLoadError(
            f"{len(problems)} areas have no parent in the source; nothing was written:\n"
            f"  {shown}{more}"
        )


@dataclass
class GeothaiCheck:
    mismatches: list[str]
    # Current geothai sub-districts inside the loaded districts that have no polygon: stored
    # without geometry so that forms and statistics know every code.
    without_polygon: list
    # successor code -> the abolished polygon that covers it (geothai's abolished list)
    successor_cover: dict[str, str]


def geothai_cross_check(by_level: dict[str, list[AreaRecord]], *, fmt: str) -> GeothaiCheck:
    """Compare codes, Thai names and parents with the geothai package.

    Marks codes geothai does not list as ``in_geothai=False`` (with geothai's successors for an
    abolished one when the source gives none). A COD-AB source takes geothai's names where
    geothai knows the code, as the GeoJSON data does: the shapefile cut long Thai names at its
    field width. The source's spelling stays in ``source_name_*``.
    """
    provinces = geothai.provinces()
    districts = [d for p in provinces for d in geothai.districts(p.code)]
    subdistricts = [s for d in districts for s in geothai.subdistricts(d.code)]
    current = {
        "province": {p.code: p for p in provinces},
        "district": {d.code: d for d in districts},
        "subdistrict": {s.code: s for s in subdistricts},
    }
    abolished = {a.code: a for a in abolished_areas()}
    mismatches = []
    for level, records in by_level.items():
        for record in records:
            official = current[level].get(record.code)
            if official is None:
                record.in_geothai = False
                gone = abolished.get(record.code)
                if gone is not None and not record.successor_codes:
                    record.successor_codes = " ".join(gone.successors)
                if gone is not None:
                    note = f"abolished on {gone.abolished_on}"
                    if record.successor_codes:
                        note += f", successors {record.successor_codes}"
                else:
                    note = "unknown to geothai"
                mismatches.append(
                    f"{level} {record.code} {record.name_th}: not a current code ({note})"
                )
                continue
            if official.name_th != record.name_th:
                mismatches.append(
                    f"{level} {record.code}: name {record.name_th!r} in the source, "
                    f"{official.name_th!r} in geothai"
                    + ("; geothai's name is used" if fmt == "cod-ab" else "")
                )
            if fmt == "cod-ab":
                record.name_th = official.name_th
                record.name_en = official.name_en or record.name_en
            parent_level = PARENT_LEVEL.get(level)
            parent = getattr(official, f"{parent_level}_code") if parent_level else None
            if parent and record.parent_code != parent:
                mismatches.append(
                    f"{level} {record.code} {record.name_th}: in {PARENT_LEVEL[level]} "
                    f"{record.parent_code} in the source, {parent} in geothai"
                )
    loaded = {level: {r.code for r in by_level[level]} for level in LEVELS}
    for level, parent_level in PARENT_LEVEL.items():
        for code, area in sorted(current[level].items()):
            parent = getattr(area, f"{parent_level}_code")
            if parent in loaded[parent_level] and code not in loaded[level]:
                mismatches.append(f"{level} {code} {area.name_th}: in geothai but has no polygon")
    without_polygon = [
        s
        for s in subdistricts
        if s.district_code in loaded["district"] and s.code not in loaded["subdistrict"]
    ]
    successor_cover = {
        successor: record.code
        for record in by_level["subdistrict"]
        if not record.in_geothai
        for successor in record.successor_codes.split()
    }
    return GeothaiCheck(mismatches, without_polygon, successor_cover)


def read_population(path: Path | None) -> dict[tuple[str, str], tuple[int, int]]:
    if path is None:
        return {}
    out = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                out[(row["level"], row["code"])] = (int(row["population"]), int(row["year"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise BoundaryLoadError(
                    f"{path.name} line {line}: expected level, code, population and year"
                ) from exc
    return out


def read_covering_polygons(side_dir: Path) -> dict[str, str]:
    """code_mismatches.csv names the polygon that covers each code without its own."""
    path = side_dir / "code_mismatches.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            row["code"]: row["polygon_code"]
            for row in csv.DictReader(fh)
            if row.get("kind") == "geothai_code_without_polygon" and row.get("polygon_code")
        }


def _population_file(source: Source, population_path: Path | str | None) -> Path | None:
    """population.csv beside the source, else the one in BOUNDARIES_DATA_DIR, else the one
    shipped with the project (it is keyed by DOPA code, so it serves a COD-AB download too)."""
    if population_path:
        path = Path(population_path).expanduser()
        if not path.is_file():
            raise BoundaryLoadError(f"population file {path} does not exist")
        return path
    for folder in (source.side_dir, Path(settings.BOUNDARIES_DATA_DIR), BUNDLED_DIR):
        if (folder / "population.csv").is_file():
            return folder / "population.csv"
    return None


# ------------------------------------------------------------------------------------ writing


def _upsert(model, rows: list, fields: list[str], progress, desc: str) -> None:
    batches = [rows[i : i + 500] for i in range(0, len(rows), 500)]
    for batch in _progress(
        batches, total=len(batches), desc=desc, progress=progress, unit=" batches of 500"
    ):
        model.objects.bulk_create(
            batch, update_conflicts=True, unique_fields=["code"], update_fields=fields
        )


def rebuild_pieces(
    *, provinces: Iterable[str] | None = None, max_vertices: int | None = None
) -> int:
    """Refill the subdivided lookup table for ``provinces`` (all when None) from the
    sub-district polygons; returns the number of pieces written for them.

    Raw SQL because ST_Subdivide is a set-returning function the ORM cannot express.
    """
    max_vertices = max_vertices or settings.BOUNDARIES_SUBDIVIDE_MAX_VERTICES
    if max_vertices < 5:
        raise BoundaryLoadError("ST_Subdivide needs at least 5 vertices per piece")
    codes = None if provinces is None else sorted(provinces)
    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM boundaries_subdistrictpiece WHERE %s::text[] IS NULL OR province_code = ANY(%s)",
            [codes, codes],
        )
        cur.execute(
            """
            INSERT INTO boundaries_subdistrictpiece (
                subdistrict_id, district_code, province_code,
                subdistrict_name_th, subdistrict_name_en, district_name_th, district_name_en,
                province_name_th, province_name_en, geom_quality, geom)
            SELECT s.code, s.district_id, s.province_id, s.name_th, s.name_en,
                   d.name_th, d.name_en, p.name_th, p.name_en, s.geom_quality,
                   ST_Subdivide(s.geom, %s)
            FROM boundaries_subdistrict s
            JOIN boundaries_district d ON d.code = s.district_id
            JOIN boundaries_province p ON p.code = s.province_id
            WHERE s.geom IS NOT NULL AND (%s::text[] IS NULL OR s.province_id = ANY(%s))
            -- pieces of one area sit next to each other on disk: fewer pages per look-up
            ORDER BY s.code
            """,
            [max_vertices, codes, codes],
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
    population_path: Path | str | None = None,
    max_vertices: int | None = None,
) -> LoadReport:
    """Load (or re-load in place) the boundaries at ``source_dir``. See the module docstring.

    ``provinces`` limits the load to those province codes (tests, partial updates);
    ``max_vertices`` overrides BOUNDARIES_SUBDIVIDE_MAX_VERTICES for the lookup pieces.
    Raises BoundaryLoadError, with nothing written, when the data cannot be loaded.
    """
    path = Path(source_dir or settings.BOUNDARIES_DATA_DIR).expanduser().resolve()
    source = find_source(path, fmt)
    max_vertices = max_vertices or settings.BOUNDARIES_SUBDIVIDE_MAX_VERTICES
    population_file = _population_file(source, population_path)
    side_files = [p for p in (source.side_dir / "code_mismatches.csv",) if p.exists()]
    report = LoadReport(source_dir=str(path), source_format=source.fmt, dry_run=dry_run)
    report.population_source = str(population_file or "")
    wanted = tuple(sorted({p.strip() for p in provinces or [] if p.strip()}))
    report.fingerprint = fingerprint(
        [*source.files, *side_files, *([population_file] if population_file else [])],
        f"loader={LOADER_VERSION}",
        f"format={source.fmt}",
        f"max_vertices={max_vertices}",
        f"provinces={','.join(wanted)}",
    )
    if if_changed and not dry_run:
        last = BoundaryLoad.objects.order_by("-loaded_at", "-pk").first()
        if last is not None and last.fingerprint == report.fingerprint:
            if SubdistrictPiece.objects.exists():
                report.skipped = True
                report.counts = {
                    "province": last.provinces,
                    "district": last.districts,
                    "subdistrict": last.subdistricts,
                }
                report.pieces = last.pieces
                return report

    by_level = {
        level: read_records(source.layers[level], level, source.fmt, progress) for level in LEVELS
    }
    if wanted:
        by_level = {
            level: [r for r in records if r.code[:2] in wanted]
            for level, records in by_level.items()
        }
        absent = sorted(set(wanted) - {r.code for r in by_level["province"]})
        if absent:
            raise BoundaryLoadError(f"no province {', '.join(absent)} in {path}")
    if not by_level["subdistrict"]:
        raise BoundaryLoadError(f"{path}: the sub-district layer is empty")
    for level in LEVELS:
        report.repaired += repair(by_level[level])
    check_codes_and_parents(by_level)
    check = geothai_cross_check(by_level, fmt=source.fmt)
    report.geothai_mismatches = check.mismatches
    population = read_population(population_file)
    covering = {**check.successor_cover, **read_covering_polygons(source.side_dir)}

    with transaction.atomic():
        scope = sorted(r.code for r in by_level["province"])
        _write(by_level, check.without_polygon, population, covering, progress)
        report.stale = _retire_stale(by_level, check.without_polygon, scope)
        _fill_missing_areas(by_level)
        report.pieces = rebuild_pieces(provinces=scope, max_vertices=max_vertices)
        report.counts = {level: len(by_level[level]) for level in LEVELS}
        report.without_polygon = [s.code for s in check.without_polygon]
        if population:
            report.without_population = [
                f"{level} {r.code}"
                for level in LEVELS
                for r in by_level[level]
                if r.in_geothai and (level, r.code) not in population
            ]
        BoundaryLoad.objects.create(
            source_dir=str(path),
            source_format=source.fmt,
            fingerprint=report.fingerprint,
            provinces=report.counts["province"],
            districts=report.counts["district"],
            subdistricts=report.counts["subdistrict"] + len(check.without_polygon),
            pieces=report.pieces,
            repaired=len(report.repaired),
            geothai_mismatches=len(report.geothai_mismatches),
        )
        if dry_run:
            transaction.set_rollback(True)
        else:
            # This process's in-memory look-up index is stale from the commit on (others
            # notice the new version stamp within BOUNDARIES_LOOKUP_RECHECK_SECONDS).
            transaction.on_commit(point_index.forget)
    return report


def _write(by_level, without_polygon, population, covering, progress) -> None:
    def pop(level, code):
        return population.get((level, code), (None, None))

    common = ["name_th", "name_en", "population", "population_year", "area_km2", "geom_quality"]

    def area_fields(level, r):
        p, y = pop(level, r.code)
        return dict(
            code=r.code,
            name_th=r.name_th,
            name_en=r.name_en,
            population=p,
            population_year=y,
            area_km2=r.area_km2,
            geom_quality=r.geom_quality,
            geom=r.geom,
        )

    _upsert(
        Province,
        [Province(**area_fields("province", r)) for r in by_level["province"]],
        [*common, "geom"],
        progress,
        "writing provinces",
    )
    _upsert(
        District,
        [
            District(province_id=r.parent_code, **area_fields("district", r))
            for r in by_level["district"]
        ],
        [*common, "geom", "province"],
        progress,
        "writing districts",
    )
    district_province = {r.code: r.parent_code for r in by_level["district"]}
    sub_fields = [
        *common,
        "geom",
        "district",
        "province",
        "in_geothai",
        "successor_codes",
        "source_pcode",
        "source_name_th",
        "source_name_en",
        "covered_by",
    ]
    _upsert(
        Subdistrict,
        [
            Subdistrict(
                district_id=r.parent_code,
                province_id=district_province[r.parent_code],
                in_geothai=r.in_geothai,
                successor_codes=r.successor_codes,
                source_pcode=r.source_pcode,
                source_name_th=r.source_name_th,
                source_name_en=r.source_name_en,
                covered_by=None,
                **area_fields("subdistrict", r),
            )
            for r in by_level["subdistrict"]
        ],
        sub_fields,
        progress,
        "writing sub-districts",
    )
    # Current DOPA codes with no polygon of their own: stored without geometry, pointing at the
    # polygon that contains them when the data says which one (code_mismatches.csv, or the
    # abolished polygon they succeed).
    polygon_codes = {r.code for r in by_level["subdistrict"]}
    no_polygon = []
    for s in without_polygon:
        p, y = pop("subdistrict", s.code)
        cover = covering.get(s.code)
        no_polygon.append(
            Subdistrict(
                code=s.code,
                district_id=s.district_code,
                province_id=s.province_code,
                name_th=s.name_th,
                name_en=s.name_en or "",
                population=p,
                population_year=y,
                geom=None,
                area_km2=None,
                geom_quality="full",
                in_geothai=True,
                successor_codes="",
                source_pcode="",
                source_name_th="",
                source_name_en="",
                covered_by_id=cover if cover in polygon_codes else None,
            )
        )
    _upsert(Subdistrict, no_polygon, sub_fields, progress, "writing codes without polygon")


def _retire_stale(by_level, without_polygon, scope: list[str]) -> list[str]:
    """Areas of the loaded provinces that the source no longer has lose their polygon (so no
    look-up returns them) but keep their row, which cases may still refer to."""
    stale = []
    keep = {
        "district": {r.code for r in by_level["district"]},
        "subdistrict": {r.code for r in by_level["subdistrict"]}
        | {s.code for s in without_polygon},
    }
    for level in ("district", "subdistrict"):
        model = MODELS[level]
        qs = model.objects.filter(province_id__in=scope).exclude(code__in=keep[level])
        codes = sorted(qs.filter(geom__isnull=False).values_list("code", flat=True))
        qs.update(geom=None)
        stale += [f"{level} {code}" for code in codes]
    return stale


def _fill_missing_areas(by_level) -> None:
    """COD-AB carries no area: compute it on the WGS 84 ellipsoid, as the GeoJSON data did.

    Raw SQL: a geography cast for a geodesic area has no ORM expression.
    """
    for level in LEVELS:
        codes = [r.code for r in by_level[level] if r.area_km2 is None]
        if not codes:
            continue
        query = sql.SQL(
            "UPDATE {} SET area_km2 = ST_Area(geom::geography) / 1e6 "
            "WHERE code = ANY(%s) AND geom IS NOT NULL"
        ).format(sql.Identifier(MODELS[level]._meta.db_table))
        with connection.cursor() as cur:
            cur.execute(query, [codes])
