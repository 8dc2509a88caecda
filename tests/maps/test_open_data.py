"""Open data (issue 11): the monthly figures per province and district for anyone, small counts
suppressed so that they cannot be recovered by differencing a total and its parts; the files
(CSV with a BOM, JSON, GeoJSON) described by ``/open-data/datapackage.json``."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time
from urllib.parse import urljoin

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from boundaries.models import District, Province
from layers.demo import demo_complaints_seed
from layers.models import COUNTRY_CODE, MonthFigure
from layers.selectors import opendata as od
from layers.services import statistics as stats
from layers.services.opendata import opendata_build, opendata_build_queue, public_row
from layers.thaidate import BANGKOK, Month

pytestmark = pytest.mark.django_db

UNTIL = date(2026, 11, 1)
NOW = datetime.combine(date(2026, 11, 20), time(9, 0), tzinfo=BANGKOK)
SEPTEMBER = Month(2026, 9)
FROZEN = (Month(2026, 8), SEPTEMBER, Month(2026, 10))
COUNTS = ("complaints", "closed", "open", "open_backlog")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def demo(media):
    """300 cases, three months frozen and the files built (as the job does after freezing)."""
    demo_complaints_seed(count=300, seed=5, until=UNTIL)
    for month in FROZEN:
        stats.snapshot_freeze(month=month)
    opendata_build(now=NOW)


def truth_and_published(monkeypatch):
    """The table unsuppressed (nothing is under 0) and as published."""
    published = od.build_dataset(now=NOW)
    with monkeypatch.context() as m:
        m.setattr(od, "SUPPRESS_BELOW", 0)
        truth = od.build_dataset(now=NOW)
    key = lambda r: (r["month"], r["area_code"], r["category_code"])  # noqa: E731
    return {key(r): r for r in truth.rows}, {key(r): r for r in published.rows}


def test_no_published_figure_is_under_five_and_shown_ones_are_true(demo, monkeypatch):
    truth, published = truth_and_published(monkeypatch)
    assert truth.keys() == published.keys()
    shown = small = complement = 0
    for key, row in published.items():
        for count in COUNTS:
            value, real = row[count], truth[key][count]
            if value == od.SMALL:
                small += 1
                assert real < 5, (key, count)
            elif value == od.COMPLEMENT:
                complement += 1
                assert real >= 5, (key, count)
            else:
                shown += 1
                assert isinstance(value, int) and value >= 5 and value == real, (key, count)
        if row["share_closed"] is not None:
            assert isinstance(row["complaints"], int) and isinstance(row["closed"], int)
            assert row["share_closed"] == round(100 * row["closed"] / row["complaints"], 1)
        if row["median_days_to_close"] is not None:
            assert isinstance(row["closed"], int)
    # The demo's 300 cases give both big and small cells, and the totals force complements.
    assert shown > 20 and small > 100 and complement > 0


def _relations(published: dict):
    """Every total and its parts, written from the table's meaning (not the selector's)."""
    months = {k[0] for k in published}
    categories = {k[2] for k in published} - {od.ALL}
    provinces = list(Province.objects.values_list("code", flat=True))
    districts = list(District.objects.values_list("code", "province_id"))
    for month in months:
        areas = [COUNTRY_CODE, *provinces, *(d for d, _p in districts)]
        for count in COUNTS:
            for area in areas:
                yield (month, area, od.ALL, count), [(month, area, c, count) for c in categories]
            for cat in (od.ALL, *categories):
                yield (
                    (month, COUNTRY_CODE, cat, count),
                    [(month, p, cat, count) for p in provinces],
                )
                for p in provinces:
                    yield (
                        (month, p, cat, count),
                        [(month, d, cat, count) for d, dp in districts if dp == p],
                    )
        for area in areas:
            for cat in (od.ALL, *categories):
                yield (
                    (month, area, cat, "complaints"),
                    [(month, area, cat, "closed"), (month, area, cat, "open")],
                )


def _solutions(total, parts) -> set:
    """Every value the withheld cells of ``total = sum(parts)`` may take, by brute force over
    what "<5" (0-4) and "x" (5 or more, at most the largest shown total) allow."""
    import itertools

    def options(value):
        if value == od.SMALL:
            return range(5)
        if value == od.COMPLEMENT:
            return range(5, 40)
        return (value,)

    cells = [total, *parts]
    withheld = [i for i, v in enumerate(cells) if not isinstance(v, int)]
    found = set()
    for combo in itertools.product(*(options(cells[i]) for i in withheld)):
        values = list(cells)
        for i, v in zip(withheld, combo, strict=True):
            values[i] = v
        if values[0] == sum(values[1:]):
            found.add(tuple(combo))
    return found, withheld


def test_small_counts_cannot_be_recovered_by_differencing(demo, monkeypatch):
    truth, published = truth_and_published(monkeypatch)

    def value(cell):
        month, area, cat, count = cell
        return published[(month, area, cat)][count]

    checked = 0
    for total, parts in _relations(published):
        cells = [value(total), *(value(p) for p in parts)]
        if not any(c == od.SMALL for c in cells):
            continue
        checked += 1
        withheld = [c for c in cells if not isinstance(c, int)]
        assert len(withheld) >= 2, (total, cells)
        # Differencing: what the shown cells leave over for the withheld ones.
        if len(cells) <= 7 and sum(1 for c in cells if c == od.COMPLEMENT) <= 2:
            solutions, index = _solutions(cells[0], cells[1:])
            for position in range(len(index)):
                assert len({s[position] for s in solutions}) > 1, (total, cells)
    assert checked > 100


def test_a_relation_with_one_small_cell_would_be_recovered_without_complements(monkeypatch):
    """The differencing check is real: a total and its parts with one "<5" part alone gives
    it away, and ``suppress`` withholds a second part."""
    values = {"t": 20, "a": 3, "b": 9, "c": 8}
    sup = od.suppress(values, [("t", ["a", "b", "c"])])
    assert sup.small == {"a"} and sup.complement == {"c"}
    # Several "<5" that must all be 4 (or all 0) give themselves away too.
    values = {"t": 18, "a": 4, "b": 4, "c": 10}
    sup = od.suppress(values, [("t", ["a", "b", "c"])])
    assert sup.complement == {"c"}
    values = {"t": 10, "a": 0, "b": 0, "c": 10}
    sup = od.suppress(values, [("t", ["a", "b", "c"])])
    assert sup.complement == {"c"}


def test_only_frozen_months_are_published_and_read_as_frozen(demo):
    frozen = MonthFigure.objects.get(
        snapshot__month=SEPTEMBER.first_day, level="country", category__isnull=True
    )
    computed = frozen.complaints
    # The published month is the frozen row, not a new count: mark the row to see it.
    MonthFigure.objects.filter(pk=frozen.pk).update(complaints=computed + 50, closed=0)
    data = od.build_dataset(now=NOW)
    rows = {
        r["month"]: r
        for r in data.rows
        if r["area_code"] == COUNTRY_CODE and r["category_code"] == od.ALL
    }
    # Of the twelve ended months, the three frozen ones; the others wait for their freezing.
    assert data.months == list(FROZEN)
    assert len(data.pending_months) == od.OPEN_DATA_MONTHS - 3
    assert set(rows) == {"2569-08", "2569-09", "2569-10"}
    assert rows["2569-09"]["complaints"] == computed + 50
    assert rows["2569-09"]["closed"] == od.SMALL and rows["2569-09"]["share_closed"] is None
    assert data.updated is not None


def test_nothing_frozen_publishes_no_figure_and_says_so(frozen_now, media):
    data = od.build_dataset(now=NOW)
    assert data.rows == [] and data.months == [] and len(data.pending_months) == 12
    opendata_build(now=NOW)
    page = Client().get("/open-data/")
    assert page.status_code == 200 and 'id="opendata-empty"' in page.content.decode()
    assert Client().get("/open-data/datapackage.json").status_code == 200
    csv_body = Client().get("/open-data/complaints-monthly.csv").getvalue()
    assert csv_body.decode("utf-8-sig").splitlines() == [",".join(od.COLUMN_NAMES)]


def test_anticorruption_tips_only_as_national_and_provincial_totals(demo):
    def tips(month):
        return {"49": 7, "48": 2} if month == SEPTEMBER else {"4901": 6}

    od.register_anticorruption_totals(tips)
    try:
        data = od.build_dataset(now=NOW)
    finally:
        od.unregister_anticorruption_totals(tips)
    rows = [r for r in data.rows if r["category_code"] == od.ANTICORRUPTION]
    assert rows and {r["level"] for r in rows} == {"country", "province"}
    sept = {r["area_code"]: r["complaints"] for r in rows if r["month"] == "2569-09"}
    # 48's two tips are "<5"; Mukdahan's 7 would give them away from the national 9.
    assert sept == {"TH": 9, "48": od.SMALL, "49": od.COMPLEMENT}
    october = {r["area_code"]: r["complaints"] for r in rows if r["month"] == "2569-10"}
    # The district's code counts in 49; 48 has none ("<5"), which 49 would give away.
    assert october == {"TH": 6, "48": od.SMALL, "49": od.COMPLEMENT}
    assert not [
        r for r in data.rows if r["level"] == "district" and r["category_code"] == od.ANTICORRUPTION
    ]


# --- The page and the files -------------------------------------------------------------------


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def test_the_files_are_public_and_described_by_the_datapackage(demo, frozen_now):
    client = Client()
    package = client.get("/open-data/datapackage.json")
    assert package.status_code == 200 and package["Content-Type"].startswith("application/json")
    descriptor = package.json()
    assert descriptor["profile"] == "tabular-data-package"
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["created"]
    names = {r["path"] for r in descriptor["resources"]}
    assert names == {
        "complaints-monthly.csv",
        "complaints-monthly.json",
        "provinces.geojson",
        "districts.geojson",
    }
    base = "http://testserver/open-data/datapackage.json"
    bodies = {}
    for resource in descriptor["resources"]:
        url = urljoin(base, resource["path"])
        response = client.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith(resource["mediatype"])
        bodies[resource["path"]] = response.getvalue()
    # CSV: UTF-8 with a BOM, the schema's columns in order, Thai names readable.
    raw = bodies["complaints-monthly.csv"]
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    schema = descriptor["resources"][0]["schema"]
    assert list(rows[0]) == [f["name"] for f in schema["fields"]]
    assert set(schema["missingValues"]) >= {"<5", "x"}
    assert any(r["area_name_th"] == "มุกดาหาร" for r in rows)
    for row in rows:
        for count in COUNTS:
            assert row[count] in ("<5", "x") or int(row[count]) >= 5
    # JSON (compact): the column names once, then the same rows as arrays in that order.
    data = json.loads(bodies["complaints-monthly.json"])
    assert data["fields"] == [f["name"] for f in schema["fields"]]
    assert len(data["rows"]) == len(rows) and data["licence"] == "CC-BY-4.0"
    for array, row in zip(data["rows"], rows, strict=True):
        as_csv = [
            "" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for v in array
        ]
        assert as_csv == list(row.values())
    # GeoJSON: the areas with the last month's figures.
    provinces = json.loads(bodies["provinces.geojson"])
    codes = {f["properties"]["area_code"] for f in provinces["features"]}
    assert codes == {"48", "49"}
    assert all(f["properties"]["month"] == "2569-10" for f in provinces["features"])
    assert provinces["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    districts = json.loads(bodies["districts.geojson"])
    assert len(districts["features"]) == District.objects.exclude(geom=None).count()


def test_the_page_shows_licence_update_dictionary_and_suppressed_figures(demo, frozen_now):
    response = Client().get("/open-data/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "CC-BY-4.0" in body and "datapackage.json" in body
    for name in od.COLUMN_NAMES:
        assert f">{name}<" in body
    assert "&lt;5" in body  # small counts shown as such
    assert "2569" in body  # Buddhist-Era dates


def _fail(*args, **kwargs):
    raise AssertionError("a public request built the open-data table")


def test_before_the_first_build_the_page_says_the_data_is_being_prepared(
    media, frozen_now, monkeypatch
):
    demo_complaints_seed(count=30, seed=6, until=UNTIL)
    stats.snapshot_freeze(month=SEPTEMBER)  # frozen, but the job has not built the files yet
    monkeypatch.setattr(od, "build_dataset", _fail)
    client = Client()
    page = client.get("/open-data/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="opendata-preparing"' in body and "กำลังจัดเตรียมข้อมูลเปิด" in body
    assert 'id="opendata-latest"' not in body
    for url in ("/open-data/datapackage.json", "/open-data/complaints-monthly.csv"):
        response = client.get(url)
        assert response.status_code == 503 and response["Retry-After"]
        error = response.json()
        assert error["code"] == "opendata_preparing" and set(error) == {
            "code",
            "description",
            "fields",
        }
        assert "กำลังจัดเตรียม" in error["description"]


def test_public_requests_read_the_stored_build_and_never_compute(demo, frozen_now, monkeypatch):
    monkeypatch.setattr(od, "build_dataset", _fail)
    client = Client()
    urls = ["/open-data/", "/open-data/datapackage.json"] + [
        f"/open-data/{name}"
        for name in ("complaints-monthly.csv", "complaints-monthly.json", "districts.geojson")
    ]
    with CaptureQueriesContext(connection) as queries:
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            b"".join(response.streaming_content) if response.streaming else response.content
    # No figure, snapshot, boundary or case is read: only the files written by the build.
    read = " ".join(q["sql"] for q in queries.captured_queries)
    for table in ("layers_monthfigure", "layers_monthsnapshot", "boundaries_", "layers_complaint"):
        assert table not in read, table
    # The files are those of the current version, under MEDIA_ROOT/open-data/<version>/.
    build = od.published_build()
    served = client.get("/open-data/complaints-monthly.csv")
    assert b"".join(served.streaming_content) == build.path("complaints-monthly.csv").read_bytes()


def test_the_job_builds_after_a_month_is_frozen_and_the_files_match(media, frozen_now, run_jobs):
    demo_complaints_seed(count=300, seed=5, until=UNTIL)
    for month in FROZEN[:2]:
        stats.snapshot_freeze(month=month)
    assert opendata_build_queue(now=NOW) is True
    assert opendata_build_queue(now=NOW) is False  # one waiting build at a time
    assert run_jobs() == 1
    first = od.published_build()
    assert first.pointer["months"] == ["2569-08", "2569-09"]
    # The files hold exactly the table as built now, shaped for the public.
    expected = [public_row(r) for r in od.build_dataset(now=NOW).rows]
    data = json.loads(Client().get("/open-data/complaints-monthly.json").getvalue())
    assert [dict(zip(data["fields"], row, strict=True)) for row in data["rows"]] == expected
    csv_rows = list(
        csv.reader(io.StringIO(first.path("complaints-monthly.csv").read_text("utf-8-sig")))
    )
    assert len(csv_rows) == len(expected) + 1
    # October is frozen by the month-end job of 1 November: it queues a new build.
    from layers.services.reports import month_end_run

    tick = datetime.combine(date(2026, 11, 1), time(0, 30), tzinfo=BANGKOK)
    assert month_end_run(now=tick)["opendata_queued"] is True
    run_jobs()
    second = od.published_build()
    assert second.pointer["version"] != first.pointer["version"]
    assert second.pointer["months"] == ["2569-08", "2569-09", "2569-10"]
    page = Client().get("/open-data/").content.decode()
    assert "2569" in page and 'id="opendata-latest"' in page
    # The next day's catch-up builds nothing again.
    assert month_end_run(now=tick.replace(day=2))["opendata_queued"] is False


def test_unknown_files_and_writes_are_refused(demo):
    client = Client()
    assert client.get("/open-data/passwords.csv").status_code == 404
    assert client.post("/open-data/complaints-monthly.csv").status_code == 405
    assert client.post("/open-data/").status_code == 405
