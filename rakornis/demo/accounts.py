"""The demo accounts: a superuser and one staff member per role, all with the password `rakornis-demo`."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User

from agencies.models import StaffRole
from rakornis.demo.names import PUPR_PROV
from rakornis.demo.reference import DemoReference

DEMO_PASSWORD = "rakornis-demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    role: str | None  # None: the superuser, who holds no StaffRole
    agency: str | None  # short name


DEMO_ACCOUNTS = (
    DemoAccount("admin", "Fajar", "Nugroho", None, None),
    DemoAccount("perencana.pupr", "Siti", "Rahmawati", StaffRole.Role.PLANNER, PUPR_PROV),
    DemoAccount("verifikator.pupr", "Ahmad", "Fauzi", StaffRole.Role.VERIFIER, PUPR_PROV),
    DemoAccount("sekretariat", "Nurul", "Hidayah", StaffRole.Role.SECRETARY, PUPR_PROV),
    DemoAccount("operator.banjar", "Muhammad Rizky", "Ramadhan", StaffRole.Role.OPERATOR, "Dinas PUPR Kab. Banjar"),
    DemoAccount("operator.tapin", "Rina", "Maulida", StaffRole.Role.OPERATOR, "Dinas PUPR Kab. Tapin"),
    DemoAccount("pimpinan", "Hasanuddin", "Noor", StaffRole.Role.VIEWER, PUPR_PROV),
)


def demo_accounts_ensure(*, reference: DemoReference) -> dict[str, User]:
    """Create or restore the demo accounts (names, password `rakornis-demo`, one active role each)."""
    user_model = get_user_model()
    # One hash for all seven: hashing is deliberately slow, and these are demo accounts.
    password = make_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    for account in DEMO_ACCOUNTS:
        superuser = account.role is None
        user, _ = user_model.objects.update_or_create(
            username=account.username,
            defaults={
                "first_name": account.first_name,
                "last_name": account.last_name,
                "is_active": True,
                "is_staff": superuser,
                "is_superuser": superuser,
                "password": password,
            },
        )
        if account.role is not None and account.agency is not None:
            StaffRole.objects.update_or_create(
                user=user,
                agency=reference.agencies[account.agency],
                role=account.role,
                defaults={"is_active": True},
            )
        users[account.username] = user
    return users
