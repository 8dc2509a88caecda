"""The dashboards' figures, classes, scoping and shapes (layers/selectors/dashboards.py,
layers/classify.py, boundaries/shapes.py), against hand counts on the sample."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import shapely
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from boundaries import shapes
from boundaries.models import District, Province, Subdistrict
from boundaries.services.loading import load_boundaries
from layers import classify
from layers.errors import Forbidden, InvalidInput, NotFound
from layers.models import Role, RoleAssignment
from layers.selectors import dashboards as sel
from tests.conftest import SAMPLE_DIR
from tests.dashboard_data import HAND, build_cases
from tests.factories import make_officer, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def request(query: str = "", parent: str | None = None) -> sel.FigureRequest:
    return sel.figure_request_from_params(QueryDict(query), parent=parent)


def figures(officer, query: str):
    return sel.area_figures(officer=officer, request=request(query))


# --- the figures equal a hand count -------------------------------------------------------------


def test_country_province_and_district_figures_equal_the_hand_count():
    build_cases()
    central = make_officer(Role.CENTRAL_OFFICER)
    country = figures(central, "")
    for code in ("49", "48"):
        row = country["areas"][code]
        for key in ("complaints", "closed", "open_backlog", "overdue"):
            assert row[key] == HAND[code][key], (code, key)
    assert country["total"]["complaints"] == 8  # every case of all time
    assert country["total"]["closed"] == 4 and country["total"]["share_closed"] == 50.0

    province = figures(central, "parent=49&metric=median_days_to_close")
    for code in ("4901", "4902"):
        row = province["areas"][code]
        assert row["complaints"] == HAND[code]["complaints"]
        assert row["overdue"] == HAND[code]["overdue"]
        assert row["value"] == HAND[code]["median"]  # median of 4 and 8; of 1
    # A district without cases: zero complaints, and no share closed or median ("no data").
    empty = province["areas"]["4903"]
    assert empty["complaints"] == 0 and empty["share_closed"] is None and empty["value"] is None
    assert empty["class"] is None
    assert province["total"]["complaints"] == 6

    district = figures(central, "parent=4901&metric=share_closed")
    assert district["areas"]["490101"]["value"] == pytest.approx(66.7)
    assert district["areas"]["490102"]["value"] == 0.0
    assert district["areas"]["490103"]["value"] is None
    # The share closed is classed on the fixed scale around the 80 % target.
    assert district["classes"].method == classify.TARGET
    assert district["areas"]["490102"]["class"] == 0  # below 40 %
    assert district["areas"]["490101"]["class"] == 2  # 60 to below 70 %


def test_per_10k_uses_the_population_and_no_population_is_no_data():
    build_cases()
    central = make_officer(Role.CENTRAL_OFFICER)
    population = District.objects.get(code="4901").population
    data = figures(central, "parent=49&metric=per_10k")
    assert data["areas"]["4901"]["value"] == pytest.approx(round(40_000 / population, 2))
    District.objects.filter(code="4902").update(population=None)
    data = figures(central, "parent=49&metric=per_10k")
    assert data["areas"]["4902"]["value"] is None and data["areas"]["4902"]["complaints"] == 2
    assert data["areas"]["4902"]["class"] is None
    assert data["ranked"][-1] != "4901"  # no data ranks last, after zeros


def test_filters_narrow_the_figures():
    build_cases()
    central = make_officer(Role.CENTRAL_OFFICER)
    today = timezone.localdate()
    since = (today - timedelta(days=30)).isoformat()
    data = figures(central, f"parent=49&since={since}")
    assert data["areas"]["4901"]["complaints"] == 2  # received 10 and 5 days ago
    assert data["areas"]["4902"]["complaints"] == 1
    data = figures(central, "parent=49&category=debt")
    assert (data["areas"]["4901"]["complaints"], data["areas"]["4902"]["complaints"]) == (1, 1)
    data = figures(central, "parent=49&channel=phone&metric=overdue")
    assert data["areas"]["4902"]["value"] == 1 and data["areas"]["4901"]["value"] == 0
    data = figures(central, "parent=4901&status=closed")
    assert data["areas"]["490101"]["complaints"] == 2
    data = figures(central, "parent=4901&status=received,in_progress,assigned,forwarded")
    assert data["total"]["complaints"] == 2 and data["total"]["closed"] == 0


def test_charts_leave_out_their_own_filter_and_follow_a_picked_area():
    build_cases()
    central = make_officer(Role.CENTRAL_OFFICER)
    req = request("parent=49&category=debt")
    area = sel.dashboard_area(officer=central, code="49")
    charts = sel.breakdowns(officer=central, request=req, area=area)
    by_key = {r["key"]: r for r in charts["category"]}
    assert by_key["land"]["complaints"] == 4 and by_key["debt"]["complaints"] == 2
    assert by_key["debt"]["selected"] and not by_key["land"]["selected"]
    # The month chart is narrowed by the category: the two debt cases' months.
    assert sum(r["complaints"] for r in charts["month"]) == 2
    picked = sel.breakdowns(officer=central, request=request("parent=49&area=4902"), area=area)
    assert sum(r["complaints"] for r in picked["category"]) == 2
    # The bars show the chosen metric: the median only when it is the one chosen.
    assert by_key["land"]["median_days_to_close"] is None
    charts = sel.breakdowns(
        officer=central, request=request("parent=49&metric=median_days_to_close"), area=area
    )
    land = next(r for r in charts["category"] if r["key"] == "land")
    assert land["value"] == 4.0  # closed after 4, 8 and 1 days
    # The tiles follow the picked area too; the map and the table still show every area.
    data = figures(central, "parent=4901&area=490101")
    assert data["total"]["complaints"] == 3 and data["total"]["overdue"] == 1
    assert len(data["areas"]) == 13


@pytest.mark.parametrize(
    "query,field",
    [
        ("metric=loudness", "metric"),
        ("classes=equal", "classes"),
        ("parent=490101", "parent"),
        ("parent=4x", "parent"),
        ("parent=49&area=4801", "area"),
        ("since=01/02/2026", "since"),
        ("since=2026-03-01&until=2026-01-01", "until"),
        ("status=lost", "status"),
        ("channel=pigeon", "channel"),
        ("category=nosuch", "category"),
        ("province=49", "params"),
        ("metric=complaints&metric=overdue", "metric"),
    ],
)
def test_bad_parameters_are_refused_by_name(query, field):
    with pytest.raises(InvalidInput) as exc:
        request(query)
    assert field in exc.value.fields


def test_an_area_that_is_not_a_child_is_refused():
    central = make_officer(Role.CENTRAL_OFFICER)
    with pytest.raises(InvalidInput):
        figures(central, "parent=49&area=4999")


# --- who opens which dashboard -----------------------------------------------------------------


def test_each_role_starts_at_its_own_level():
    assert sel.dashboard_areas(make_officer(Role.CENTRAL_OFFICER)) == [""]
    assert sel.dashboard_areas(make_officer(Role.ADMIN)) == [""]
    assert sel.dashboard_areas(make_officer(Role.GOVERNOR, province="49")) == ["49"]
    assert sel.dashboard_areas(make_officer(Role.PROVINCE_OFFICER, province="48")) == ["48"]
    assert sel.dashboard_areas(make_officer(Role.DISTRICT_CHIEF, district="4901")) == ["4901"]
    assert sel.dashboard_areas(make_officer(Role.DISTRICT_OFFICER, district="4902")) == ["4902"]
    assert sel.dashboard_areas(make_officer(Role.GIS_ANALYST, province="49")) == ["49"]
    assert sel.dashboard_areas(make_officer(Role.GIS_ANALYST, district="4901")) == ["4901"]
    assert sel.dashboard_areas(make_officer(Role.GIS_ANALYST)) == [""]
    member = make_officer(Role.TEAM_MEMBER, district="4901", teams=[make_team("490101")])
    assert sel.dashboard_areas(member) == []
    assert sel.dashboard_areas(make_officer()) == []
    # A district inside the officer's own province adds nothing; another province's does.
    both = make_officer(Role.GOVERNOR, province="49")
    RoleAssignment.objects.create(officer=both, role=Role.DISTRICT_CHIEF, district_id="4901")
    RoleAssignment.objects.create(officer=both, role=Role.DISTRICT_CHIEF, district_id="4801")
    both = type(both).objects.get(pk=both.pk)
    assert sel.dashboard_areas(both) == ["49", "4801"]


def test_a_governor_opens_their_province_and_below_never_beside_or_above():
    build_cases()
    governor = make_officer(Role.GOVERNOR, province="49")
    assert sel.dashboard_area(officer=governor, code="49").level == "province"
    district = sel.dashboard_area(officer=governor, code="4901")
    assert [c.code for c in district.crumbs] == ["49", "4901"]  # no country crumb
    for code in ("", "48", "4801"):
        with pytest.raises(Forbidden):
            sel.dashboard_area(officer=governor, code=code)
        with pytest.raises(Forbidden):
            figures(governor, f"parent={code}")
    with pytest.raises(NotFound):
        sel.dashboard_area(officer=governor, code="4999")


def test_a_district_officer_opens_only_their_district():
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    assert sel.dashboard_area(officer=officer, code="4901").child_level == "subdistrict"
    for code in ("", "49", "4902", "48", "4801"):
        with pytest.raises(Forbidden):
            sel.dashboard_area(officer=officer, code=code)


def test_a_district_dashboard_counts_every_case_of_the_district():
    """A district officer's figures are their district's, the same as the central officer's."""
    build_cases()
    officer = make_officer(Role.DISTRICT_OFFICER, district="4901")
    central = make_officer(Role.CENTRAL_OFFICER)
    mine = figures(officer, "parent=4901")
    assert mine["areas"]["490101"]["complaints"] == HAND["490101"]["complaints"]
    assert mine["total"] == figures(central, "parent=4901")["total"]


