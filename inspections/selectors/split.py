"""The split: the share of each kind's activities done online, against the targets.

One grouped query over the year's activities (``split_counts``), folded in
Python into quarters and kinds. What counts where:

- planned in a quarter: every activity not cancelled whose planned start falls
  in it (an activity moved to another quarter counts where it is now, and
  shows as moved in there and moved out of the quarter first planned);
- done in a quarter: concluded or closed, counted in the quarter of its actual
  end (else start), whatever was planned;
- cancelled: counted apart, in the quarter it was planned, and in nothing else;
- the share online is of the activities done; the year's projection adds what
  is still planned, mode as planned, and warns when it falls short of a target.

``split_dashboard`` is cached per scope, year and unit (members.cache, family
``inspections.split``): a committed write of an activity, a plan or a target
(inspections.receivers) or of the units' tree has it counted again.
"""

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, Q
from django.db.models.functions import Cast, Coalesce, ExtractQuarter

from inspections.models import Activity, Kind, Mode, Plan, SplitTarget
from members.cache import UNITS, scoped_cached
from members.db import report_db
from members.models import Unit
from members.scope import staff_unit_paths, visible_q

SPLIT = "inspections.split"  # the family of inspections.receivers
SPLIT_TTL = 3600  # the safety net: writes bump the cache
QUARTERS = (1, 2, 3, 4)
DONE = tuple(Activity.DONE)
CANCELLED = Activity.Status.CANCELLED


@dataclass
class SplitCell:
    """The counts of one kind in one period."""

    planned: int = 0
    planned_online: int = 0
    done: int = 0
    done_online: int = 0
    cancelled: int = 0
    moved_in: int = 0
    moved_out: int = 0
    # What is still to do (planned or in progress), for the year's projection.
    remaining: int = 0
    remaining_online: int = 0

    def add(self, other: "SplitCell") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def done_in_person(self) -> int:
        return self.done - self.done_online

    @property
    def planned_in_person(self) -> int:
        return self.planned - self.planned_online

    @property
    def online_percent(self) -> float | None:
        return None if not self.done else round(100 * self.done_online / self.done, 1)

    @property
    def in_person_percent(self) -> float | None:
        share = self.online_percent
        return None if share is None else round(100 - share, 1)

    @property
    def projected_online_percent(self) -> float | None:
        total = self.done + self.remaining
        if not total:
            return None
        return round(100 * (self.done_online + self.remaining_online) / total, 1)


@dataclass
class KindSplit:
    """One kind: its target, each quarter, the year, and the year's warnings."""

    kind: str
    label: str
    target_online: int
    quarters: dict[int, SplitCell] = field(
        default_factory=lambda: {q: SplitCell() for q in QUARTERS}
    )

    @property
    def target_in_person(self) -> int:
        return 100 - self.target_online

    @property
    def year(self) -> SplitCell:
        total = SplitCell()
        for cell in self.quarters.values():
            total.add(cell)
        # Moves between quarters of the same year cancel out in the year.
        total.moved_in = total.moved_out = 0
        return total

    def add(self, other: "KindSplit") -> None:
        for quarter, cell in other.quarters.items():
            self.quarters[quarter].add(cell)

    def on_target(self, cell: SplitCell) -> bool | None:
        share = cell.online_percent
        if share is None:
            return None
        return share >= self.target_online and 100 - share >= self.target_in_person

    @property
    def warnings(self) -> list[str]:
        """Which targets the rest of the year's plan can no longer reach."""
        projected = self.year.projected_online_percent
        if projected is None:
            return []
        short = []
        if projected < self.target_online:
            short.append(Mode.ONLINE)
        if self.target_in_person and 100 - projected < self.target_in_person:
            short.append(Mode.IN_PERSON)
        return short


@dataclass
class Split:
    year: int
    kinds: list[KindSplit]
    units: list[tuple[Unit, list[KindSplit]]]


def split_targets() -> dict[str, int]:
    """The online share to reach for each kind; 100 for a kind with no row yet."""
    targets = dict.fromkeys(Kind.values, 100)
    targets.update(SplitTarget.objects.values_list("kind", "online_percent"))
    return targets


def split_activities(*, user, year: int, inspecting_unit: Unit | None = None):
    """The year's activities of the inspecting units in the user's scope."""
    activities = Activity.objects.using(report_db()).filter(year=year)
    if inspecting_unit is not None:
        activities = activities.filter(
            inspecting_unit__path__startswith=inspecting_unit.path
        )
    # The plans' scope (their inspecting unit's path), read on the activity,
    # which repeats the plan's inspecting unit.
    return activities.filter(visible_q(user, Plan))


def _quarter(expression):
    return Cast(ExtractQuarter(expression), IntegerField())


