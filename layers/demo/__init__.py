"""Demo data: a believable organisation and complaints on the real boundaries.

Demo data is not domain logic, so it lives here rather than in ``layers.services``; it asks
the domain for its rules instead of copying them:

* ``organisation``: sub-district teams in the demo provinces and one account of every role
  per demo province, with a known password (development only);
* ``complaints``: N complaints in set-based SQL (``sql/*.sql``), a million in minutes;
* ``paths``: the history of each case, walked from the workflow's transition table;
* ``content``: the words (descriptions, names, notes, agencies);
* ``seed``: both, as ``manage.py seed_demo`` runs them.
"""

from layers.demo.complaints import (
    DEFAULT_COUNT,
    DEFAULT_FOCUS_SHARE,
    DEFAULT_SEED,
    DEMO_NOTE,
    PERIOD_DAYS,
    ComplaintsReport,
    demo_complaints_exist,
    demo_complaints_seed,
)
from layers.demo.organisation import (
    DEMO_PASSWORD,
    DEMO_PROVINCES,
    ROLE_ORDER,
    DemoLogin,
    DemoRefused,
    OrganisationReport,
    demo_citizen_id,
    demo_logins,
    demo_organisation_seed,
    require_development,
)
from layers.demo.paths import DemoPathError, Path, Step, demo_paths
from layers.demo.seed import DemoReport, demo_seed

__all__ = [
    "DEFAULT_COUNT",
    "DEFAULT_FOCUS_SHARE",
    "DEFAULT_SEED",
    "DEMO_NOTE",
    "DEMO_PASSWORD",
    "DEMO_PROVINCES",
    "PERIOD_DAYS",
    "ROLE_ORDER",
    "ComplaintsReport",
    "DemoLogin",
    "DemoPathError",
    "DemoRefused",
    "DemoReport",
    "OrganisationReport",
    "Path",
    "Step",
    "demo_citizen_id",
    "demo_complaints_exist",
    "demo_complaints_seed",
    "demo_logins",
    "demo_organisation_seed",
    "demo_paths",
    "demo_seed",
    "require_development",
]
