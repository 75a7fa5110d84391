"""The size of ``seed_demo --scale full``: the sector at real size, or a share of it.

``seed_demo --scale full`` seeds the register at the size the union has
(``FULL``), then calls each app's full-size seed, found on its AppConfig as
``scale_seed = "<app>.scale.seed"``: a function ``seed(*, scale, people) -> str``
that adds the app's rows at ``scale`` over the register already seeded, for
the demo accounts in ``people`` (``DemoPeople``), and returns the one line the
command prints about it. Each seed:

- writes in bulk (COPY through ``members.bulk.rows_insert`` or SQL), never a
  service call a row;
- is deterministic: every random draw comes from ``scale.rng(name)``, so the
  same seed gives the same rows;
- is idempotent: when the database already holds its rows at this scale it
  writes nothing and says so;
- gives every member with a portal account (``Member.user`` set: the load
  test's accounts) what the load test's journeys need.

Tests run the same code with a small ``factor``.
"""

import random
from dataclasses import dataclass, field
from datetime import date

# The sector at real size (issue 21): what ``factor=1`` means.
FULL = {
    "members": 82_000,
    "units": 1_000,
    "members_with_relatives": 82_000 // 3,
    "lesson_progress": 2_000_000,
    "xp_events": 5_000_000,
    "inspection_activities": 100_000,
    "initiatives": 20_000,
    "assistant_questions": 50_000,
    # Members given a portal account with the load test's password.
    "loadtest_members": 2_000,
}


@dataclass(frozen=True)
class Scale:
    """How big to seed, and the seed that makes it reproducible."""

    today: date
    factor: float = 1.0
    seed: int = 2024
    sizes: dict[str, int] = field(default_factory=lambda: dict(FULL))

    def count(self, name: str, *, minimum: int = 1) -> int:
        """Return the size of ``name`` (a key of ``FULL``) at this factor."""
        return max(minimum, round(self.sizes[name] * self.factor))

    def scaled(self, full: int, *, minimum: int = 1) -> int:
        """Return ``full`` (a size at factor 1 not listed in ``FULL``) scaled."""
        return max(minimum, round(full * self.factor))

    def rng(self, name: str) -> random.Random:
        """Return a generator of its own for the part ``name`` of the seed.

        Seeded by the seed and the name, so one part's draws do not shift when
        another part changes.
        """
        return random.Random(f"{self.seed}:{name}")  # noqa: S311 demo data
