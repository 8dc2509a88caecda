"""The whole demo: the organisation first (so that demo cases go to the demo teams), then the
complaints. ``manage.py seed_demo`` is a thin command over ``demo_seed``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from layers.demo.complaints import (
    DEFAULT_COUNT,
    DEFAULT_FOCUS_SHARE,
    DEFAULT_SEED,
    ComplaintsReport,
    demo_complaints_exist,
    demo_complaints_seed,
)
from layers.demo.organisation import OrganisationReport, demo_organisation_seed


@dataclass
class DemoReport:
    organisation: OrganisationReport | None
    complaints: ComplaintsReport


def demo_seed(
    *,
    count: int = DEFAULT_COUNT,
    seed: int = DEFAULT_SEED,
    if_empty: bool = False,
    accounts: bool = True,
    until: date | None = None,
    focus_provinces: list[str] | None = None,
    focus_share: float = DEFAULT_FOCUS_SHARE,
    progress: Callable[[str], None] | None = None,
) -> DemoReport:
    """The organisation, then the complaints.

    ``accounts=False`` makes complaints only, for benchmarks (allowed outside development).
    ``if_empty`` skips the complaints when demo complaints exist already.
    """
    organisation = None
    if accounts:
        organisation = demo_organisation_seed()
    if if_empty and demo_complaints_exist():
        return DemoReport(organisation, ComplaintsReport(requested=count, seed=seed, skipped=True))
    complaints = demo_complaints_seed(
        count=count,
        seed=seed,
        until=until,
        focus_provinces=focus_provinces,
        focus_share=focus_share,
        progress=progress,
    )
    return DemoReport(organisation, complaints)
