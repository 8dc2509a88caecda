"""Thin wrapper over layers.demo: demo organisation, accounts and complaints."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from layers.demo import (
    DEFAULT_COUNT,
    DEFAULT_FOCUS_SHARE,
    DEFAULT_SEED,
    DEMO_PROVINCES,
    DemoRefused,
    demo_seed,
)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--until wants a date as YYYY-MM-DD, got {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Create demo data: sub-district teams and one account of each role for Mukdahan (49) "
        "and Nakhon Phanom (48) (development only), and N complaints over the loaded "
        "sub-districts, weighted by population. The same --seed, --count and --until give the "
        "same complaints."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="complaints to add")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (> 0)")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="add no complaints when demo complaints exist already (teams and accounts "
            "are still brought up to date)",
        )
        parser.add_argument(
            "--until",
            help="complaints are received over the two years before this date "
            "(YYYY-MM-DD; default today)",
        )
        parser.add_argument(
            "--focus-provinces",
            default=",".join(DEMO_PROVINCES),
            help="provinces that get --focus-share of the complaints, so that the demo "
            "accounts have cases (comma-separated codes; empty for none)",
        )
        parser.add_argument(
            "--focus-share",
            type=float,
            default=DEFAULT_FOCUS_SHARE,
            help="share of the complaints in the focus provinces (0 = population only)",
        )
        parser.add_argument(
            "--no-accounts",
            action="store_true",
            help="complaints only: no teams, no accounts (for benchmarks; allowed outside "
            "development)",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **opts):
        if opts["count"] < 1:
            raise CommandError("--count must be at least 1")
        if opts["seed"] < 1:
            raise CommandError("--seed must be a positive whole number")
        if not 0 <= opts["focus_share"] < 1:
            raise CommandError("--focus-share must be at least 0 and below 1")
        focus = [c.strip() for c in opts["focus_provinces"].split(",") if c.strip()]
        progress = None if opts["no_progress"] else (lambda m: self.stdout.write(m))
        try:
            report = demo_seed(
                count=opts["count"],
                seed=opts["seed"],
                if_empty=opts["if_empty"],
                accounts=not opts["no_accounts"],
                until=_date(opts["until"]) if opts["until"] else None,
                focus_provinces=focus,
                focus_share=opts["focus_share"],
                progress=progress,
            )
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        org = report.organisation
        if org is not None:
            self.stdout.write(
                f"demo organisation: {org.teams} teams, {org.accounts} accounts in provinces "
                f"{', '.join(org.provinces) or '-'}; without a team (district queue): "
                f"{', '.join(org.teamless) or '-'}"
            )
            if org.skipped_provinces:
                self.stdout.write(
                    self.style.WARNING(
                        "not loaded, no demo organisation: " + ", ".join(org.skipped_provinces)
                    )
                )
        c = report.complaints
        if c.skipped:
            self.stdout.write("demo complaints exist already: none added (--if-empty)")
            return
        years = ", ".join(f"{y}: {a}-{b}" for y, (a, b) in sorted(c.years.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"{c.created:,} demo complaints and {c.history_rows:,} history rows in "
                f"{c.seconds:.1f} s (seed {c.seed}, until {c.until}; tracking numbers {years})"
            )
        )
        if c.dropped:
            self.stdout.write(
                self.style.WARNING(
                    f"{c.dropped} complaints short: points not generated or outside every lookup piece"
                )
            )
