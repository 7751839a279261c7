"""``manage.py create_api_client NAME [--write] [--county CODE | --department CODE]``: issue an API key
(printed once)."""

from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError

from accounts.api.services import api_client_create


class Command(BaseCommand):
    help = "Create an API client for a calling system and print its key once (only a hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Name of the calling system, e.g. 市政务数据平台.")
        parser.add_argument("--write", action="store_true", help="Allow writes (default: read only).")
        parser.add_argument("--county", metavar="CODE", help="Limit the client to one county (GB/T 2260 code).")
        parser.add_argument(
            "--department",
            metavar="CODE",
            help="A department's key: reads like its users; with --write it records the department's support grants.",
        )

    def handle(self, *args, name, write, county, department, **options):
        try:
            client, key = api_client_create(name=name, can_write=write, county_code=county, department_code=department)
        except ValidationError as error:
            raise CommandError("; ".join(m for msgs in error.message_dict.values() for m in msgs))
        scope = "read-write" if client.can_write else "read-only"
        user = client.user
        where = (
            user.county.code
            if user.county
            else (f"department {user.department.code}" if user.department else "all counties")
        )
        self.stderr.write(
            f"API client {client.name!r} created ({scope}, {where}). Store this key now; it is not shown again:"
        )
        self.stdout.write(key)
