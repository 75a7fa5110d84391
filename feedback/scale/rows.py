"""The register as the full-size seed reads it, and its COPY helpers."""

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock

from django.db import connection
from django.utils import timezone

from feedback.selectors.surveys import ANSWERING_STATUSES
from members.models import Member, StaffRole, Unit

# The register, read once ---------------------------------------------------------


@dataclass
class Register:
    """The register as the seed needs it: plain tuples, read with values_list."""

    # (member id, unit id, user id or None), answering members only, by id.
    members: list[tuple[int, int, int | None]]
    # unit id -> (path, level)
    units: dict[int, tuple[str, str]]
    path_unit: dict[str, int]
    # officers' (user id, unit path), by user id and path
    officers: list[tuple[int, str]]
    admin_id: int
    _officers_over: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def read(cls, *, admin_id: int) -> "Register":
        units = {
            pk: (path, level)
            for pk, path, level in Unit.objects.values_list("pk", "path", "level")
        }
        members = list(
            Member.objects.filter(status__in=ANSWERING_STATUSES, erased_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "unit_id", "user_id")
        )
        officers = sorted(
            StaffRole.objects.filter(
                role=StaffRole.Role.OFFICER, user__is_active=True
            ).values_list("user_id", "unit__path")
        )
        return cls(
            members=members,
            units=units,
            path_unit={path: pk for pk, (path, _level) in units.items()},
            officers=officers,
            admin_id=admin_id,
        )

    def lineage(self, unit_id: int) -> list[int]:
        """The unit's ancestors from the root down, the unit included."""
        path = self.units[unit_id][0]
        return [
            self.path_unit[path[:end]]
            for end in range(Unit.steplen, len(path) + 1, Unit.steplen)
        ]

    def grassroots(self, unit_id: int) -> int:
        """The grassroots union at or above the unit (the unit if none)."""
        for pk in reversed(self.lineage(unit_id)):
            if self.units[pk][1] == Unit.Level.GRASSROOTS:
                return pk
        return unit_id

    def officers_over(self, unit_id: int) -> list[int]:
        """Officers whose scope takes the unit in; the admin if none."""
        if unit_id not in self._officers_over:
            path = self.units[unit_id][0]
            found = {user for user, own in self.officers if path.startswith(own)}
            self._officers_over[unit_id] = sorted(found) or [self.admin_id]
        return self._officers_over[unit_id]

    def level(self, level: str) -> list[int]:
        return sorted(
            pk for pk, (_path, unit_level) in self.units.items() if unit_level == level
        )


# Shared writing helpers ------------------------------------------------------------


def uuid4_hex(rng) -> str:
    """A version-4 UUID from ``rng``, as PostgreSQL reads it."""
    value = rng.getrandbits(128)
    value = (value & ~(0xF000 << 64)) | (0x4000 << 64)
    value = (value & ~(0xC000 << 48)) | (0x8000 << 48)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def at(day: date, rng, *, first: int = 7, last: int = 17) -> datetime:
    """A local time of ``day`` in working hours."""
    return datetime.combine(
        day,
        clock(rng.randint(first, last), rng.randrange(60)),
        tzinfo=timezone.get_current_timezone(),
    )


def copy_rows(table: str, columns: Iterable[str], rows: Iterable[tuple]) -> int:
    """COPY ``rows`` (Python values, None for null) into ``table``; return how many."""
    count = 0
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def copy_text(table: str, columns: Iterable[str], buffer: io.StringIO) -> None:
    """COPY a buffer already in COPY's text format into ``table``."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        buffer.seek(0)
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)
