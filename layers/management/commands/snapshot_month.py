"""``manage.py snapshot_month 2569-10``: freeze a month's figures (B.E. year and month).

A thin wrapper over ``layers.services.statistics.snapshot_freeze``: the figures as the system
held the cases at the month's end, from their history, so any past month can be frozen late
with the same result as on its 1st. A month frozen already is recomputed and compared: the
same figures say "unchanged"; different ones (the history was written with earlier times, e.g.
by an import) are listed and kept unless ``--replace`` is given, which also deletes the month's
reports so that they are made again from the new figures. ``--reports`` makes the reports of
every province now (otherwise the month-end job or the first officer to open one does).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from layers.errors import InvalidInput
from layers.services.opendata import opendata_build_queue
from layers.services.reports import report_produce, report_provinces, reports_delete
from layers.services.statistics import month_arg, snapshot_freeze


class Command(BaseCommand):
    help = "Freeze the figures of a month (B.E. YYYY-MM, e.g. 2569-10) per area, as at its end."

    def add_arguments(self, parser):
        parser.add_argument("month", help="the month, B.E. year and month: 2569-10")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace a frozen month whose figures the history no longer gives",
        )
        parser.add_argument(
            "--reports", action="store_true", help="also make every province's report now"
        )

    def handle(self, *args, month, replace, reports, **options):
        try:
            m = month_arg(month)
            with transaction.atomic():
                result = snapshot_freeze(month=m, replace=replace)
                if result.outcome == "replaced":
                    gone = reports_delete(snapshot=result.snapshot)
                    self.stdout.write(f"{gone} report(s) of {m.be_code} deleted: made again")
        except InvalidInput as exc:
            raise CommandError(" ".join(m for msgs in exc.fields.values() for m in msgs)) from exc
        self.stdout.write(f"{m.be_code}: {result.outcome}, {result.rows} rows")
        if result.outcome in ("frozen", "replaced"):
            opendata_build_queue()
            self.stdout.write("open-data files: build queued")
        if result.outcome == "differs":
            for key, frozen, now in result.differences[:20]:
                self.stdout.write(f"  {key}: frozen {frozen}, history now gives {now}")
            self.stdout.write("the frozen figures are kept (--replace to replace them)")
        if reports:
            for code in report_provinces(result.snapshot):
                report_produce(province_code=code, month=m)
            self.stdout.write(f"reports of {m.be_code} made")