def test_outsiders_have_no_dashboard():
    with pytest.raises(Forbidden):
        sel.dashboard_area(officer=make_officer(), code="49")
    member = make_officer(Role.TEAM_MEMBER, district="4901", teams=[make_team("490101")])
    with pytest.raises(Forbidden):
        sel.dashboard_area(officer=member, code="4901")


# --- classes -----------------------------------------------------------------------------------


def test_quantiles_and_natural_breaks():
    values = [1, 2, 3, 10, 11, 12, 30, 31, None]
    q = classify.classify(values, method=classify.QUANTILES, k=4)
    assert [iv.high for iv in q.intervals] == [2.75, 10.5, 16.5, 31.0]
    assert q.class_of(1) == 0 and q.class_of(2.75) == 0 and q.class_of(2.8) == 1
    assert q.class_of(None) is None
    nb = classify.classify(values, method=classify.NATURAL_BREAKS, k=3)
    assert [iv.high for iv in nb.intervals] == [3.0, 12.0, 31.0]
    assert [nb.class_of(v) for v in (3, 10, 30)] == [0, 1, 2]
    # Fewer distinct values than classes: fewer classes; none at all: no classes.
    assert len(classify.classify([5, 5, 5], method=classify.QUANTILES).intervals) == 1
    assert classify.classify([None, None]).intervals == ()


