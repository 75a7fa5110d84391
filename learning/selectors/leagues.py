"""Reads of leagues: weekly boards in a grassroots unit, the unit league, quests.

Boards honour the member's choices: only members whose leaderboard consent
is in force (members' privacy record) and who have not hidden themselves
appear, and never staff. Nobody with no points this week is listed.

Cached through members.cache (docs/decisions.md, "Caching"): a grassroots
union's board for ``BOARD_TTL`` seconds, counted again at once when a
member's consent or hide-me choice changes (families ``members.consent`` and
``BOARD``), not when points are credited (a lesson a minute across the union
would leave nothing cached); the league for ``LEAGUE_TTL`` seconds, again
when the tree changes; a quest's progress for ``QUEST_TTL``, again when the
quest is changed. Boards and the league are the same for every member who
may see them (a union's own members, the whole sector): their key is the
grassroots union's or the root's path, never a member.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.expressions import Window
from django.db.models.functions import Rank
from django.utils import timezone

from learning.models import Enrolment, Quest, XpDay, XpProfile
from learning.selectors.courses import LEARNING_STATUSES
from members.cache import CONSENT, PUBLIC, UNITS, scoped_cached
from members.models import Member, StaffRole, Unit
from members.scope import scoped
from members.selectors.privacy import consent_in_force_q
from members.selectors.register import member_for_user

BOARD_MAX = 50
NEIGHBOURS = 2  # ranks shown above and below the member's own
BOARD = "learning.board"  # bumped when a member hides or shows themselves
LEAGUE = "learning.league"
QUEST = "learning.quest"  # bumped when a quest is saved
BOARD_TTL = 60  # seconds a board is kept: points credited show this late
LEAGUE_TTL = 600  # seconds the sector's league is kept computed
QUEST_TTL = 300  # seconds a quest's progress is kept counted
QUESTS_SHOWN = 5


def week_of(day: date) -> tuple[date, date]:
    """Return the Monday and the Sunday of the local week holding ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def grassroots_of(unit: Unit) -> Unit | None:
    """Return the grassroots union at or above the unit, None above that level."""
    if unit.level == Unit.Level.GRASSROOTS:
        return unit
    return (
        Unit.objects.filter(
            path__in=Unit.lineage_paths(unit.path), level=Unit.Level.GRASSROOTS
        )
        .order_by("-depth")
        .first()
    )


def _not_staff_q() -> Q:
    return ~Exists(StaffRole.objects.filter(user_id=OuterRef("user_id"))) & ~Q(
        user__is_staff=True
    )


def board_members(*, unit: Unit):
    """Return the members of a unit's subtree who may appear on its boards."""
    hidden = XpProfile.objects.filter(member=OuterRef("pk"), leaderboard_hidden=True)
    return (
        Member.objects.filter(
            unit__path__startswith=unit.path, status__in=LEARNING_STATUSES
        )
        .filter(consent_in_force_q(purpose="leaderboard", member="pk"))
        .filter(_not_staff_q())
        .exclude(Exists(hidden))
    )


@dataclass(frozen=True)
class BoardRow:
    rank: int
    member_id: int
    name: str
    points: int
    is_me: bool


@dataclass
class Board:
    unit: Unit | None
    week: tuple[date, date]
    rows: list[BoardRow] = field(default_factory=list)
    me: BoardRow | None = None
    ranked: int = 0
    listed: bool = False  # whether the member may appear at all


def _board_ranked(*, unit: Unit, monday: date) -> list[tuple[int, int, str, int]]:
    """Rank the union's eligible members by the week's points, in the database."""
    eligible = board_members(unit=unit)
    ranked = (
        XpDay.objects.filter(
            day__range=(monday, monday + timedelta(days=6)),
            member__in=eligible.values("pk"),
        )
        .values("member_id", "member__full_name")
        .annotate(week_points=Sum("points"))
        .filter(week_points__gt=0)
        .annotate(rank=Window(Rank(), order_by=Sum("points").desc()))
        .order_by("rank", "member__full_name", "member_id")
    )
    return [
        (row["rank"], row["member_id"], row["member__full_name"], row["week_points"])
        for row in ranked
    ]


