"""``manage.py revoke_api_client NAME_OR_PREFIX``: revoke an API key at once."""

from django.core.management import BaseCommand, CommandError
from django.db.models import Q

from accounts.api.services import api_client_revoke
from accounts.models import ApiClient


class Command(BaseCommand):
    help = "Revoke an API client's key (by client name or key prefix); list clients with --list."

    def add_arguments(self, parser):
        parser.add_argument("client", nargs="?", help="Client name or key prefix.")
        parser.add_argument("--list", action="store_true", help="List clients with scope and last use.")

    def handle(self, *args, client, list, **options):
        if list or not client:
            for c in ApiClient.objects.select_related("user__county"):
                state = f"revoked {c.revoked_at:%Y-%m-%d %H:%M}" if c.revoked_at else "active"
                county = c.user.county.code if c.user.county else "-"
                used = f"{c.last_used_at:%Y-%m-%d %H:%M}" if c.last_used_at else "never"
                self.stdout.write(
                    f"{c.key_prefix}  {c.name}  {'rw' if c.can_write else 'ro'}  {county}  {state}  last used {used}"
                )
            return
        found = ApiClient.objects.filter(Q(name=client) | Q(key_prefix=client)).first()
        if found is None:
            raise CommandError(f"No API client named or prefixed {client!r}.")
        api_client_revoke(client=found)
        self.stdout.write(self.style.SUCCESS(f"API client {found.name!r} revoked."))
