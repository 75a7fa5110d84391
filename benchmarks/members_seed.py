"""Seed a full-size register fast, for the benchmarks that measure one.

The rows come from the register of ``seed_demo --scale full``
(members.management.scale_register): COPY, with what the services would
compute; here the benchmark's sizes, its wipe and its staff users. Import it
after django.setup().
"""

import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from members.management.scale_register import (
    MIN_UNITS,
    SECTOR,
    Step,
    seed_care,
    seed_members,
    seed_relatives,
    seed_units,
)
from members.models import CareCase, CareVisit, Member, Relative, StaffRole, Unit, User
from members.services import staff_role_grant

SECTOR_EMAIL = "bench-sector@congdoan.local"
GRASSROOTS_EMAIL = "bench-grassroots@congdoan.local"
NO_TRUNCATE = "members_auditevent_no_truncate"


@dataclass
class Register:
    """What the benchmark needs to know of the register it measures."""

    sector: Unit
    grassroots: Unit
    grassroots_members: int
    sector_user: User
    grassroots_user: User
    sample: Member
    counts: dict[str, int]
    seeded_s: float | None = None
    seed_steps: dict[str, float] = field(default_factory=dict)


def register_get(
    *,
    members: int,
    units: int,
    relatives: int,
    open_cases: int,
    seed: int,
    reseed: bool,
) -> Register:
    """Seed the register, or reuse the one a previous run of this size left."""
    if units < MIN_UNITS or members < units:
        raise SystemExit(f"Use at least {MIN_UNITS} units and a member each.")
    wanted = {
        "units": units,
        "members": members,
        "relatives": relatives,
        "open care cases": open_cases,
    }
    steps: dict[str, float] = {}
    seeded_s = None
    found = _counts()
    if reseed or found != wanted or not _is_bench_tree():
        print(f"Seeding {wanted} (found {found})…", flush=True)
        started = time.perf_counter()
        _seed(wanted, seed, steps)
        seeded_s = time.perf_counter() - started
        print(f"Seeded in {seeded_s:.1f} s: {format_steps(steps)}", flush=True)
    else:
        print(f"Reusing the register a previous run seeded: {found}.", flush=True)
    sector = Unit.objects.get(code=SECTOR[0])
    grassroots, grassroots_members = _typical_grassroots_unit()
    return Register(
        sector=sector,
        grassroots=grassroots,
        grassroots_members=grassroots_members,
        sector_user=_staff_user(SECTOR_EMAIL, "Cán bộ Công đoàn ngành", sector),
        grassroots_user=_staff_user(
            GRASSROOTS_EMAIL, "Cán bộ Công đoàn cơ sở", grassroots
        ),
        # The grassroots union's first member: whom the one-person searches seek.
        sample=Member.objects.filter(unit__path__startswith=grassroots.path)
        .order_by("pk")
        .first(),
        counts={
            **_counts(),
            "closed care cases": CareCase.objects.filter(status="closed").count(),
            "care visits": CareVisit.objects.count(),
        },
        seeded_s=seeded_s,
        seed_steps=steps,
    )


def register_for(args) -> Register:
    """Return register_get's register for a benchmark's options.

    Those of benchmarks.databases.register_arguments and seed_arguments.
    """
    return register_get(
        members=args.members,
        units=args.units,
        relatives=args.relatives,
        open_cases=args.open_cases,
        seed=args.seed,
        reseed=args.reseed,
    )


def format_steps(steps: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items())


def _counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "members": Member.objects.count(),
        "relatives": Relative.objects.count(),
        "open care cases": CareCase.objects.filter(status="open").count(),
    }


def _is_bench_tree() -> bool:
    return Unit.objects.filter(code=SECTOR[0], depth=1).exists()


def _seed(sizes: dict[str, int], seed: int, steps: dict[str, float]) -> None:
    rng = random.Random(seed)
    today = timezone.localdate()
    tables = [
        model._meta.db_table
        for model in (CareVisit, CareCase, Relative, Member, StaffRole, Unit)
    ]
    with Step(steps, "wipe"), connection.cursor() as cursor:
        # The audit trail refuses TRUNCATE (members' migration 0016); the bench
        # database's owner lifts that for the wipe only.
        cursor.execute(f"ALTER TABLE members_auditevent DISABLE TRIGGER {NO_TRUNCATE}")
        try:
            # CASCADE also empties the other apps' tables that point at members.
            cursor.execute(
                "TRUNCATE {} RESTART IDENTITY CASCADE".format(
                    ", ".join(connection.ops.quote_name(table) for table in tables)
                )
            )
        finally:
            cursor.execute(
                f"ALTER TABLE members_auditevent ENABLE TRIGGER {NO_TRUNCATE}"
            )
    with transaction.atomic():
        with Step(steps, "units"):
            leaves = seed_units(rng, sizes["units"])
        with Step(steps, "members"):
            members = seed_members(rng, sizes["members"], leaves, today)
        with Step(steps, "relatives"):
            relatives = seed_relatives(
                rng,
                members,
                today,
                # A third of the members have relatives, as in seed_demo --scale full.
                holders=min(sizes["relatives"], round(len(members) / 3)),
                total=sizes["relatives"],
            )
        with Step(steps, "care"):
            seed_care(rng, sizes["open care cases"], members, relatives, today)
    # Fresh statistics and visibility maps, as autovacuum would leave them.
    with Step(steps, "vacuum analyze"), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")


def _typical_grassroots_unit():
    """Return a grassroots union with groups whose size is the median one."""
    steplen = Unit.steplen
    per_path = Counter()
    for path, count in Member.objects.values_list("unit__path").annotate(Count("pk")):
        per_path[path[: 3 * steplen]] += count
    grassroots = list(
        Unit.objects.filter(level=Unit.Level.GRASSROOTS, numchild__gt=0).order_by(
            "code"
        )
    )
    median = statistics.median(per_path[unit.path] for unit in grassroots)
    unit = min(grassroots, key=lambda u: abs(per_path[u.path] - median))
    return unit, per_path[unit.path]


def _staff_user(email: str, name: str, unit):
    """Return an officer of ``unit`` with the officer role's permission group."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, None, name=name)
    StaffRole.objects.filter(user=user).exclude(unit=unit).delete()
    staff_role_grant(user=user, unit=unit, role=StaffRole.Role.OFFICER)
    return User.objects.get(pk=user.pk)