def test_natural_breaks_minimise_the_within_class_deviation():
    """Against every possible split of a small list: Fisher's is the best."""

    values = sorted([3, 7, 8, 9, 21, 22, 40, 41, 43, 70])

    def cost(groups):
        return sum(sum((v - sum(g) / len(g)) ** 2 for v in g) for g in groups)

    best = min(
        cost([values[:a], values[a:b], values[b:]])
        for a, b in itertools.combinations(range(1, len(values)), 2)
    )
    uppers = classify.natural_breaks(values, 3)
    groups, start = [], 0
    for upper in uppers:
        end = max(i for i, v in enumerate(values) if v <= upper) + 1
        groups.append(values[start:end])
        start = end
    assert cost(groups) == pytest.approx(best)


def test_the_share_closed_scale_diverges_at_the_target():
    c = classify.classify([], method=classify.TARGET)
    assert c.center == 80
    assert c.class_of(79.9) == 3 and c.class_of(80) == 4 and c.class_of(100) == 5
    below = {iv.color for iv in c.intervals if iv.high <= 80}
    above = {iv.color for iv in c.intervals if iv.low >= 80}
    assert len(below) == 4 and len(above) == 2 and not below & above


# --- shapes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("parent", ["", "49", "4901", "4801"])
def test_shapes_keep_their_shared_edges(parent):
    """The simplified, quantised level decoded back: every area there, no overlap and no gap
    between neighbours (the union has no hole the areas' own union lacks), close to the
    original polygons."""
    level = shapes.level_shapes(parent)
    topo = shapes.topology(level)
    decoded = shapes.decode_topology(topo)
    model = shapes.CHILD_MODEL[level.level]
    original = {a.code: shapely.from_wkb(bytes(a.geom.wkb)) for a in _children(model, parent)}
    assert set(decoded) == set(original)
    geoms = [shapely.make_valid(decoded[c]) for c in sorted(decoded)]
    union = shapely.union_all(geoms)
    assert sum(g.area for g in geoms) == pytest.approx(union.area, rel=1e-6)  # no overlap
    original_union = shapely.union_all(list(original.values()))
    holes = sum(len(p.interiors) for p in shapes._polygons(union))
    assert holes == sum(len(p.interiors) for p in shapes._polygons(original_union))  # no gap
    assert shapely.symmetric_difference(union, original_union).area < 0.01 * original_union.area
    # Shared edges are stored once: fewer arcs than rings' worth of edges.
    rings = sum(len(p.interiors) + 1 for g in geoms for p in shapes._polygons(g))
    assert len(topo["arcs"]) < 3 * rings


