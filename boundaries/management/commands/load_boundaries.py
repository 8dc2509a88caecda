"""Thin wrapper over boundaries.services.loading (MapIt's import-command habit)."""

from django.core.management.base import BaseCommand, CommandError

from boundaries.services.loading import BoundaryLoadError, load_boundaries


class Command(BaseCommand):
    help = (
        "Load Thailand's province, district and sub-district boundaries (plain or gzipped "
        "GeoJSON, by default the simplified national layers shipped in boundaries/data; or the "
        "OCHA/HDX COD-AB shapefiles, unpacked or as the downloaded zip) and rebuild the "
        "subdivided lookup table. A re-run updates in place."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path", help="folder with the files, or a COD-AB zip (default: BOUNDARIES_DATA_DIR)"
        )
        parser.add_argument("--format", default="auto", choices=["auto", "geojson", "cod-ab"])
        parser.add_argument(
            "--province",
            action="append",
            default=[],
            metavar="CODE",
            help="load only this province (2-digit code; repeat or comma-separate for several)",
        )
        parser.add_argument(
            "--population", help="population.csv to use (default: beside the files)"
        )
        parser.add_argument(
            "--max-vertices",
            type=int,
            help="vertices per lookup piece (default: BOUNDARIES_SUBDIVIDE_MAX_VERTICES)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check everything, write nothing"
        )
        parser.add_argument(
            "--if-changed",
            action="store_true",
            help="skip when the same files were the last ones loaded",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **opts):
        provinces = [c for arg in opts["province"] for c in arg.split(",") if c.strip()]
        try:
            report = load_boundaries(
                source_dir=opts["path"],
                fmt=opts["format"],
                dry_run=opts["dry_run"],
                if_changed=opts["if_changed"],
                progress=False if opts["no_progress"] else None,
                provinces=provinces or None,
                population_path=opts["population"],
                max_vertices=opts["max_vertices"],
            )
        except BoundaryLoadError as exc:
            raise CommandError(str(exc)) from exc
        c = report.counts
        if report.skipped:
            self.stdout.write(
                f"Boundaries unchanged since the last load ({c['province']} provinces, "
                f"{c['district']} districts, {c['subdistrict']} sub-districts); nothing to do."
            )
            return
        for line in report.geothai_mismatches:
            self.stdout.write(self.style.WARNING(f"geothai: {line}"))
        for line in report.repaired:
            self.stdout.write(self.style.WARNING(f"repaired invalid polygon: {line}"))
        for line in report.stale:
            self.stdout.write(
                self.style.WARNING(f"no longer in the source, polygon removed: {line}")
            )
        if report.population_source:
            missing = len(report.without_population)
            self.stdout.write(
                f"population from {report.population_source}"
                + (f" ({missing} current codes without a figure)" if missing else "")
            )
        else:
            self.stdout.write(self.style.WARNING("no population.csv found: population left empty"))
        verb = "Checked (dry run, nothing written)" if report.dry_run else "Loaded"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} from {report.source_dir} ({report.source_format}): "
                f"{c['province']} provinces, {c['district']} districts, "
                f"{c['subdistrict']} sub-district polygons "
                f"+ {len(report.without_polygon)} codes without a polygon; "
                f"{report.pieces} lookup pieces; {len(report.repaired)} repaired; "
                f"{len(report.geothai_mismatches)} geothai mismatches."
            )
        )
