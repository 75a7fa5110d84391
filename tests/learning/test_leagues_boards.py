"""Leaderboards without shaming: consent, opt-out, staff left out, neighbours only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from learning import services
from learning.models import XpReason
from learning.selectors.leagues import (
    BOARD_TTL,
    root_path_of,
    unit_league,
    unit_league_cached,
    week_of,
    weekly_board,
)
from members.models import Consent, StaffRole
from tests.learning.factories import make_learner
from tests.members.factories import make_unit, reloaded

pytestmark = pytest.mark.django_db

_source = iter(range(1, 100_000))


def earn(member, points: int) -> None:
    services.xp_award(
        member_id=member.pk,
        reason=XpReason.INITIATIVE,
        source_type="initiative",
        source_id=next(_source),
        points=points,
    )


def consent(member) -> None:
    Consent.objects.create(
        member=member,
        purpose=Consent.Purpose.LEADERBOARD,
        version="2025-1",
        given_at=timezone.now(),
    )


@pytest.fixture
def unit_a_board(union, time_machine):
    """Eight members of union A with points; the viewer ranks fifth."""
    time_machine.move_to("2026-05-06 10:00 +0700", tick=False)
    viewer = union.member_a
    consent(viewer)
    earn(viewer, 50)
    people = {}
    for index, points in enumerate((90, 80, 70, 60, 40, 30, 20), start=1):
        # The group under union A is in its board too.
        unit = union.group_a if index % 2 else union.unit_a
        member = make_learner(unit=unit, full_name=f"Người Thứ {index}")
        consent(member)
        earn(member, points)
        people[points] = member
    return viewer, people


def names(response) -> str:
    return response.content.decode()


def test_the_board_shows_the_member_and_their_neighbours_by_default(
    union, client, unit_a_board
):
    viewer, people = unit_a_board
    client.force_login(viewer.user)
    page = names(client.get("/hoc-tap/bang-xep-hang/"))
    assert "Bạn xếp thứ 5 trên 8" in page
    shown = [points for points, member in people.items() if member.full_name in page]
    assert sorted(shown) == [30, 40, 60, 70]
    everyone = names(client.get("/hoc-tap/bang-xep-hang/?all=1"))
    assert all(member.full_name in everyone for member in people.values())


def test_opted_out_members_are_on_no_board_anyone_sees(
    union, client, unit_a_board, django_capture_on_commit_callbacks
):
    viewer, people = unit_a_board
    withdrawn, hidden, officer = people[60], people[40], people[70]
    Consent.objects.filter(member=withdrawn).update(withdrawn_at=timezone.now())
    client.force_login(hidden.user)
    client.post("/hoc-tap/bang-xep-hang/", {"hidden": "yes"})
    StaffRole.objects.create(
        user=officer.user, unit=union.unit_a, role=StaffRole.Role.OFFICER
    )
    never = make_learner(unit=union.unit_a, full_name="Chưa Đồng Ý")
    earn(never, 55)
    gone = (withdrawn, hidden, officer, never)

    for person in (viewer, people[90], people[20], hidden, never):
        client.force_login(person.user)
        for url in (
            "/hoc-tap/bang-xep-hang/",
            "/hoc-tap/bang-xep-hang/?all=1",
            "/hoc-tap/giai-dau-don-vi/",
            "/",
        ):
            page = names(client.get(url))
            # The home greets its own reader by name: others are what matter.
            others = [m for m in gone if url != "/" or m != person]
            assert not [m.full_name for m in others if m.full_name in page], url

    # Hidden members see that they are not listed, and can come back.
    client.force_login(hidden.user)
    assert "Bạn không có tên trên bảng xếp hạng" in names(
        client.get("/hoc-tap/bang-xep-hang/")
    )
    # Once committed, the choice bumps the cached boards (members.cache).
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/hoc-tap/bang-xep-hang/", {"hidden": "no"})
    client.force_login(viewer.user)
    assert hidden.full_name in names(client.get("/hoc-tap/bang-xep-hang/?all=1"))


def test_the_league_ranks_unions_by_xp_per_member(union, time_machine):
    time_machine.move_to("2026-05-06 10:00 +0700", tick=False)
    big = [union.member_a] + [
        make_learner(unit=union.unit_a, full_name=f"Đông {n}") for n in range(3)
    ]
    for member in big:
        earn(member, 30)  # 120 XP for 4 members: 30 a member
    earn(union.member_b, 40)  # union B: one member, 40 XP

    league = unit_league(root=union.sector, monday=week_of(timezone.localdate())[0])

    assert [(row.name, row.per_member, row.rank) for row in league] == [
        (union.unit_b.name, 40.0, 1),
        (union.unit_a.name, 30.0, 2),
    ]
    # Last week's points are not this week's.
    time_machine.move_to("2026-05-13 10:00 +0700", tick=False)
    later = unit_league(root=union.sector, monday=week_of(timezone.localdate())[0])
    assert [row.points for row in later] == [0, 0]


# The cache (members.cache): boards shared within a union, never beyond ------


def test_a_withdrawn_consent_leaves_the_cached_board_at_once(
    union, client, unit_a_board, django_capture_on_commit_callbacks
):
    viewer, people = unit_a_board
    leaving = people[60]
    client.force_login(viewer.user)
    assert leaving.full_name in names(client.get("/hoc-tap/bang-xep-hang/?all=1"))

    given = Consent.objects.get(member=leaving, purpose=Consent.Purpose.LEADERBOARD)
    given.withdrawn_at = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        given.save(update_fields=["withdrawn_at"])
    assert leaving.full_name not in names(client.get("/hoc-tap/bang-xep-hang/?all=1"))


def test_points_credited_show_on_the_board_within_its_ttl(
    union, client, unit_a_board, time_machine, django_capture_on_commit_callbacks
):
    viewer, _people = unit_a_board
    client.force_login(viewer.user)
    assert "Bạn xếp thứ 5 trên 8" in names(client.get("/hoc-tap/bang-xep-hang/"))
    with django_capture_on_commit_callbacks(execute=True):
        earn(viewer, 100)  # 150: first
    # XP does not bump the boards (docs/decisions.md): the cached ranks stand...
    assert "Bạn xếp thứ 5 trên 8" in names(client.get("/hoc-tap/bang-xep-hang/"))
    # ...for BOARD_TTL seconds at most.
    time_machine.move_to(timezone.now() + timedelta(seconds=BOARD_TTL + 1), tick=False)
    assert "Bạn xếp thứ 1 trên 8" in names(client.get("/hoc-tap/bang-xep-hang/"))


def test_two_unions_never_share_a_cached_board(union, client, unit_a_board):
    viewer, people = unit_a_board
    other = make_learner(unit=union.unit_b, full_name="Người Công Đoàn B")
    consent(other)
    earn(other, 10)
    for _round in range(2):
        client.force_login(viewer.user)
        board_a = names(client.get("/hoc-tap/bang-xep-hang/?all=1"))
        client.force_login(other.user)
        board_b = names(client.get("/hoc-tap/bang-xep-hang/?all=1"))
        assert "Bạn xếp thứ 5 trên 8" in board_a
        assert other.full_name not in board_a
        assert "Bạn xếp thứ 1 trên 1" in board_b
        assert not [m for m in people.values() if m.full_name in board_b]


def test_the_cached_board_asks_one_query_fewer(
    union, unit_a_board, django_assert_num_queries
):
    viewer, _people = unit_a_board
    today = timezone.localdate()
    with django_assert_num_queries(2):  # the ranking, whether the member is listed
        cold = weekly_board(member=viewer, today=today, everyone=True)
    with django_assert_num_queries(1):  # whether the member is listed
        warm = weekly_board(member=viewer, today=today, everyone=True)
    assert warm == cold


def test_a_new_union_joins_the_cached_league_at_once(
    union, unit_a_board, django_capture_on_commit_callbacks
):
    monday = week_of(timezone.localdate())[0]
    root = root_path_of(union.unit_a)
    before = unit_league_cached(root_path=root, monday=monday)
    with django_capture_on_commit_callbacks(execute=True):
        newcomer = make_unit(
            code="VNPT-CT",
            name="CĐCS VNPT Cần Thơ",
            level="grassroots",
            parent=reloaded(union.vnpt),
        )
        make_learner(unit=newcomer, full_name="Người Cần Thơ")
    after = unit_league_cached(root_path=root, monday=monday)
    assert newcomer.pk not in [row.unit_id for row in before]
    assert newcomer.pk in [row.unit_id for row in after]
