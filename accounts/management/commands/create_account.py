"""``manage.py create_account <username> --role <role>``: set-up without a default password.

The first system, security and audit administrators of a new installation are created with this
command (there is no superuser in daily use). Each account gets a random one-time password, printed
once, that must be changed at the first login; administrator roles then enrol a second factor.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import audit
from accounts.choices import AuditAction, AuditCategory, Role
from accounts.models import Department, Place, User
from accounts.services import generate_password
from core import context


class Command(BaseCommand):
    help = "Create an account with a random one-time password (printed once; must be changed at first login)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[r for r in Role.values if r != Role.API_CLIENT])
        parser.add_argument("--full-name", default="")
        parser.add_argument("--county", help="division code, for a county official (e.g. 440781)")
        parser.add_argument("--department", help="department code, for a department user (e.g. kjj)")

    def handle(self, *args, username, role, full_name, county, department, **options):
        if User.objects.filter(username=username).exists():
            raise CommandError(f"The account {username!r} already exists; nothing was changed.")
        user = User(username=username, role=role, full_name=full_name, must_change_password=True)
        try:
            if county:
                user.county = Place.objects.get(code=county, level="county")
            if department:
                user.department = Department.objects.get(code=department)
        except (Place.DoesNotExist, Department.DoesNotExist) as error:
            raise CommandError(f"Unknown county or department: {error}")
        password = generate_password()
        user.set_password(password)
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as error:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items()))
        with context.use(context.ActionContext(source="cli")), transaction.atomic():
            user.save()
            audit.record(
                None,
                AuditAction.CREATE,
                user,
                after=audit.snapshot(user, exclude=("password", "last_login")),
                message="created with manage.py create_account",
                category=AuditCategory.SECURITY,
            )
        self.stdout.write(f"Created {username} ({Role(role).label}). One-time password, shown only now:")
        self.stdout.write(password)
