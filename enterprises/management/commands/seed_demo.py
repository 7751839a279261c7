"""``python manage.py seed_demo``: the full demo city, deterministically.

Loads the reference data first (``load_reference_data``), then ~3,000 demo enterprises with titles,
statistics, R&D institutions and listings (``enterprises.demo``), one demo user per role (printed
with their passwords), and each app's own demo rows (``<module>.seed``). Running it again when the
demo data exists does nothing unless ``--reset`` is given.
"""

from __future__ import annotations

import importlib
import importlib.util
import random
import time
from typing import Any

from django.core.management import BaseCommand, call_command
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.choices import AuditAction, Role
from accounts.models import Department, Place, User
from core.services import delete_with_tombstones
from enterprises import demo
from enterprises.models import Enterprise

# Other apps' demo modules, run in this order after the enterprises exist (skipped if absent).
APP_DEMO_MODULES = [
    "enterprises.listings.demo",
    "enterprises.dynamics.demo",
    "tasks.demo",
    "targets.demo",
    "reports.demo",
    "support.demo",
]

COUNTY_USERS = {
    "440703": "pengjiang",
    "440704": "jianghai",
    "440705": "xinhui",
    "440781": "taishan",
    "440783": "kaiping",
    "440784": "heshan",
    "440785": "enping",
}


def demo_users(rng: random.Random) -> list[dict]:
    def password(word: str) -> str:
        return f"Jm-{word.capitalize()}-{rng.randint(1000, 9999)}!"

    users: list[dict[str, Any]] = [
        {"username": "sysadmin", "role": Role.SYSTEM_ADMIN, "full_name": "系统管理员（演示）"},
        {"username": "secadmin", "role": Role.SECURITY_ADMIN, "full_name": "安全管理员（演示）"},
        {"username": "auditor", "role": Role.AUDIT_ADMIN, "full_name": "审计管理员（演示）"},
        {"username": "city", "role": Role.CITY_OPERATOR, "department": "miit", "full_name": "市工信局业务员（演示）"},
        {"username": "kjj", "role": Role.DEPARTMENT_USER, "department": "kjj", "full_name": "市科技局联络员（演示）"},
        {"username": "viewer", "role": Role.VIEWER, "full_name": "只读用户（演示）"},
    ]
    for code, username in COUNTY_USERS.items():
        users.append({"username": username, "role": Role.COUNTY_OFFICIAL, "county": code, "full_name": None})
    for u in users:
        u["password"] = password(u["username"])
    return users


class Command(BaseCommand):
    help = "Load reference data and a deterministic demo city (enterprises, titles, statistics, users)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=20240130, help="random seed (default: the plan's issue date)")
        parser.add_argument("--enterprises", type=int, default=3000)
        parser.add_argument("--reset", action="store_true", help="delete existing demo enterprises first")

    def handle(self, *args, **options):
        call_command("load_reference_data", verbosity=0)
        rng = random.Random(options["seed"])
        today = timezone.localdate()
        users = demo_users(random.Random(options["seed"]))
        if Enterprise.objects.filter(is_demo=True).exists():
            if not options["reset"]:
                self.stdout.write("demo data already present (use --reset to rebuild it)")
                self._print_users(users, created=False)
                return
            delete_with_tombstones(
                Enterprise.objects.filter(is_demo=True)
            )  # a synchronised system learns they are gone
        started = time.monotonic()
        with transaction.atomic():
            summary = demo.seed(rng=rng, today=today, stdout=self.stdout, count=options["enterprises"])
            self._make_users(users)
            audit.record(None, AuditAction.IMPORT, message=f"seed_demo: {summary}")
        for name in APP_DEMO_MODULES:
            if importlib.util.find_spec(name.split(".")[0]) and importlib.util.find_spec(name):
                module = importlib.import_module(name)
                with transaction.atomic():
                    module.seed(rng=rng, today=today, stdout=self.stdout)
        for key, value in summary.items():
            self.stdout.write(f"  {key}: {value}")
        self.stdout.write(self.style.SUCCESS(f"demo city ready in {time.monotonic() - started:.1f} s"))
        self._print_users(users, created=True)

    def _make_users(self, users):
        counties = {p.code: p for p in Place.objects.filter(level="county")}
        departments = {d.code: d for d in Department.objects.all()}
        now = timezone.now()
        for spec in users:
            user, _ = User.objects.get_or_create(username=spec["username"])
            user.role = spec["role"]
            user.county = counties.get(spec.get("county"))
            user.department = departments.get(spec.get("department"))
            user.full_name = spec["full_name"] or f"{getattr(user.county, 'name', '')}工信局（演示）"
            user.must_change_password = False  # demo convenience only; real accounts must change it
            user.password_changed_at = now
            user.set_password(spec["password"])
            user.save()

    def _print_users(self, users, created: bool):
        self.stdout.write("")
        self.stdout.write("demo users (username / password / role):" if created else "demo users:")
        for spec in users:
            where = spec.get("county") or spec.get("department") or ""
            self.stdout.write(f"  {spec['username']:<10} {spec['password']:<22} {spec['role']} {where}")
