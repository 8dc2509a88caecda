"""Month-end snapshots: freezing a month's figures per area, once, as at the month's end.

``snapshot_freeze(month=…)`` computes the month's figures (``layers.metrics.month_end_figures``:
received in the month, closed of those, open backlog and overdue at the month's end, median
days to close) for the country, every province and district (also by category) and every
sub-district, **as the system held the cases at the month's end**, from their append-only
history. So a run on the 3rd gives what a run on the 1st gave, and so does a re-run after cases
changed: a re-run compares and keeps the frozen rows (``unchanged``); if the history itself
disagrees (rows written with earlier times, e.g. an import), it says so (``differs``) and
replaces the month only when told to (``replace=True``, ``snapshot_month --replace``).

Run by the month-end job (``layers.tasks.month_end``, on the 1st) and by
``manage.py snapshot_month 2569-10`` for any past month.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from layers import metrics
from layers.errors import InvalidInput
from layers.models import (
    COUNTRY_CODE,
    AreaLevel,
    Complaint,
    MonthFigure,
    MonthSnapshot,
)
from layers.thaidate import Month

logger = logging.getLogger(__name__)

# What a frozen row holds (``MonthFigure``'s counts, in ``metrics.COUNTS``' order).
FIGURE_FIELDS = ("complaints", "closed", "open_backlog", "overdue", "median_days_to_close")

# (level, group for ``metrics.month_end_figures``, also by category?)
LEVELS = (
    (AreaLevel.COUNTRY, None, True),
    (AreaLevel.PROVINCE, "province", True),
    (AreaLevel.DISTRICT, "district", True),
    # Sub-districts by category would be ~10 rows per sub-district per month for little use:
    # the sub-district's totals only.
    (AreaLevel.SUBDISTRICT, "subdistrict", False),
)

# Frozen months are written one at a time (two workers, or the job and the command at once).
_LOCK_KEY = 0x64616D72  # "damr"


def month_arg(value) -> Month:
    """A B.E. month typed by a person (``2569-10``), or ``InvalidInput`` naming ``month``."""
    try:
        return Month.parse(value)
    except ValueError:
        raise InvalidInput(
            {"month": _("Give the month as a Buddhist-Era year and month, e.g. 2569-10.")}
        ) from None


def month_require_ended(month: Month, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if month.end() > now:
        raise InvalidInput(
            {
                "month": _(
                    "%(month)s has not ended yet: its figures are frozen on the 1st of the "
                    "next month."
                )
                % {"month": month.label()}
            }
        )


def _row_key(row: dict) -> tuple:
    return (row["level"], row["area_code"], row["category_id"])


def _row_values(row: dict) -> tuple:
    median = row["median_days_to_close"]
    return tuple(row[f] for f in FIGURE_FIELDS[:-1]) + (
        None if median is None else round(median, 6),
    )


def snapshot_compute(*, start: datetime, end: datetime) -> list[dict]:
    """The frozen rows of the period ``[start, end)`` as the system held it at ``end``:
    ``{"level", "area_code", "category_id", <FIGURE_FIELDS>}`` for every area (and category)
    with any case received in the period or open at its end. Reads only; seven queries."""
    cases = Complaint.objects.all()
    rows: list[dict] = []

    def add(level, code, category_id, counts):
        values = {f: counts.get(f) or 0 for f in FIGURE_FIELDS[:-1]}
        if not any(values.values()):
            return  # nothing received, nothing open: no row (the pages show zero)
        rows.append(
            {
                "level": str(level),
                "area_code": code,
                "category_id": category_id,
                **values,
                "median_days_to_close": counts.get("median_days_to_close"),
            }
        )

    for level, group, by_category in LEVELS:
        if group is None:
            add(level, COUNTRY_CODE, None, metrics.month_end_figures(cases, start=start, end=end))
        else:
            for code, counts in metrics.month_end_figures(
                cases, start=start, end=end, group=group
            ).items():
                add(level, code, None, counts)
        if by_category:
            found = metrics.month_end_figures(
                cases, start=start, end=end, group=group, by_category=True
            )
            for key, counts in found.items():
                code, category_id = (COUNTRY_CODE, key) if group is None else key
                add(level, code, category_id, counts)
    return rows


@dataclass
class FreezeResult:
    snapshot: MonthSnapshot
    # frozen (new), unchanged (a re-run gave the same figures), differs (the history now gives
    # other figures: kept as frozen), replaced (told to replace them)
    outcome: str
    rows: int
    differences: list[tuple] = field(default_factory=list)


def _write(snapshot: MonthSnapshot, rows: list[dict]) -> None:
    MonthFigure.objects.bulk_create(
        [
            MonthFigure(
                snapshot=snapshot,
                level=r["level"],
                area_code=r["area_code"],
                category_id=r["category_id"],
                **{f: r[f] for f in FIGURE_FIELDS},
            )
            for r in rows
        ],
        batch_size=2000,
    )


def snapshot_rows(snapshot: MonthSnapshot) -> list[dict]:
    return list(
        snapshot.figures.values("level", "area_code", "category_id", *FIGURE_FIELDS).order_by(
            "level", "area_code", "category_id"
        )
    )


@transaction.atomic
def snapshot_freeze(
    *, month: Month, now: datetime | None = None, replace: bool = False
) -> FreezeResult:
    """Freeze ``month`` (it must have ended): see the module's docstring for re-runs."""
    now = now or timezone.now()
    month_require_ended(month, now=now)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    start, end = month.start(), month.end()
    rows = snapshot_compute(start=start, end=end)
    existing = MonthSnapshot.objects.filter(month=month.first_day).first()
    if existing is None:
        snapshot = MonthSnapshot.objects.create(
            month=month.first_day, period_start=start, period_end=end, computed_at=now
        )
        _write(snapshot, rows)
        logger.info("month %s frozen: %d rows", month.be_code, len(rows))
        return FreezeResult(snapshot, "frozen", len(rows))
    computed = {_row_key(r): _row_values(r) for r in rows}
    frozen = {_row_key(r): _row_values(r) for r in snapshot_rows(existing)}
    differences = sorted(
        (
            (key, frozen.get(key), computed.get(key))
            for key in set(computed) | set(frozen)
            if computed.get(key) != frozen.get(key)
        ),
        key=repr,
    )
    if not differences:
        return FreezeResult(existing, "unchanged", len(frozen))
    if not replace:
        logger.warning(
            "month %s: the history now gives %d other rows; the frozen figures are kept",
            month.be_code,
            len(differences),
        )
        return FreezeResult(existing, "differs", len(frozen), differences)
    existing.figures.all().delete()
    _write(existing, rows)
    existing.computed_at = now
    existing.save(update_fields=["computed_at"])
    logger.info("month %s replaced: %d rows", month.be_code, len(rows))
    return FreezeResult(existing, "replaced", len(rows), differences)
