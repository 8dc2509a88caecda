"""The boundary loader on the real sample (Mukdahan, 49), and on temp copies of it that the
tests break on purpose: a bow-tie polygon, a missing parent, a renamed sub-district, the
COD-AB shapefile schema. Each test reloads inside its own transaction, rolled back after."""

from __future__ import annotations

import csv
import gzip
import importlib.util
import json
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from django.conf import settings as django_settings
from django.contrib.gis.gdal import DataSource
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from shapely.geometry import shape

from boundaries.models import BoundaryLoad, District, Province, Subdistrict, SubdistrictPiece
from boundaries.selectors import area_for_point
from boundaries.services.loading import (
    BUNDLED_DIR,
    BoundaryLoadError,
    _population_file,
    find_source,
    load_boundaries,
)
from tests.conftest import NATIONAL_DIR, SAMPLE_DIR

pytestmark = pytest.mark.django_db

FILES = ("provinces.geojson", "districts.geojson", "subdistricts.geojson")


def read_features(folder: Path, name: str) -> list[dict]:
    """The features of ``name`` in ``folder``, plain or gzipped (the national layers are)."""
    path = folder / name
    raw = (
        path.read_bytes()
        if path.exists()
        else gzip.decompress(path.with_name(f"{name}.gz").read_bytes())
    )
    return json.loads(raw.decode("utf-8"))["features"]


def write_copy(folder: Path, edit=None) -> Path:
    """A copy of the sample in ``folder``; ``edit(layers)`` may change the features first."""
    folder.mkdir(parents=True, exist_ok=True)
    layers = {name: read_features(SAMPLE_DIR, name) for name in FILES}
    if edit:
        edit(layers)
    for name, features in layers.items():
        (folder / name).write_text(
            json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
            encoding="utf-8",
        )
    shutil.copy(SAMPLE_DIR / "population.csv", folder / "population.csv")
    return folder


def feature(layers, code: str) -> dict:
    level = {2: "provinces", 4: "districts", 6: "subdistricts"}[len(code)]
    return next(f for f in layers[f"{level}.geojson"] if f["properties"]["code"] == code)


def sample_snapshot():
    """What the session's GeoJSON load of the sample put in the database."""
    return {
        "province": {
            p.code: (p.name_th, p.name_en, None, p.population, p.area_km2)
            for p in Province.objects.filter(code="49")
        },
        "district": {
            d.code: (d.name_th, d.name_en, d.province_id, d.population, d.area_km2)
            for d in District.objects.filter(province_id="49")
        },
        "subdistrict": {
            s.code: (s.name_th, s.name_en, s.district_id, s.population, s.area_km2)
            for s in Subdistrict.objects.filter(province_id="49")
        },
    }


# ------------------------------------------------------------------------------ the sample


