"""Shared fixtures: real PostGIS with the real sample boundaries (Mukdahan, 49) loaded once.

A second real province, Nakhon Phanom (48, Mukdahan's northern neighbour), is cut from the
national files so that jurisdiction tests have a case outside a province and border tests a
line between two provinces.

Both come from the copy shipped with the project (boundaries/data: the national layers
gzipped, the sample plain), whatever BOUNDARIES_DATA_DIR says, so the suite runs the same
against any deployment's settings.
"""

import importlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

NATIONAL_DIR = Path(settings.BASE_DIR) / "boundaries" / "data"
SAMPLE_DIR = NATIONAL_DIR / "sample"
SECOND_PROVINCE = "48"
# Tests change and roll back the boundaries all the time: every look-up asks PostGIS whether
# the lookup table changed (production asks every few seconds; test_point_index covers that).
settings.BOUNDARIES_LOOKUP_RECHECK_SECONDS = 0
# Tests count cases they have just made: the dashboards' figures are counted afresh.
settings.DASHBOARD_FIGURES_CACHE_SECONDS = 0
# The tests run with the base map off: no page asks a tile server for anything (a test turns
# it on where it checks the tile layer itself).
settings.MAP_TILE_URL = ""
settings.MAP_TILE_ATTRIBUTION = ""
settings.MAP_TILE_MBTILES = ""
# Tracking PINs sent by SMS are kept in a list, never printed (layers/services/pin_senders.py).
settings.TRACKING_SMS_SENDER = "layers.services.pin_senders.MemorySmsSender"


def load_test_boundaries():
    from boundaries.services.loading import load_boundaries

    load_boundaries(source_dir=SAMPLE_DIR, progress=False)
    load_boundaries(source_dir=NATIONAL_DIR, provinces=[SECOND_PROVINCE], progress=False)


def seed_categories():
    """The category tree from the data migration (a flushed test database loses it)."""
    migration = importlib.import_module("layers.migrations.0002_seed_categories")
    from django.apps import apps

    migration.seed(apps, None)


def compile_translations() -> bool:
    """Build the .mo catalogues from the committed .po files when missing or older (a fresh
    clone has none: .gitignore has *.mo), so the tests see the Thai pages the site serves.
    Written to a temporary name and renamed: other test runs in the same tree may be reading."""
    compiled = False
    for locale_dir in settings.LOCALE_PATHS:
        for po in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
            mo = po.with_suffix(".mo")
            if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            if shutil.which("msgfmt") is None:
                pytest.exit("msgfmt is missing: install gettext (./damrong test does)", 2)
            tmp = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
            subprocess.run(["msgfmt", "--check-format", "-o", str(tmp), str(po)], check=True)
            os.replace(tmp, mo)
            compiled = True
    if compiled:
        # Forget catalogues loaded before the .mo existed (as Django does when LOCALE_PATHS
        # changes).
        from django.utils.translation import trans_real

        trans_real._translations = {}
        trans_real._default = None
    return compiled


@pytest.fixture(scope="session", autouse=True)
def translations_compiled():
    compile_translations()


@pytest.fixture(autouse=True)
def site_language():
    """Each test starts in the site's language (Thai), as a new request or a management command
    would: a page requested in English by an earlier test leaves its language active in the
    thread (Django's locale middleware does not reset it), and a later test must not inherit it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def english(settings):
    """The site in English, as after choosing EN in the language switcher, for tests that
    assert the English wording of messages (the msgids). Without it pages, API errors and
    service messages are in Thai, the default."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_test_boundaries()


@pytest.fixture
def live_data(transactional_db):
    """For tests on a live server (transactional, so the database is flushed after each):
    load the sample boundaries and categories again if a flush removed them."""
    from boundaries.models import Subdistrict
    from layers.models import Category

    if not Subdistrict.objects.filter(province_id="49").exists():
        load_test_boundaries()
    if not Category.objects.exists():
        seed_categories()


@pytest.fixture
def run_jobs(db):
    """Run the queued jobs (e-mail...) with the real worker, inside the test's transaction,
    until none is due; returns how many ran (tests/jobs.py). The queue starts empty."""
    from tests.jobs import empty_the_queue, run_queued_jobs

    empty_the_queue()
    return run_queued_jobs