def _children(model, parent):
    qs = model.objects.filter(geom__isnull=False)
    if model is District:
        qs = qs.filter(province_id=parent)
    elif model is Subdistrict:
        qs = qs.filter(district_id=parent)
    return qs


def test_shapes_version_changes_when_the_boundaries_are_loaded_again():
    before = shapes.shapes_version()
    load_boundaries(source_dir=SAMPLE_DIR, progress=False)
    assert shapes.shapes_version() != before
    assert Province.objects.filter(code="49").exists()


def test_figures_are_kept_for_the_cache_time_and_read_for_any_metric(settings):
    """Counted once per parent, picked area and filters: a second metric reads the same counts
    (no query), a case added meanwhile shows once the time is up (here: another filter)."""
    cache.clear()
    settings.DASHBOARD_FIGURES_CACHE_SECONDS = 300
    build_cases()
    central = make_officer(Role.CENTRAL_OFFICER)
    first = figures(central, "parent=49")
    with CaptureQueriesContext(connection) as queries:
        other = figures(central, "parent=49&metric=share_closed")
    assert not [q for q in queries.captured_queries if "layers_complaint" in q["sql"]]
    assert other["areas"]["4901"]["value"] == 50.0 and other["as_of"] == first["as_of"]
    build_cases()  # eight more
    assert figures(central, "parent=49")["total"]["complaints"] == 6  # still the kept counts
    assert figures(central, "parent=49&channel=walk_in")["total"]["complaints"] == 6  # 3 + 3
    settings.DASHBOARD_FIGURES_CACHE_SECONDS = 0
    assert figures(central, "parent=49")["total"]["complaints"] == 12
    cache.clear()