def test_sample_loads_with_its_counts_parents_population_and_pieces():
    report = load_boundaries(source_dir=SAMPLE_DIR, progress=False)

    assert report.counts == {"province": 1, "district": 7, "subdistrict": 53}
    assert report.repaired == [] and report.geothai_mismatches == [] and report.stale == []
    assert Province.objects.filter(code="49").count() == 1
    assert District.objects.filter(province_id="49").count() == 7
    assert Subdistrict.objects.filter(province_id="49").count() == 53

    # Parents as the file says, and the sub-district's province is its district's.
    for f in read_features(SAMPLE_DIR, "subdistricts.geojson"):
        s = Subdistrict.objects.select_related("district").get(code=f["properties"]["code"])
        assert s.district_id == f["properties"]["parent_code"]
        assert s.province_id == s.district.province_id == "49"
        assert s.geom.geom_type == "MultiPolygon" and s.geom.valid
    assert set(District.objects.filter(province_id="49").values_list("province_id", flat=True)) == {
        "49"
    }

    # Population exactly as population.csv, for every level.
    with (SAMPLE_DIR / "population.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 61
    models = {"province": Province, "district": District, "subdistrict": Subdistrict}
    for row in rows:
        area = models[row["level"]].objects.get(code=row["code"])
        assert (area.population, area.population_year) == (int(row["population"]), 2020)

    # Every sub-district is cut into pieces that cover exactly its polygon.
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT s.code, count(p.id), max(ST_NPoints(p.geom)),
                   abs(ST_Area(s.geom) - sum(ST_Area(p.geom))) / ST_Area(s.geom)
            FROM boundaries_subdistrict s
            LEFT JOIN boundaries_subdistrictpiece p ON p.subdistrict_id = s.code
            WHERE s.province_id = '49' GROUP BY s.code, s.geom
            """
        )
        rows = cur.fetchall()
    assert len(rows) == 53
    for code, pieces, max_points, area_error in rows:
        assert pieces >= 1, code
        assert max_points <= 64 + 1, code  # BOUNDARIES_SUBDIVIDE_MAX_VERTICES (+ closing point)
        assert area_error < 1e-9, code
    assert report.pieces == SubdistrictPiece.objects.filter(province_code="49").count() > 53


def test_rerun_updates_in_place_without_duplicates_and_rebuilds_pieces(tmp_path):
    load_boundaries(source_dir=SAMPLE_DIR, progress=False)
    mukdahan_pieces = SubdistrictPiece.objects.filter(province_code="49")
    before_ids = set(mukdahan_pieces.values_list("id", flat=True))
    before = (
        Province.objects.count(),
        District.objects.count(),
        Subdistrict.objects.count(),
        SubdistrictPiece.objects.count(),
    )

    report = load_boundaries(source_dir=SAMPLE_DIR, progress=False)

    after = (
        Province.objects.count(),
        District.objects.count(),
        Subdistrict.objects.count(),
        SubdistrictPiece.objects.count(),
    )
    assert after == before
    assert report.pieces == SubdistrictPiece.objects.filter(province_code="49").count()
    # Rebuilt, not left over: the loaded province's pieces are new rows.
    assert not before_ids & set(mukdahan_pieces.values_list("id", flat=True))

    # A changed name in the source updates the same row.
    def rename(layers):
        feature(layers, "490102")["properties"]["name_en"] = "Renamed in place"

    load_boundaries(source_dir=write_copy(tmp_path / "renamed", rename), progress=False)
    assert Subdistrict.objects.count() == before[2]
    assert Subdistrict.objects.get(code="490102").name_en == "Renamed in place"
    assert (
        SubdistrictPiece.objects.filter(subdistrict_id="490102")
        .exclude(subdistrict_name_en="Renamed in place")
        .count()
        == 0
    )


def test_the_command_loads_and_skips_an_unchanged_source(capsys):
    call_command("load_boundaries", "--path", str(SAMPLE_DIR), "--no-progress")
    out = capsys.readouterr().out
    assert "1 provinces, 7 districts, 53 sub-district polygons" in out
    loads = BoundaryLoad.objects.count()

    call_command("load_boundaries", "--path", str(SAMPLE_DIR), "--if-changed", "--no-progress")
    assert "unchanged" in capsys.readouterr().out
    assert BoundaryLoad.objects.count() == loads

    # Other settings make another fingerprint: the load happens.
    call_command(
        "load_boundaries", "--path", str(SAMPLE_DIR), "--if-changed", "--max-vertices", "32",
        "--no-progress",
    )  # fmt: skip
    assert "unchanged" not in capsys.readouterr().out
    assert BoundaryLoad.objects.count() == loads + 1
    with connection.cursor() as cur:
        cur.execute(
            "SELECT max(ST_NPoints(geom)) FROM boundaries_subdistrictpiece WHERE province_code = '49'"
        )
        assert cur.fetchone()[0] <= 33


def test_dry_run_checks_and_writes_nothing(tmp_path):
    def rename(layers):
        feature(layers, "490103")["properties"]["name_th"] = "ชื่อที่ไม่ควรถูกบันทึก"

    name = Subdistrict.objects.get(code="490103").name_th
    loads = BoundaryLoad.objects.count()

    report = load_boundaries(
        source_dir=write_copy(tmp_path / "dry", rename), dry_run=True, progress=False
    )

    assert report.dry_run and report.counts["subdistrict"] == 53
    assert any("490103" in line for line in report.geothai_mismatches)
    assert Subdistrict.objects.get(code="490103").name_th == name
    assert BoundaryLoad.objects.count() == loads


def test_province_filter():
    report = load_boundaries(source_dir=SAMPLE_DIR, provinces=["49"], progress=False)
    assert report.counts == {"province": 1, "district": 7, "subdistrict": 53}
    with pytest.raises(BoundaryLoadError, match="no province 48"):
        load_boundaries(source_dir=SAMPLE_DIR, provinces=["48"], progress=False)


def test_a_missing_folder_or_unknown_files_fail_with_a_message(tmp_path):
    with pytest.raises(BoundaryLoadError, match="does not exist"):
        load_boundaries(source_dir=tmp_path / "nowhere", progress=False)
    (tmp_path / "readme.txt").write_text("no data here")
    with pytest.raises(BoundaryLoadError, match="subdistricts.geojson"):
        load_boundaries(source_dir=tmp_path, progress=False)


# ------------------------------------------------------------------------------ shipped data


def test_the_project_ships_the_national_layers_gzipped_and_loads_them_by_default():
    source = find_source(NATIONAL_DIR)

    assert NATIONAL_DIR == BUNDLED_DIR
    assert source.fmt == "geojson"
    assert all(layer.startswith("/vsigzip/") for layer in source.layers.values())
    assert [f.name for f in source.files] == [f"{name}.gz" for name in FILES]
    # The counts of the data README, codes unique, read through GDAL as the loader reads them.
    counts = {"province": 77, "district": 928, "subdistrict": 7425}
    for level, layer_path in source.layers.items():
        codes = [f.get("code") for f in DataSource(layer_path, encoding="utf-8")[0]]
        assert len(codes) == len(set(codes)) == counts[level], level
    with (NATIONAL_DIR / "population.csv").open(encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == 77 + 928 + 7436
    with (NATIONAL_DIR / "code_mismatches.csv").open(encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == 27
    assert "CC BY 3.0 IGO" in (NATIONAL_DIR / "README.md").read_text(encoding="utf-8")


def fresh_settings(monkeypatch, value):
    """gisapp/settings.py run again with BOUNDARIES_DATA_DIR set to ``value`` (None: unset)."""
    if value is None:
        monkeypatch.delenv("BOUNDARIES_DATA_DIR", raising=False)
    else:
        monkeypatch.setenv("BOUNDARIES_DATA_DIR", value)
    spec = importlib.util.spec_from_file_location(
        "fresh_settings", Path(django_settings.BASE_DIR) / "gisapp" / "settings.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_boundaries_data_dir_defaults_to_the_shipped_copy_and_stays_an_override(
    monkeypatch, tmp_path
):
    assert fresh_settings(monkeypatch, None).BOUNDARIES_DATA_DIR == BUNDLED_DIR
    assert fresh_settings(monkeypatch, "").BOUNDARIES_DATA_DIR == BUNDLED_DIR
    assert fresh_settings(monkeypatch, str(tmp_path)).BOUNDARIES_DATA_DIR == tmp_path


def test_gzipped_and_plain_layers_load_the_same_and_plain_wins_beside_its_gz(tmp_path):
    snapshot = sample_snapshot()
    geoms = dict(Subdistrict.objects.filter(province_id="49").values_list("code", "geom"))
    folder = write_copy(tmp_path / "gz")
    for name in FILES[1:]:  # provinces stay plain: a folder may mix both
        path = folder / name
        path.with_name(f"{name}.gz").write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()

    report = load_boundaries(source_dir=folder, progress=False)

    assert report.source_format == "geojson"
    assert report.counts == {"province": 1, "district": 7, "subdistrict": 53}
    assert_same_as_geojson_load(snapshot)
    for code, geom in Subdistrict.objects.filter(province_id="49").values_list("code", "geom"):
        assert geom.equals_exact(geoms[code], tolerance=0), code

    # An unpacked copy beside the .gz (gunzip -k, then edited) is the one loaded.
    def rename(layers):
        feature(layers, "490102")["properties"]["name_en"] = "From the plain file"

    edited = write_copy(tmp_path / "edited", rename)
    shutil.copy(folder / "subdistricts.geojson.gz", edited / "subdistricts.geojson.gz")
    load_boundaries(source_dir=edited, progress=False)
    assert Subdistrict.objects.get(code="490102").name_en == "From the plain file"


def test_a_corrupt_gzip_fails_with_a_message_and_writes_nothing(tmp_path):
    folder = write_copy(tmp_path / "corrupt")
    data = gzip.compress((folder / "subdistricts.geojson").read_bytes())
    (folder / "subdistricts.geojson").unlink()
    (folder / "subdistricts.geojson.gz").write_bytes(data[: len(data) // 2])
    loads = BoundaryLoad.objects.count()

    with pytest.raises(BoundaryLoadError, match="subdistricts.geojson.gz"):
        load_boundaries(source_dir=folder, progress=False)

    assert BoundaryLoad.objects.count() == loads


def test_population_comes_from_beside_the_source_then_the_setting_then_the_shipped_copy(
    settings, tmp_path
):
    folder = write_cod_ab(tmp_path / "cod")
    source = find_source(folder)
    settings.BOUNDARIES_DATA_DIR = tmp_path / "configured"
    assert _population_file(source, None) == BUNDLED_DIR / "population.csv"

    settings.BOUNDARIES_DATA_DIR.mkdir()
    (settings.BOUNDARIES_DATA_DIR / "population.csv").write_text("level,code\n")
    assert _population_file(source, None) == settings.BOUNDARIES_DATA_DIR / "population.csv"

    (folder / "population.csv").write_text("level,code\n")
    assert _population_file(source, None) == folder / "population.csv"


# ------------------------------------------------------------------------------ broken copies


def test_an_invalid_polygon_is_repaired_and_reported(tmp_path):
    code = "490104"

    def bow_tie(layers):
        f = feature(layers, code)
        minx, miny, maxx, maxy = shape(f["geometry"]).bounds
        ring = [[minx, miny], [maxx, maxy], [maxx, miny], [minx, maxy], [minx, miny]]
        f["geometry"] = {"type": "MultiPolygon", "coordinates": [[ring]]}

    folder = write_copy(tmp_path / "bowtie", bow_tie)
    broken = shape(
        feature({"subdistricts.geojson": read_features(folder, FILES[2])}, code)["geometry"]
    )
    assert not broken.is_valid  # the copy really is broken

    report = load_boundaries(source_dir=folder, progress=False)

    assert [line for line in report.repaired if code in line], report.repaired
    assert "Self-intersection" in next(line for line in report.repaired if code in line)
    stored = Subdistrict.objects.get(code=code).geom
    assert stored.geom_type == "MultiPolygon" and stored.valid
    assert len(stored) == 2  # the two triangles of the bow-tie
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_IsValid(geom), GeometryType(geom) FROM boundaries_subdistrict WHERE code = %s",
            [code],
        )
        assert cur.fetchone() == (True, "MULTIPOLYGON")
    assert SubdistrictPiece.objects.filter(subdistrict_id=code).exists()


@pytest.mark.parametrize(
    ("code", "parent", "message"),
    [
        ("490105", "4999", "subdistrict 490105"),  # a sub-district without its district
        ("4902", "99", "district 4902"),  # a district without its province
    ],
)
def test_a_missing_parent_fails_loudly_and_writes_nothing(tmp_path, code, parent, message):
    def orphan(layers):
        feature(layers, code)["properties"]["parent_code"] = parent
        feature(layers, "490106")["properties"]["name_en"] = "Must not be written"

    name_en = Subdistrict.objects.get(code="490106").name_en
    loads = BoundaryLoad.objects.count()
    pieces = SubdistrictPiece.objects.count()

    with pytest.raises(BoundaryLoadError) as raised:
        load_boundaries(source_dir=write_copy(tmp_path / "orphan", orphan), progress=False)

    assert message in str(raised.value) and repr(parent) in str(raised.value)
    assert "nothing was written" in str(raised.value)
    assert Subdistrict.objects.get(code="490106").name_en == name_en
    assert BoundaryLoad.objects.count() == loads
    assert SubdistrictPiece.objects.count() == pieces


def test_the_command_turns_a_load_error_into_a_command_error(tmp_path):

    def orphan(layers):
        feature(layers, "490107")["properties"]["parent_code"] = "4998"

    with pytest.raises(CommandError, match="4998"):
        call_command(
            "load_boundaries", "--path", str(write_copy(tmp_path / "o", orphan)), "--no-progress"
        )


def test_geothai_mismatches_are_reported(tmp_path):
    def edit(layers):
        feature(layers, "490101")["properties"]["name_th"] = "มุกดาหารใหม่"
        feature(layers, "490102")["properties"]["parent_code"] = "4902"
        # A sub-district polygon missing from the source: its geothai code is still stored.
        layers["subdistricts.geojson"] = [
            f for f in layers["subdistricts.geojson"] if f["properties"]["code"] != "490108"
        ]

    report = load_boundaries(source_dir=write_copy(tmp_path / "mismatch", edit), progress=False)

    lines = "\n".join(report.geothai_mismatches)
    assert "490101: name 'มุกดาหารใหม่' in the source, 'มุกดาหาร' in geothai" in lines
    assert "490102" in lines and "district 4902 in the source, 4901 in geothai" in lines
    assert "490108" in lines and "in geothai but has no polygon" in lines
    # The GeoJSON's own names are kept (they are geothai's in the real data).
    assert Subdistrict.objects.get(code="490101").name_th == "มุกดาหารใหม่"
    missing = Subdistrict.objects.get(code="490108")
    assert missing.geom is None and missing.in_geothai and missing.population
    assert report.without_polygon == ["490108"]
    assert not SubdistrictPiece.objects.filter(subdistrict_id="490108").exists()


# ------------------------------------------------------------------------------ COD-AB schema


def write_cod_ab(folder: Path, *, truncate: dict[str, str] | None = None) -> Path:
    """The sample as HDX COD-AB shapefiles: ADMx_PCODE = "TH" + code, ADMx_TH, ADMx_EN and the
    parents' P-codes, in files named like HDX's."""
    folder.mkdir(parents=True, exist_ok=True)
    truncate = truncate or {}
    for n, name in ((1, "provinces"), (2, "districts"), (3, "subdistricts")):
        gdf = gpd.read_file(SAMPLE_DIR / f"{name}.geojson")
        out = gpd.GeoDataFrame(
            {
                f"ADM{n}_PCODE": "TH" + gdf["code"],
                f"ADM{n}_TH": [
                    truncate.get(c, t) for c, t in zip(gdf["code"], gdf["name_th"], strict=True)
                ],
                f"ADM{n}_EN": gdf["name_en"],
                "ADM0_PCODE": "TH",
            },
            geometry=gdf.geometry,
            crs="EPSG:4326",
        )
        if n > 1:
            out[f"ADM{n - 1}_PCODE"] = "TH" + gdf["parent_code"]
        if n > 2:
            out["ADM1_PCODE"] = "TH" + gdf["province_code"]
        out.to_file(
            folder / f"tha_admbnda_adm{n}_rtsd_20220121.shp",
            driver="ESRI Shapefile",
            encoding="utf-8",
        )
    return folder


def assert_same_as_geojson_load(snapshot):
    for level, model in (
        ("province", Province),
        ("district", District),
        ("subdistrict", Subdistrict),
    ):
        parent = {"province": None, "district": "province_id", "subdistrict": "district_id"}[level]
        loaded = {
            a.code: (
                a.name_th,
                a.name_en,
                getattr(a, parent) if parent else None,
                a.population,
                a.area_km2,
            )
            for a in model.objects.filter(code__startswith="49")
        }
        assert loaded.keys() == snapshot[level].keys(), level
        for code, (name_th, name_en, parent_code, population, area) in loaded.items():
            want = snapshot[level][code]
            assert (name_th, name_en, parent_code, population) == want[:4], code
            # The GeoJSON's area_km2 is rounded to 0.01 km²; PostGIS computes it here.
            assert area == pytest.approx(want[4], abs=0.01, rel=1e-4), code


def test_cod_ab_shapefiles_load_the_same_codes_and_names(settings, tmp_path):
    settings.BOUNDARIES_DATA_DIR = NATIONAL_DIR
    snapshot = sample_snapshot()
    folder = write_cod_ab(tmp_path / "cod", truncate={"490101": "มุกดา"})

    report = load_boundaries(source_dir=folder, progress=False)  # format detected from *adm3*.shp

    assert report.source_format == "cod-ab"
    assert report.counts == {"province": 1, "district": 7, "subdistrict": 53}
    assert_same_as_geojson_load(snapshot)
    # The cut name is reported and geothai's used; the source's spelling is kept beside it.
    s = Subdistrict.objects.get(code="490101")
    assert (s.name_th, s.source_name_th, s.source_pcode) == ("มุกดาหาร", "มุกดา", "TH490101")
    assert any(
        "490101" in line and "geothai's name is used" in line for line in report.geothai_mismatches
    )
    # No population.csv beside the shapefiles: the one in BOUNDARIES_DATA_DIR is used.
    assert report.population_source == str(NATIONAL_DIR / "population.csv")
    assert area_for_point(point=s.geom.point_on_surface).subdistrict_code == "490101"


def test_cod_ab_zip_as_downloaded(tmp_path):
    snapshot = sample_snapshot()
    folder = write_cod_ab(tmp_path / "cod")
    # HDX's zip also holds line and point layers, which must not be mistaken for polygons.
    shutil.copy(
        folder / "tha_admbnda_adm3_rtsd_20220121.dbf", folder / "tha_admbndl_admALL_rtsd.dbf"
    )
    archive = tmp_path / "tha_adm_rtsd_itos_20210121_shp.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.iterdir()):
            zf.write(path, path.name)

    report = load_boundaries(source_dir=archive, progress=False)

    assert report.source_format == "cod-ab" and report.counts["subdistrict"] == 53
    assert_same_as_geojson_load(snapshot)


def test_cod_ab_without_a_level_fails_with_a_message(tmp_path):
    folder = write_cod_ab(tmp_path / "cod")
    for path in folder.glob("tha_admbnda_adm2_*"):
        path.unlink()
    with pytest.raises(BoundaryLoadError, match="no district shapefile"):
        load_boundaries(source_dir=folder, progress=False)


# ------------------------------------------------------------------------------ Bangkok's codes


@pytest.fixture(scope="session")
def bangkok_dir(tmp_path_factory):
    """Bangkok (10) cut from the national files: the two abolished khwaeng and the thirteen
    codes without a polygon of their own are all there (see the data README)."""
    folder = tmp_path_factory.mktemp("bangkok")
    for name in FILES:
        features = [
            f for f in read_features(NATIONAL_DIR, name) if f["properties"]["code"].startswith("10")
        ]
        (folder / name).write_text(
            json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
            encoding="utf-8",
        )
    shutil.copy(NATIONAL_DIR / "population.csv", folder / "population.csv")
    shutil.copy(NATIONAL_DIR / "code_mismatches.csv", folder / "code_mismatches.csv")
    return folder


def test_abolished_codes_and_codes_without_polygon(bangkok_dir):
    report = load_boundaries(source_dir=bangkok_dir, progress=False)

    assert len(report.without_polygon) == 13
    for code, successors in (
        ("104701", "104702 104703"),
        ("105001", "105002 105003 105004 105005"),
    ):
        old = Subdistrict.objects.get(code=code)
        assert (old.in_geothai, old.successor_codes) == (False, successors)
        assert old.geom is not None
        for successor in successors.split():
            new = Subdistrict.objects.get(code=successor)
            assert new.geom is None and new.covered_by_id == code and new.in_geothai
            assert new.population > 0
    covered = dict(
        Subdistrict.objects.filter(geom__isnull=True, province_id="10").values_list(
            "code", "covered_by_id"
        )
    )
    assert len(covered) == 13
    assert covered["100910"] == "100905" and covered["103403"] == "103401"
    # Look-ups answer with the polygon that holds the point, never a code without one.
    inside_bang_na = Subdistrict.objects.get(code="104701").geom.point_on_surface
    assert area_for_point(point=inside_bang_na).subdistrict_code == "104701"


def test_without_code_mismatches_csv_the_successors_still_find_their_polygon(bangkok_dir, tmp_path):
    folder = tmp_path / "bkk"
    shutil.copytree(bangkok_dir, folder)
    (folder / "code_mismatches.csv").unlink()

    load_boundaries(source_dir=folder, progress=False)

    # geothai's abolished list names the successors of the two abolished polygons ...
    assert Subdistrict.objects.get(code="104703").covered_by_id == "104701"
    # ... but nothing says which polygon holds a new khwaeng elsewhere.
    assert Subdistrict.objects.get(code="100910").covered_by_id is None
