"""Leaderboards without shaming: consent, opt-out, staff left out, neighbours only."""

import pytest
from django.utils import timezone

from learning import services
from learning.models import XpReason
from learning.selectors.leagues import unit_league, week_of
from members.models import Consent, StaffRole
from tests.learning.factories import make_learner

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


def test_opted_out_members_are_on_no_board_anyone_sees(union, client, unit_a_board):
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
