"""Index the cases' search words (issue 12): those written in bulk (demo data, imports) or
all of them again (``--all``, after a change of the tokeniser's dictionary)."""

from django.core.management.base import BaseCommand

from layers.services.search import search_index_rebuild


class Command(BaseCommand):
    help = "Index the search words of cases that have none (or of every case with --all)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="index every case again")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, **opts):
        def progress(n):
            if opts["verbosity"] > 1:
                self.stdout.write(f"{n} indexed")

        n = search_index_rebuild(
            only_missing=not opts["all"], batch_size=opts["batch_size"], progress=progress
        )
        self.stdout.write(f"search words written for {n} case(s)")
