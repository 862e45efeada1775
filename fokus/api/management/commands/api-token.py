"""fokus api-token create|revoke|list --organisation NAME: the operator's way to API
tokens (the administrator's is the admin). The token is printed once, by create."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fokus.accounts.policy import API_SCOPE_NAMES
from fokus.api import actions
from fokus.api.models import ApiToken
from fokus.cases.models import Organisation


class Command(BaseCommand):
    help = "Create, revoke or list the API tokens of an organisation (docs/api.md)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        create = sub.add_parser("create", help="a new token, printed once")
        create.add_argument("--organisation", required=True)
        create.add_argument("--name", required=True, help="the system that uses the token")
        create.add_argument("--scope", action="append", choices=API_SCOPE_NAMES,
                            help="repeat for each scope (default: read_ratings)")
        create.add_argument("--expires", type=datetime.date.fromisoformat,
                            help="the last day the token works (YYYY-MM-DD)")
        revoke = sub.add_parser("revoke", help="revoke a token by the start of it (prefix)")
        revoke.add_argument("--organisation", required=True)
        revoke.add_argument("prefix")
        listing = sub.add_parser("list", help="the tokens, never the tokens themselves")
        listing.add_argument("--organisation", required=True)

    def handle(self, *args, **options):
        try:
            organisation = Organisation.objects.get(name=options["organisation"])
        except Organisation.DoesNotExist as exc:
            raise CommandError(f"no organisation named {options['organisation']!r}") from exc
        getattr(self, f"_{options['what']}")(organisation, options)

    def _create(self, organisation, options):
        expires = options["expires"]
        expires_at = (timezone.make_aware(datetime.datetime.combine(
            expires + datetime.timedelta(days=1), datetime.time())) if expires else None)
        try:
            token, raw = actions.create_token(None, organisation, name=options["name"],
                                              scopes=options["scope"] or ["read_ratings"],
                                              expires_at=expires_at)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if token.needs_approval:
            self.stderr.write("The token opens case data: another administrator approves it "
                              "in the admin before it works.")
        self.stdout.write(raw)

    def _revoke(self, organisation, options):
        prefix = options["prefix"].removeprefix(actions.PREFIX).split("_")[0]
        token = ApiToken.objects.filter(organisation=organisation, prefix=prefix).first()
        if token is None:
            raise CommandError(f"no token starting {prefix!r} in {organisation.name}")
        if not actions.revoke_token(None, token):
            self.stdout.write("already revoked")
            return
        self.stdout.write(f"revoked {token.prefix}")

    def _list(self, organisation, options):
        for t in ApiToken.objects.filter(organisation=organisation).order_by("created_at"):
            state = ("revoked" if t.revoked_at else "waiting for approval"
                     if t.needs_approval and not t.approved_at else "expired"
                     if not t.usable() else "active")
            self.stdout.write(f"{t.prefix}\t{t.name}\t{','.join(sorted(t.scopes))}\t{state}\t"
                              f"last used {t.last_used_at or '-'}")
