"""Shared fixtures: real PostGIS with the real sample boundaries (Mukdahan, 49) loaded once.

A second real province, Nakhon Phanom (48, Mukdahan's northern neighbour), is cut from the
national files so that jurisdiction tests have a case outside a province and border tests a
line between two provinces.
"""

import importlib
from pathlib import Path

import pytest
from django.conf import settings

SAMPLE_DIR = Path(settings.BOUNDARIES_DATA_DIR) / "sample"
NATIONAL_DIR = Path(settings.BOUNDARIES_DATA_DIR)
SECOND_PROVINCE = "48"


def load_test_boundaries():
    from boundaries.services.loading import load_boundaries

    load_boundaries(source_dir=SAMPLE_DIR, progress=False)
    load_boundaries(source_dir=NATIONAL_DIR, provinces=[SECOND_PROVINCE], progress=False)


def seed_categories():
    """The category tree from the data migration (a flushed test database loses it)."""
    migration = importlib.import_module("layers.migrations.0002_seed_categories")
    from django.apps import apps

    migration.seed(apps, None)


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
