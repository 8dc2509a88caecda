"""Personal API tokens from the command line (administrators, set-up scripts).

    manage.py api_token create <citizen-id> --name "QGIS at the office" [--days 90]
    manage.py api_token list <citizen-id>
    manage.py api_token revoke <prefix>

``create`` prints the key alone on standard output (``KEY=$(manage.py api_token create …)``)
and what it made on standard error; the key is shown this once and stored only as a digest.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from layers.errors import ApplicationError
from layers.models import ApiToken, Officer
from layers.selectors.tokens import api_tokens_of
from layers.services.tokens import api_token_create, api_token_revoke
from layers.validators import normalize_citizen_id


def _officer(citizen_id: str) -> Officer:
    officer = Officer.objects.filter(citizen_id=normalize_citizen_id(citizen_id)).first()
    if officer is None:
        raise CommandError("No officer has this citizen ID.")
    return officer


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "Create, list or revoke an officer's personal API tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="a new token; prints its key once")
        create.add_argument("citizen_id")
        create.add_argument("--name", required=True, help="where the token is used")
        create.add_argument("--days", type=int, default=None, help="how long it lasts")
        listing = sub.add_parser("list", help="an officer's tokens (prefixes, never keys)")
        listing.add_argument("citizen_id")
        revoke = sub.add_parser("revoke", help="revoke the token with this prefix")
        revoke.add_argument("prefix", help="the 8 characters after dmr_")

    def handle(self, *args, **opts):
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except ApplicationError as exc:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
            raise CommandError(details or exc.message) from exc

    def _create(self, opts):
        officer = _officer(opts["citizen_id"])
        token, key = api_token_create(officer=officer, name=opts["name"], days=opts["days"])
        self.stderr.write(
            f"Token “{token.name}” for {officer.masked_citizen_id}, "
            f"expires {_when(token.expires_at)}. The key, shown this once:"
        )
        if officer.must_change_password:
            self.stderr.write(
                "Note: this officer must change their issued password first; until then the "
                "token is refused (403 password_change_required)."
            )
        self.stdout.write(key)

    def _list(self, opts):
        officer = _officer(opts["citizen_id"])
        for token in api_tokens_of(officer=officer):
            self.stdout.write(
                f"{token.display_key}\t{token.state}\t{token.name}\t"
                f"created {_when(token.created_at)}\texpires {_when(token.expires_at)}\t"
                f"last used {_when(token.last_used_at)}"
            )

    def _revoke(self, opts):
        prefix = opts["prefix"].removeprefix("dmr_").split("_")[0]
        token = ApiToken.objects.select_related("officer").filter(prefix=prefix).first()
        if token is None:
            raise CommandError("No token has this prefix.")
        # Run by an administrator at the console: recorded as revoked by nobody in particular.
        api_token_revoke(token=token, by=None)
        self.stdout.write(f"Revoked {token.display_key} ({token.name}).")
