"""Open data (ITA, seed 002; issue 11): the monthly complaint figures of every province and
district, by main category, for anyone — with small counts suppressed.

What is published: of the last ``OPEN_DATA_MONTHS`` ended months, those frozen
(``MonthSnapshot``/``MonthFigure``, the month-end figures the department steers with: the
month-end job freezes each month on the 1st, ``manage.py snapshot_month`` any past one). A month
not frozen yet is listed as pending and left out: its figures are never computed on a public
request (freezing one month of the whole country reads every case's history: minutes, not a
page view). The current month is not published: its figures still move.

One row per month × area (the country, each province, each district: every area, also those
without a case) × category (each main category, and ``ALL``). Counts per row:

* ``complaints`` — received in the month;
* ``closed`` — of those, closed by the month's end; ``open`` — of those, still open then
  (``complaints = closed + open``);
* ``open_backlog`` — every case open at the month's end, whenever received;
* ``share_closed`` (per cent, against the 80 % target: ``target_percent``, ``on_target``) and
  ``median_days_to_close`` derive from them.

**Small-count suppression.** Any count under ``SUPPRESS_BELOW`` (5; zero too) is published as
``"<5"`` (``SMALL``). So that such a cell cannot be recovered from totals, every additive
relation of the table — ``complaints = closed + open``; the categories of an area = its
``ALL``; the districts of a province = the province; the provinces = the country — is checked
after suppression: where the withheld cells of a relation could be worked out from the
published ones (one withheld cell alone, or withheld cells pinned to a single value by their
bounds: several "<5" that must all be 0 or all be 4), one more cell of the relation (the
smallest published part, else the total) is withheld as ``"x"`` (``COMPLEMENT``:
"withheld so that a small count cannot be worked out"), and the checks repeat until none
applies. ``share_closed`` is published only where both its counts are; the median only where
``closed`` is (at least five cases).

**Anti-corruption tips** (the separate channel of issue 11, built elsewhere) appear only as
national and provincial totals: a channel registers a function with
``register_anticorruption_totals`` (``Month -> {province code: tips received}``); its rows carry
the category ``ANTICORRUPTION``, never a district, and are suppressed like the others.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from boundaries.models import District, Province
from layers import metrics
from layers.models import COUNTRY_CODE, AreaLevel, Category, MonthFigure, MonthSnapshot
from layers.thaidate import Month

OPEN_DATA_MONTHS = 12
SUPPRESS_BELOW = 5
SMALL = "<5"
COMPLEMENT = "x"
ALL = "ALL"
ANTICORRUPTION = "ANTICORRUPTION"
# Counts that add up (over categories, districts, provinces); ``open`` = complaints − closed.
COUNTS = ("complaints", "closed", "open", "open_backlog")

LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
PUBLISHER = (
    "ศูนย์ดำรงธรรม กรมการปกครอง (Damrongdhama Centers, Department of Provincial Administration)"
)

# The columns of the table (CSV, JSON rows, GeoJSON properties), in order, with their type and
# meaning: the data dictionary (the page, ``datapackage.json``).
COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    # (name, Frictionless type, Thai, English)
    ("month", "string", "เดือน (พ.ศ. ปปปป-ดด)", "Month, Buddhist Era (YYYY-MM)"),
    ("month_start", "date", "วันแรกของเดือน (ค.ศ.)", "First day of the month (ISO date)"),
    ("level", "string", "ระดับพื้นที่: country, province, district", "Area level"),
    ("area_code", "string", "รหัสพื้นที่ของกรมการปกครอง (TH = ทั้งประเทศ)", "DOPA area code"),
    ("province_code", "string", "รหัสจังหวัด", "Province code"),
    ("area_name_th", "string", "ชื่อพื้นที่ (ไทย)", "Area name (Thai)"),
    ("area_name_en", "string", "ชื่อพื้นที่ (อังกฤษ)", "Area name (English)"),
    (
        "category_code",
        "string",
        "ประเภทเรื่องหลัก (ALL = ทุกประเภท; ANTICORRUPTION = เรื่องร้องเรียนการทุจริต)",
        "Main category (ALL = every category)",
    ),
    ("category_name_th", "string", "ชื่อประเภทเรื่อง (ไทย)", "Category name (Thai)"),
    ("category_name_en", "string", "ชื่อประเภทเรื่อง (อังกฤษ)", "Category name (English)"),
    ("complaints", "integer", "เรื่องที่รับในเดือน", "Complaints received in the month"),
    ("closed", "integer", "ในจำนวนนั้น ยุติเรื่องภายในสิ้นเดือน", "Of those, closed by month end"),
    ("open", "integer", "ในจำนวนนั้น ยังไม่ยุติ ณ สิ้นเดือน", "Of those, still open at month end"),
    (
        "open_backlog",
        "integer",
        "เรื่องคงค้างทั้งหมด ณ สิ้นเดือน",
        "All cases open at month end (backlog)",
    ),
    ("share_closed", "number", "ร้อยละยุติเรื่อง", "Share closed, per cent"),
    ("target_percent", "integer", "เป้าหมายร้อยละยุติเรื่อง (80)", "Target share closed (80)"),
    ("on_target", "boolean", "ถึงเป้าหมายหรือไม่", "Share closed at or above the target"),
    (
        "median_days_to_close",
        "number",
        "มัธยฐานจำนวนวันจนยุติเรื่อง",
        "Median days from received to closed",
    ),
)
COLUMN_NAMES = tuple(c[0] for c in COLUMNS)
NOTE_SUPPRESSION_TH = (
    'จำนวนที่น้อยกว่า 5 แสดงเป็น "<5"; ช่องที่แสดง "x" ถูกปิดเพิ่มเพื่อไม่ให้คำนวณย้อนหาจำนวนที่น้อยกว่า 5 '
    "จากยอดรวมได้ ร้อยละและมัธยฐานแสดงเฉพาะเมื่อจำนวนที่ใช้คำนวณแสดงอยู่"
)
NOTE_SUPPRESSION_EN = (
    'Counts under 5 are shown as "<5"; cells shown as "x" are withheld as well, so that a '
    "small count cannot be worked out from totals. Shares and medians are shown only where "
    "the counts they are computed from are shown."
)

# --- The hook for the anti-corruption channel -------------------------------------------------

AnticorruptionTotals = Callable[[Month], Mapping[str, int]]
_anticorruption_providers: list[AnticorruptionTotals] = []


def register_anticorruption_totals(provider: AnticorruptionTotals) -> None:
    """The anti-corruption channel's hook: ``provider(month)`` gives ``{province code: tips
    received in the month}``. Published as provincial and national totals only."""
    if provider not in _anticorruption_providers:
        _anticorruption_providers.append(provider)


def unregister_anticorruption_totals(provider: AnticorruptionTotals) -> None:
    if provider in _anticorruption_providers:
        _anticorruption_providers.remove(provider)


# --- The months -------------------------------------------------------------------------------


def published_months(now: datetime | None = None) -> list[Month]:
    """The last ``OPEN_DATA_MONTHS`` ended months, oldest first."""
    month = Month.of(now or timezone.now()).previous()
    out = []
    for _i in range(OPEN_DATA_MONTHS):
        out.append(month)
        month = month.previous()
    return out[::-1]


def _month_rows(month: Month) -> list[dict] | None:
    """The frozen month's raw rows (``level, area_code, category_id`` and counts), or None
    when the month is not frozen."""
    snapshot = MonthSnapshot.objects.filter(month=month.first_day).first()
    if snapshot is None:
        return None
    return list(
        MonthFigure.objects.filter(snapshot=snapshot)
        .exclude(level=AreaLevel.SUBDISTRICT)
        .values(
            "level",
            "area_code",
            "category_id",
            "complaints",
            "closed",
            "open_backlog",
            "median_days_to_close",
        )
    )


# --- Suppression ------------------------------------------------------------------------------

# A cell: (month index, area code, category code, count name).
Cell = tuple


@dataclass
class Suppression:
    """Which cells are withheld: ``small`` (under 5) and ``complement`` (withheld so that a
    small one cannot be worked out)."""

    small: set
    complement: set

    def withheld(self, cell) -> bool:
        return cell in self.small or cell in self.complement

    def shown(self, cell, value):
        if cell in self.small:
            return SMALL
        if cell in self.complement:
            return COMPLEMENT
        return value


def _pinned(total, parts, values: dict, hidden: set, small: set) -> bool:
    """Whether the withheld cells of ``total = sum(parts)`` can be worked out from the shown
    ones. Written as ``sum(parts) - total = 0``, the withheld cells' signed sum must equal
    what the shown cells leave; each withheld cell lies in its bounds ("<5": 0-4, "x": 5 or
    more). A single linear equation with such bounds fixes a cell only when it is alone or
    when the sum sits at the lowest or highest value the bounds allow (then every withheld
    cell is at its bound: several "<5" that must all be 0, or all 4)."""
    withheld = [(c, -1 if c == total else 1) for c in (total, *parts) if c in hidden]
    if not withheld:
        return False
    if len(withheld) == 1:
        return True
    target = -sum((-1 if c == total else 1) * values[c] for c in (total, *parts) if c not in hidden)
    lowest = highest = 0.0
    for cell, sign in withheld:
        lo, hi = (0, SUPPRESS_BELOW - 1) if cell in small else (SUPPRESS_BELOW, math.inf)
        if sign < 0:
            lo, hi = -hi, -lo
        lowest += lo
        highest += hi
    return target in (lowest, highest)


def suppress(values: dict, relations: list[tuple]) -> Suppression:
    """Primary and complementary suppression of ``values`` (``{cell: count}``) under the
    additive ``relations`` (``(total cell, [part cells])``).

    Cells are numbered once and the pass works on lists of numbers (state per cell: 0 shown,
    1 small, 2 complement) rather than on sets of tuples; the checks, their order and the
    choice of the cell to withhold are those of ``_pinned`` (the same result, about three
    times faster at national scale)."""
    cells = list(values)
    number = {cell: i for i, cell in enumerate(cells)}
    vals = [values[cell] for cell in cells]
    state = bytearray(1 if v < SUPPRESS_BELOW else 0 for v in vals)
    rels: list[tuple[int, list[int]]] = []
    by_cell: dict[int, list[int]] = {}
    pending: set[int] = set()
    for index, (total, parts) in enumerate(relations):
        t = number[total]
        ps = [number[p] for p in parts]
        rels.append((t, ps))
        touches_small = state[t] == 1
        by_cell.setdefault(t, []).append(index)
        for p in ps:
            by_cell.setdefault(p, []).append(index)
            if state[p] == 1:
                touches_small = True
        if touches_small:
            pending.add(index)
    top = SUPPRESS_BELOW - 1
    inf = math.inf
    while pending:
        index = pending.pop()
        t, ps = rels[index]
        # _pinned: sum(parts) - total = 0; withheld cells within their bounds.
        withheld = 0
        rest = 0
        lowest = highest = 0.0
        s = state[t]
        if s:
            withheld += 1
            if s == 1:
                lowest -= top
            else:
                lowest = -inf
                highest -= SUPPRESS_BELOW
        else:
            rest -= vals[t]
        for p in ps:
            s = state[p]
            if s:
                withheld += 1
                if s == 1:
                    highest += top
                else:
                    lowest += SUPPRESS_BELOW
                    highest = inf
            else:
                rest += vals[p]
        if withheld == 0:
            continue
        if withheld > 1 and -rest != lowest and -rest != highest:
            continue
        shown_parts = [p for p in ps if not state[p]]
        if shown_parts:
            pick = min(shown_parts, key=lambda i: (vals[i], cells[i]))
        elif not state[t]:
            pick = t
        else:
            continue  # everything withheld already: nothing more to hide here
        state[pick] = 2
        pending.update(by_cell.get(pick, ()))
        pending.add(index)
    return Suppression(
        small={cells[i] for i, s in enumerate(state) if s == 1},
        complement={cells[i] for i, s in enumerate(state) if s == 2},
    )


# --- The dataset ------------------------------------------------------------------------------


@dataclass
class OpenDataset:
    months: list[Month]
    rows: list[dict]  # published rows (``COLUMNS``), suppressed
    updated: datetime | None  # when the newest published month was frozen
    pending_months: list[Month]  # ended months not frozen yet (not published)


def _areas() -> list[dict]:
    out = [
        {
            "level": AreaLevel.COUNTRY,
            "code": COUNTRY_CODE,
            "province": "",
            "name_th": "ประเทศไทย",
            "name_en": "Thailand",
        }
    ]
    for code, th, en in Province.objects.order_by("code").values_list("code", "name_th", "name_en"):
        out.append(
            {
                "level": AreaLevel.PROVINCE,
                "code": code,
                "province": code,
                "name_th": th,
                "name_en": en,
            }
        )
    for code, province, th, en in District.objects.order_by("code").values_list(
        "code", "province_id", "name_th", "name_en"
    ):
        out.append(
            {
                "level": AreaLevel.DISTRICT,
                "code": code,
                "province": province,
                "name_th": th,
                "name_en": en,
            }
        )
    return out


def build_dataset(*, now: datetime | None = None) -> OpenDataset:
    """The published table (see the module docstring), suppressed."""
    now = now or timezone.now()
    candidates = published_months(now)
    month_rows = {m: _month_rows(m) for m in candidates}
    months = [m for m in candidates if month_rows[m] is not None]
    pending = [m for m in candidates if month_rows[m] is None]
    areas = _areas()
    categories = list(
        Category.objects.filter(parent__isnull=True)
        .order_by("sort_order", "code")
        .values("id", "code", "name_th", "name_en")
    )
    code_of = {c["id"]: c["code"] for c in categories}
    cat_codes = [c["code"] for c in categories]
    districts_of: dict[str, list[str]] = {}
    for a in areas:
        if a["level"] == AreaLevel.DISTRICT:
            districts_of.setdefault(a["province"], []).append(a["code"])
    provinces = [a["code"] for a in areas if a["level"] == AreaLevel.PROVINCE]

    values: dict = {}
    medians: dict = {}
    anticorruption: list[dict[str, int]] = []
    for m, month in enumerate(months):
        rows = month_rows[month]
        for a in areas:
            for cat in (ALL, *cat_codes):
                for count in COUNTS:
                    values[(m, a["code"], cat, count)] = 0
        for r in rows:
            cat = ALL if r["category_id"] is None else code_of.get(r["category_id"])
            if cat is None:
                continue
            key = (m, r["area_code"], cat)
            if (m, r["area_code"], cat, "complaints") not in values:
                continue  # an area no longer in the boundaries
            values[(*key, "complaints")] = r["complaints"]
            values[(*key, "closed")] = r["closed"]
            values[(*key, "open")] = r["complaints"] - r["closed"]
            values[(*key, "open_backlog")] = r["open_backlog"]
            medians[key] = r["median_days_to_close"]
        tips: dict[str, int] = {}
        for provider in _anticorruption_providers:
            for code, n in provider(month).items():
                tips[str(code)[:2]] = tips.get(str(code)[:2], 0) + int(n)
        anticorruption.append(tips)
        if _anticorruption_providers:
            for code in provinces:
                values[(m, code, ANTICORRUPTION, "complaints")] = tips.get(code, 0)
            values[(m, COUNTRY_CODE, ANTICORRUPTION, "complaints")] = sum(
                tips.get(c, 0) for c in provinces
            )

    relations: list[tuple] = []
    for m in range(len(months)):
        for a in areas:
            for cat in (ALL, *cat_codes):
                cell = (m, a["code"], cat)
                relations.append(((*cell, "complaints"), [(*cell, "closed"), (*cell, "open")]))
            for count in COUNTS:
                relations.append(
                    (
                        (m, a["code"], ALL, count),
                        [(m, a["code"], c, count) for c in cat_codes],
                    )
                )
        for cat in (ALL, *cat_codes):
            for count in COUNTS:
                relations.append(
                    (
                        (m, COUNTRY_CODE, cat, count),
                        [(m, p, cat, count) for p in provinces],
                    )
                )
                for p in provinces:
                    relations.append(
                        ((m, p, cat, count), [(m, d, cat, count) for d in districts_of.get(p, [])])
                    )
        if _anticorruption_providers:
            relations.append(
                (
                    (m, COUNTRY_CODE, ANTICORRUPTION, "complaints"),
                    [(m, p, ANTICORRUPTION, "complaints") for p in provinces],
                )
            )
    sup = suppress(values, relations)

    names = {c["code"]: c for c in categories}
    out: list[dict] = []
    for m, month in enumerate(months):
        for a in areas:
            cats = [ALL, *cat_codes]
            if _anticorruption_providers and a["level"] != AreaLevel.DISTRICT:
                cats.append(ANTICORRUPTION)
            for cat in cats:
                out.append(
                    _row(
                        month,
                        a,
                        cat,
                        names.get(cat),
                        values,
                        medians.get((m, a["code"], cat)),
                        sup,
                        m,
                    )
                )
    updated = MonthSnapshot.objects.filter(month__in=[m.first_day for m in months]).aggregate(
        last=Max("computed_at")
    )["last"]
    return OpenDataset(months=months, rows=out, updated=updated, pending_months=pending)


def _row(month, area, cat, category, values, median, sup, m) -> dict:
    key = (m, area["code"], cat)
    shown = {}
    for count in COUNTS:
        cell = (*key, count)
        if cell in values:
            shown[count] = sup.shown(cell, values[cell])
        else:
            shown[count] = None  # anti-corruption rows: received only
    complaints = values.get((*key, "complaints"), 0)
    closed = values.get((*key, "closed"), 0)
    counted = (*key, "complaints") in values and (*key, "closed") in values
    share_ok = (
        counted and not sup.withheld((*key, "complaints")) and not sup.withheld((*key, "closed"))
    )
    derived = metrics.derive({"complaints": complaints, "closed": closed})
    if cat == ALL:
        cat_th, cat_en = "ทุกประเภท", "All categories"
    elif cat == ANTICORRUPTION:
        cat_th, cat_en = "เรื่องร้องเรียนการทุจริตและประพฤติมิชอบ", "Corruption and misconduct tips"
    else:
        cat_th, cat_en = category["name_th"], category["name_en"]
    return {
        "month": month.be_code,
        "month_start": month.first_day.isoformat(),
        "level": str(area["level"]),
        "area_code": area["code"],
        "province_code": area["province"],
        "area_name_th": area["name_th"],
        "area_name_en": area["name_en"],
        "category_code": cat,
        "category_name_th": cat_th,
        "category_name_en": cat_en,
        **shown,
        "share_closed": derived["share_closed"] if share_ok else None,
        "target_percent": metrics.CLOSED_SHARE_TARGET_PERCENT,
        "on_target": derived["on_target"] if share_ok else None,
        "median_days_to_close": (
            round(median, 1)
            if median is not None and counted and not sup.withheld((*key, "closed"))
            else None
        ),
    }


CURRENT = "current.json"


def opendata_root() -> Path:
    """Where the built files live: ``MEDIA_ROOT/open-data/<version>/`` and the pointer
    ``current.json`` (written by ``layers.services.opendata.opendata_build``)."""
    return Path(settings.MEDIA_ROOT) / "open-data"


@dataclass
class PublishedBuild:
    """The current build: its pointer (``version``, ``as_of``, ``months``, sizes...) and
    directory. Reading it is two small file reads; nothing is computed."""

    pointer: dict
    directory: Path

    def path(self, name: str) -> Path:
        return self.directory / name

    def read_json(self, name: str) -> dict:
        return json.loads(self.path(name).read_text(encoding="utf-8"))


def published_build() -> PublishedBuild | None:
    """The files as last built, or None before the first build (the page then says the data
    is being prepared). Public requests read only this: they never build."""
    root = opendata_root()
    try:
        pointer = json.loads((root / CURRENT).read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None
    directory = root / str(pointer.get("version", ""))
    if not pointer.get("version") or not directory.is_dir():
        return None
    return PublishedBuild(pointer=pointer, directory=directory)


def latest_rows(dataset: OpenDataset, *, level: str) -> list[dict]:
    """The last published month's ``ALL`` rows of one level (the GeoJSON files, the page)."""
    if not dataset.months:
        return []
    last = dataset.months[-1].be_code
    return [
        r
        for r in dataset.rows
        if r["month"] == last and r["level"] == level and r["category_code"] == ALL
    ]