def weekly_board(*, member: Member, today: date, everyone: bool = False) -> Board:
    """Return the member's weekly board: neighbours by default, else the top 50.

    The union's ranking (one query) is cached for ``BOARD_TTL`` seconds and
    shared by its members; whether the member may appear is asked every time
    (one query), and one for the unit.
    """
    unit = grassroots_of(member.unit)
    monday, sunday = week_of(today)
    board = Board(unit=unit, week=(monday, sunday))
    if unit is None:
        return board
    ranked = scoped_cached(
        BOARD,
        lambda: _board_ranked(unit=unit, monday=monday),
        user=PUBLIC,
        args=(unit.path, monday),
        depends=(CONSENT,),
        subtree=unit.path,
        ttl=BOARD_TTL,
    )
    rows = [
        BoardRow(
            rank=rank,
            member_id=member_id,
            name=name,
            points=points,
            is_me=member_id == member.pk,
        )
        for rank, member_id, name, points in ranked
    ]
    board.ranked = len(rows)
    mine = [index for index, row in enumerate(rows) if row.is_me]
    board.listed = board_members(unit=unit).filter(pk=member.pk).exists()
    if mine:
        board.me = rows[mine[0]]
    if everyone or not mine:
        board.rows = rows[:BOARD_MAX] if everyone else []
    else:
        at = mine[0]
        board.rows = rows[max(0, at - NEIGHBOURS) : at + NEIGHBOURS + 1]
    return board


@dataclass(frozen=True)
class LeagueRow:
    rank: int
    unit_id: int
    name: str
    members: int
    points: int
    per_member: float