def split_counts(activities) -> list[dict]:
    """The grouped counts behind the split: one row a combination, one query."""
    return list(
        activities.values("inspecting_unit_id", "kind")
        .annotate(
            # As integers: PostgreSQL's EXTRACT gives numerics, whose grouping
            # sorts on disk where integers hash in memory (twice as fast).
            planned_q=_quarter("planned_start"),
            first_q=_quarter(Coalesce("original_start", "planned_start")),
            done_q=_quarter(Coalesce("actual_end", "actual_start", "planned_end")),
            online=Q(mode=Mode.ONLINE),
            is_done=Q(status__in=DONE),
            is_cancelled=Q(status=CANCELLED),
        )
        .values(
            "inspecting_unit_id",
            "kind",
            "planned_q",
            "first_q",
            "done_q",
            "online",
            "is_done",
            "is_cancelled",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )


def _fold(rows: list[dict], targets: dict[str, int]) -> dict[int | None, dict]:
    """Fold grouped rows into KindSplits, per inspecting unit and for all (None)."""
    by_unit: dict[int | None, dict[str, KindSplit]] = {}

    def kinds_of(unit_id):
        if unit_id not in by_unit:
            by_unit[unit_id] = {
                kind: KindSplit(kind=kind, label=label, target_online=targets[kind])
                for kind, label in Kind.choices
            }
        return by_unit[unit_id]

    kinds_of(None)
    for row in rows:
        n, online = row["n"], bool(row["online"])
        for unit_id in (None, row["inspecting_unit_id"]):
            quarters = kinds_of(unit_id)[row["kind"]].quarters
            planned = quarters[row["planned_q"]]
            if row["is_cancelled"]:
                planned.cancelled += n
                continue
            planned.planned += n
            planned.planned_online += n if online else 0
            if row["first_q"] != row["planned_q"]:
                planned.moved_in += n
                quarters[row["first_q"]].moved_out += n
            if row["is_done"]:
                done = quarters[row["done_q"]]
                done.done += n
                done.done_online += n if online else 0
            else:
                planned.remaining += n
                planned.remaining_online += n if online else 0
    return by_unit


def _anchors(user, inspecting_unit: Unit | None) -> list[str]:
    """The paths the per-unit rows hang from: the unit chosen, else the user's units."""
    if inspecting_unit is not None:
        return [inspecting_unit.path]
    paths = staff_unit_paths(user)
    if paths is None:
        return list(Unit.objects.filter(depth=1).values_list("path", flat=True))
    return paths


def _rows_by_child(
    user, inspecting_unit, folded: dict[int, dict[str, KindSplit]], targets
) -> list[tuple[Unit, list[KindSplit]]]:
    """Sum the committees' splits under the unit itself and each unit just below it.

    The sector's officer gets a row for the sector's own committee and one a
    union under it (its whole subtree), and drills down from there: a row a
    committee would be hundreds of rows.
    """
    anchors = _anchors(user, inspecting_unit)
    paths = dict(Unit.objects.filter(pk__in=list(folded)).values_list("pk", "path"))
    grouped: dict[str, dict[str, KindSplit]] = {}
    for unit_id, kinds in folded.items():
        path = paths[unit_id]
        anchor = next((a for a in anchors if path.startswith(a)), None)
        if anchor is None:
            continue
        key = path[: len(anchor) + Unit.steplen] if path != anchor else anchor
        if key not in grouped:
            grouped[key] = {
                kind: KindSplit(kind=kind, label=label, target_online=targets[kind])
                for kind, label in Kind.choices
            }
        for kind, split in kinds.items():
            grouped[key][kind].add(split)
    units = {unit.path: unit for unit in Unit.objects.filter(path__in=list(grouped))}
    return [
        (units[key], list(grouped[key].values()))
        for key in sorted(grouped)
        if key in units
    ]


def split_dashboard(
    *, user, year: int, inspecting_unit: Unit | None = None, per_unit: bool = True
) -> Split:
    """The split for the user's scope (or one inspecting unit's subtree) in a year.

    ``units``: the same, for the chosen unit's own committee and for each unit
    just below it (its subtree summed), to drill down. Served from the cache
    until an activity, plan or target of the scope is written.
    """
    path = inspecting_unit.path if inspecting_unit is not None else None
    return scoped_cached(
        SPLIT,
        lambda: _split_compute(
            user=user, year=year, inspecting_unit=inspecting_unit, per_unit=per_unit
        ),
        user=user,
        args=(year, path, per_unit),
        depends=(UNITS,),
        subtree=path,
        ttl=SPLIT_TTL,
    )


def _split_compute(
    *, user, year: int, inspecting_unit: Unit | None, per_unit: bool
) -> Split:
    targets = split_targets()
    rows = split_counts(
        split_activities(user=user, year=year, inspecting_unit=inspecting_unit)
    )
    folded = _fold(rows, targets)
    total = folded.pop(None)
    units = []
    if per_unit and folded:
        units = _rows_by_child(user, inspecting_unit, folded, targets)
    return Split(year=year, kinds=list(total.values()), units=units)


def split_naive(*, user, year: int) -> dict:
    """The same totals, an activity at a time: the benchmark's baseline only."""
    targets = split_targets()
    result = {
        kind: KindSplit(kind=kind, label=label, target_online=targets[kind])
        for kind, label in Kind.choices
    }
    for activity in split_activities(user=user, year=year).select_related("plan"):
        quarters = result[activity.kind].quarters
        quarter = (activity.planned_start.month - 1) // 3 + 1
        online = activity.mode == Mode.ONLINE
        if activity.status == CANCELLED:
            quarters[quarter].cancelled += 1
            continue
        quarters[quarter].planned += 1
        if activity.status in DONE:
            done_q = (activity.done_on.month - 1) // 3 + 1
            quarters[done_q].done += 1
            quarters[done_q].done_online += online
    return result
