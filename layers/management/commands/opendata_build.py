"""``manage.py opendata_build``: build the open-data files now (what the job
``layers.opendata_build`` does after a month is frozen): the suppressed table of the frozen
published months, written under ``MEDIA_ROOT/open-data/<version>/`` and made current.
``--if-missing`` builds only when no build exists yet (the ``./damrong`` load step)."""

from django.core.management.base import BaseCommand

from layers.selectors.opendata import published_build
from layers.services.opendata import opendata_build


class Command(BaseCommand):
    help = "Build the open-data files (CSV, JSON, GeoJSON, datapackage.json) now."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-missing", action="store_true", help="only when nothing has been built yet"
        )

    def handle(self, *args, if_missing, **options):
        if if_missing and published_build() is not None:
            self.stdout.write("open-data files: already built")
            return
        pointer = opendata_build()
        sizes = ", ".join(f"{n} {s / 1_048_576:.2f} MB" for n, s in pointer["sizes"].items())
        self.stdout.write(
            f"open-data files {pointer['version']}: {pointer['rows']} rows, "
            f"{pointer['build_s']} s ({sizes})"
        )
