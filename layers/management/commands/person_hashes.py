"""Compute the keyed hashes of citizen IDs and phones (and the normalised names and
descriptions) of every complaint again: after PERSON_MATCH_KEY changed (issue 8)."""

from django.core.management.base import BaseCommand

from layers.services.people import comparison_columns_refresh


class Command(BaseCommand):
    help = (
        "Recompute the keyed hashes (PERSON_MATCH_KEY) and normalised names and descriptions "
        "of all complaints, e.g. after the key changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", required=True, help="every complaint")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, **opts):
        written = comparison_columns_refresh(
            batch_size=opts["batch_size"],
            progress=lambda n: self.stderr.write(f"{n:,} complaints") if n % 100_000 == 0 else None,
        )
        self.stdout.write(f"{written:,} complaints rehashed")
