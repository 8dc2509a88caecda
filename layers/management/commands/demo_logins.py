"""Print the demo accounts (role, area, citizen ID, password). Development only."""

import unicodedata

from django.core.management.base import BaseCommand, CommandError

from layers.demo import DemoRefused, demo_logins
from layers.models import Role


def _width(text: str) -> int:
    # Thai vowel and tone marks above and below the line take no column of their own.
    return sum(0 if unicodedata.category(ch) in ("Mn", "Me", "Cf") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Print the demo logins, one per role and demo province (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--markdown", action="store_true", help="as a Markdown table")

    def handle(self, *args, **opts):
        try:
            rows = demo_logins()
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        present = [r for r in rows if r.exists]
        if not present:
            self.stdout.write("no demo accounts: run `manage.py seed_demo` first")
            return
        table = [(str(Role(r.role).label), r.area, r.citizen_id, r.password) for r in present]
        header = ("role", "area", "citizen ID (login)", "password")
        if opts["markdown"]:
            self.stdout.write("| " + " | ".join(header) + " |")
            self.stdout.write("|" + "---|" * len(header))
            for row in table:
                self.stdout.write("| " + " | ".join(row) + " |")
            return
        widths = [max(_width(str(x)) for x in col) for col in zip(header, *table, strict=False)]
        self.stdout.write("Demo logins (development only):")
        for row in (header, *table):
            self.stdout.write("  ".join(_pad(str(x), w) for x, w in zip(row, widths, strict=True)))