def unit_league(*, root: Unit | str, monday: date) -> list[LeagueRow]:
    """Rank the grassroots unions under ``root`` by the week's XP per member.

    ``root`` is a unit or its path. Three queries (the units, members by
    unit, the week's points by unit), rolled up to each unit's grassroots
    union in Python.
    """
    root_path = root if isinstance(root, str) else root.path
    units = list(
        Unit.objects.filter(path__startswith=root_path).values_list(
            "pk", "path", "level", "name"
        )
    )
    grassroots = {
        path: (pk, name) for pk, path, level, name in units if level == "grassroots"
    }
    owner: dict[int, int] = {}
    for pk, path, _level, _name in units:
        for depth in range(len(path), 0, -Unit.steplen):
            found = grassroots.get(path[:depth])
            if found:
                owner[pk] = found[0]
                break
    counts: dict[int, int] = {}
    for unit_id, count in (
        Member.objects.filter(
            unit__path__startswith=root_path, status__in=LEARNING_STATUSES
        )
        .values_list("unit_id")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        if unit_id in owner:
            counts[owner[unit_id]] = counts.get(owner[unit_id], 0) + count
    points: dict[int, int] = {}
    for unit_id, total in (
        XpDay.objects.filter(
            day__range=(monday, monday + timedelta(days=6)),
            member__unit__path__startswith=root_path,
            member__status__in=LEARNING_STATUSES,
        )
        .values_list("member__unit_id")
        .annotate(total=Sum("points"))
        .order_by()
    ):
        if unit_id in owner:
            points[owner[unit_id]] = points.get(owner[unit_id], 0) + total
    names = dict(grassroots.values())
    rows = sorted(
        (
            (points.get(pk, 0) / count, pk, count)
            for pk, count in counts.items()
            if count
        ),
        key=lambda row: (-row[0], names[row[1]], row[1]),
    )
    league, rank, previous = [], 0, None
    for position, (per_member, pk, count) in enumerate(rows, start=1):
        if per_member != previous:
            rank, previous = position, per_member
        league.append(
            LeagueRow(
                rank=rank,
                unit_id=pk,
                name=names[pk],
                members=count,
                points=points.get(pk, 0),
                per_member=round(per_member, 1),
            )
        )
    return league


def unit_league_cached(*, root_path: str, monday: date) -> list[LeagueRow]:
    """Return the league of the tree at ``root_path``, kept ``LEAGUE_TTL`` seconds.

    Counted again at once when the units' tree changes (a new grassroots
    union must appear); points and headcounts move it within the TTL.
    """
    return scoped_cached(
        LEAGUE,
        lambda: unit_league(root=root_path, monday=monday),
        user=PUBLIC,
        args=(root_path, monday),
        depends=(UNITS,),
        ttl=LEAGUE_TTL,
    )


def root_path_of(unit: Unit) -> str:
    """Return the path of the root of the unit's tree (the sector)."""
    return unit.path[: Unit.steplen]


@dataclass(frozen=True)
class QuestProgress:
    quest: Quest
    done: int
    members: int

    @property
    def percent(self) -> int:
        return self.done * 100 // self.members if self.members else 0

    @property
    def reached(self) -> bool:
        return self.quest.reached_at is not None or (
            self.members > 0
            and self.done * 100 >= self.quest.target_percent * self.members
        )


def quest_members(quest: Quest):
    return Member.objects.filter(
        unit__path__startswith=quest.unit.path, status__in=LEARNING_STATUSES
    )


def quest_progress(*, quest: Quest) -> QuestProgress:
    """Count the unit's members and those who finished the course by the end date."""
    members = quest_members(quest)
    counts = members.aggregate(
        members=Count("pk"),
        done=Count(
            "pk",
            filter=Q(
                Exists(
                    Enrolment.objects.filter(
                        member=OuterRef("pk"),
                        course_id=quest.course_id,
                        completed_at__isnull=False,
                        completed_at__date__lte=quest.ends_on,
                    )
                )
            ),
        ),
    )
    return QuestProgress(quest=quest, done=counts["done"], members=counts["members"])


def quests_active_for(*, member: Member, today: date) -> list[QuestProgress]:
    """Return the quests of the member's unit and those above it, running today.

    One query; each quest's progress is counted at most every ``QUEST_TTL``
    seconds (a sector's quest counts the whole sector).
    """
    quests = Quest.objects.filter(
        unit__path__in=Unit.lineage_paths(member.unit.path),
        starts_on__lte=today,
        ends_on__gte=today,
    ).select_related("unit", "course", "badge")
    return [quest_progress_cached(quest=quest) for quest in quests[:QUESTS_SHOWN]]


def quest_progress_cached(*, quest: Quest) -> QuestProgress:
    """Return the quest's progress, counted at most every ``QUEST_TTL`` seconds.

    Counted again at once when a quest is saved (its unit, course or dates).
    """
    progress = None

    def count() -> tuple[int, int]:
        nonlocal progress
        progress = quest_progress(quest=quest)
        return progress.done, progress.members

    done, members = scoped_cached(
        QUEST,
        count,
        user=PUBLIC,
        args=(quest.pk, quest.reached_at is not None),
        ttl=QUEST_TTL,
    )
    return progress or QuestProgress(quest=quest, done=done, members=members)


def quests_in_scope(*, user):
    return scoped(Quest.objects.all(), user)


def league_position(*, member: Member, today: date) -> tuple[LeagueRow | None, int]:
    """Return the member's grassroots union's row in the league, and how many rank."""
    unit = grassroots_of(member.unit)
    if unit is None:
        return None, 0
    league = unit_league_cached(root_path=root_path_of(unit), monday=week_of(today)[0])
    row = next((row for row in league if row.unit_id == unit.pk), None)
    return row, len(league)


def league_home_block(*, user, member: Member | None = None) -> dict | None:
    """Return the home's block: the unit's league position and its running quests."""
    member = member or member_for_user(user=user)
    if member is None:
        return None
    today = timezone.localdate()
    position, units = league_position(member=member, today=today)
    return {
        "template": "learning/leagues/home_block.html",
        "order": 14,
        "position": position,
        "units": units,
        "quests": quests_active_for(member=member, today=today),
    }
