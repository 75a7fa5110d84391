"""The staff home: an officer's counts of what waits, in their scope, for a minute."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from members import services
from members.selectors.care import care_radar
from tests.conftest import vi, vi_text
from tests.members.factories import UnionTree, make_member, make_staff
from tests.unionportal.staff_work import union_tree_with_work
from unionportal.staff_home import STAFF_HOME_TTL, staff_cards

pytestmark = pytest.mark.django_db

HOME = "/admin/"
TECHNICAL_APPS = {"axes", "account", "django_celery_beat", "auth", "mfa"}
# An officer's first visit: the session's user, their user and group
# permissions, whether they have a second factor, the member behind the
# account (the greeting), their scope's unit paths, then one query a card
# function (transfers, held rows, imports, data rights, the two care counts,
# consultations, inspections' overdue recommendations and activities this
# week, feedback's surveys closing, the assistant's handed-over questions),
# two for feedback's initiatives card (waiting, follow-ups due), one for the
# month's figures, and the user's recent actions (Django's log).
HOME_QUERIES = 21
# Within the minute the cards and figures come from the cache: the thirteen
# queries of the cards and the one of the figures are not made.
HOME_QUERIES_CACHED = HOME_QUERIES - 14


@pytest.fixture
def tree() -> UnionTree:
    return union_tree_with_work()


def counts_on_the_home(client, user) -> dict[str, int]:
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    return {card.key: card.count for card in response.context["staff_cards"]}


def radar_birthdays(user) -> int:
    radar = care_radar(user=user, days=7, limit=10_000)
    return sum(item.kind != "follow_up" for item in radar["upcoming"])


# Counts a scope ------------------------------------------------------------------


def test_a_grassroots_officer_counts_their_units_work_only(client, tree):
    counts = counts_on_the_home(client, tree.grassroots_officer)

    assert counts == {
        "transfers": 0,
        "held-rows": 0,
        "imports": 0,
        "data-rights": 2,
        "care-unvisited": 1,
        "birthdays": radar_birthdays(tree.grassroots_officer),
        "consultations-requested": 1,
        "assistant-handovers": 0,
        "consultations-week": 1,
        # Inspections' cards count nothing in this tree (tests/inspections).
        "inspections-overdue": 0,
        "inspections-week": 0,
        "initiatives": 0,
        "surveys-closing": 0,
    }


def test_the_sibling_units_officer_counts_theirs_not_hanois(client, tree):
    counts = counts_on_the_home(client, tree.sibling_officer)

    # Both transfers wait for Hồ Chí Minh: one to accept, one to release.
    assert counts["transfers"] == 2
    assert counts["data-rights"] == 1
    assert counts["care-unvisited"] == 1
    assert (counts["consultations-requested"], counts["consultations-week"]) == (0, 1)
    assert counts["birthdays"] == radar_birthdays(tree.sibling_officer)


def test_the_employers_officer_counts_every_unit_under_it(client, tree):
    counts = counts_on_the_home(client, tree.upper_officer)

    assert counts == {
        "transfers": 2,
        "held-rows": 2,
        "imports": 2,
        "data-rights": 3,
        "care-unvisited": 2,
        "birthdays": radar_birthdays(tree.upper_officer),
        "consultations-requested": 1,
        "assistant-handovers": 0,
        "consultations-week": 2,
        "inspections-overdue": 0,
        "inspections-week": 0,
        "initiatives": 0,
        "surveys-closing": 0,
    }
    assert counts["birthdays"] > radar_birthdays(tree.grassroots_officer)


def test_the_other_employers_officer_sees_none_of_vnpts_work(client, tree):
    counts = counts_on_the_home(client, tree.vtc_officer)

    assert counts["transfers"] == 0
    assert counts["held-rows"] == 1
    assert counts["imports"] == 0
    assert counts["data-rights"] == 0
    assert counts["care-unvisited"] == 1  # the cousin's case
    assert (counts["consultations-requested"], counts["consultations-week"]) == (0, 0)


def test_overdue_and_failed_work_is_flagged_with_a_note(tree):
    cards = {card.key: card for card in staff_cards(user=tree.upper_officer)}

    assert cards["data-rights"].alert
    assert "1" in cards["data-rights"].note
    assert cards["imports"].alert
    assert not cards["transfers"].alert
    assert not cards["transfers"].note


def test_each_card_links_to_a_list_that_shows_the_same_rows(client, tree):
    client.force_login(tree.upper_officer)
    cards = client.get(HOME).context["staff_cards"]

    for card in cards:
        response = client.get(card.url)
        assert response.status_code == 200, card.url
        if "cl" in response.context:  # a changelist; the radar is a page
            assert response.context["cl"].result_count == card.count, card.key
        else:
            assert response.context["title"] == vi_text("Care radar")


def test_cards_follow_the_users_permissions(client, tree):
    # An officer by role only: no imports or consultations in their group.
    officer = make_staff(email="canbo2@example.vn", name="Mai Văn Hai", unit=tree.vnpt)

    counts = counts_on_the_home(client, officer)

    assert set(counts) == {
        "transfers",
        "data-rights",
        "care-unvisited",
        "birthdays",
        "inspections-overdue",
        "inspections-week",
        "initiatives",  # an officer's role holds feedback's view_initiative
        "surveys-closing",
        "assistant-handovers",
    }


# The sections ----------------------------------------------------------------------


def test_a_superuser_sees_the_technical_sections_last(client, tree, superuser):
    client.force_login(superuser)

    response = client.get(HOME)

    technical = {app["app_label"] for app in response.context["technical_apps"]}
    assert technical == TECHNICAL_APPS
    page = response.content.decode()
    assert vi("Technical settings") in page
    assert page.index(vi("Technical settings")) > page.index(
        'id="staff-section-privacy"'
    )
    # Named in Vietnamese, even where the third-party app names itself in English.
    assert vi("Authenticator apps and security keys") in page
    assert ">Authenticators<" not in page


def test_an_officer_sees_the_union_work_but_no_technical_section(client, tree):
    client.force_login(tree.upper_officer)

    response = client.get(HOME)

    assert response.context["technical_apps"] == []
    sections = [section.key for section in response.context["staff_sections"]]
    assert sections[:5] == ["register", "care", "imports", "notifications", "privacy"]
    page = response.content.decode()
    assert vi("Technical settings") not in page
    assert "/admin/django_celery_beat/" not in page
    assert "/admin/axes/" not in page
    # What the stock index did not link: the radar, the picture, the upload.
    for name in ("members_care_radar", "members_register_picture"):
        assert f'href="{reverse(f"admin:{name}")}"' in page
    assert f'href="{reverse("admin:members_importrun_upload")}"' in page


def test_the_register_section_lists_members_first(client, tree):
    client.force_login(tree.upper_officer)

    sections = client.get(HOME).context["staff_sections"]

    register = next(s for s in sections if s.key == "register")
    assert [m["object_name"] for m in register.models][:3] == [
        "Member",
        "Relative",
        "Transfer",
    ]


def test_every_label_of_the_home_is_vietnamese(client, tree, superuser):
    client.force_login(superuser)

    page = client.get(HOME).content.decode()

    for english in (
        "Waiting for you",
        "Transfers waiting for your decision",
        "Held import rows to review",
        "Data-rights requests open",
        "Consultations this week",
        "Joined the union this month",
        "Register",
        "HRM imports",
        "Privacy",
        "Technical settings",
    ):
        assert vi(english) != english, english
        assert vi(english) in page, english
        assert f">{english}<" not in page, english


def test_the_months_figures_count_who_joined_and_left(client, tree):
    today = tree.today
    services.member_save(
        member=_with(tree.group_member, union_joined_on=today.replace(day=1))
    )
    services.member_save(member=_with(tree.own_member, status="left"))
    client.force_login(tree.grassroots_officer)

    (block,) = client.get(HOME).context["staff_figures"]

    figures = [figure["value"] for figure in block.figures]
    assert figures == [1, 1, 1]  # members now, joined, left this month
    assert [bar.value for bar in block.chart.bars][-2:] == [1, 1]
    assert len(block.chart.bars) == 12  # six months, two series


def _with(member, **fields):
    for name, value in fields.items():
        setattr(member, name, value)
    return member


# Queries and the cache --------------------------------------------------------


def test_the_home_takes_a_fixed_number_of_queries_then_reads_the_cache(
    client, tree, django_assert_num_queries
):
    client.force_login(tree.upper_officer)
    client.get("/")  # the session is read once, as on any visit

    with django_assert_num_queries(HOME_QUERIES):
        client.get(HOME)
    with django_assert_num_queries(HOME_QUERIES_CACHED):
        client.get(HOME)


def test_officers_of_one_scope_share_the_counts_for_a_minute(
    client, tree, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    start = timezone.now()
    assert counts_on_the_home(client, tree.upper_officer)["transfers"] == 2
    services.transfer_request(
        member=tree.own_member,
        to_unit=tree.vnpt_hcm,
        transfer_on=tree.today,
        actor=tree.grassroots_officer,
    )
    colleague = make_staff(
        email="canbo.vnpt2@example.vn",
        name="Lý Thị Tập Đoàn",
        unit=tree.vnpt,
        groups=(tree.staff_group,),
    )

    # The same scope within the minute: the counts already made.
    assert counts_on_the_home(client, colleague)["transfers"] == 2
    # Another scope has its own counts.
    assert counts_on_the_home(client, tree.sibling_officer)["transfers"] == 3

    time_machine.move_to(start + timedelta(seconds=STAFF_HOME_TTL - 1), tick=False)
    assert counts_on_the_home(client, tree.upper_officer)["transfers"] == 2
    time_machine.move_to(start + timedelta(seconds=STAFF_HOME_TTL + 1), tick=False)
    assert counts_on_the_home(client, tree.upper_officer)["transfers"] == 3


def test_a_committed_write_of_the_register_shows_on_the_next_home_at_once(
    client, tree, django_capture_on_commit_callbacks
):
    before = counts_on_the_home(client, tree.upper_officer)
    figures = client.get(HOME).context["staff_figures"]
    members = next(f for f in figures if f.key == "register").figures[0]["value"]
    with django_capture_on_commit_callbacks(execute=True):
        services.transfer_request(
            member=tree.own_member,
            to_unit=tree.vnpt_hcm,
            transfer_on=tree.today,
            actor=tree.grassroots_officer,
        )
        make_member(unit=tree.vnpt_hn, full_name="Đoàn Viên Mới Vào")

    # Within the minute, yet counted again: the register's cards and figures.
    after = counts_on_the_home(client, tree.upper_officer)
    assert (before["transfers"], after["transfers"]) == (2, 3)
    figures = client.get(HOME).context["staff_figures"]
    assert next(f for f in figures if f.key == "register").figures[0]["value"] == (
        members + 1
    )


# The registry ----------------------------------------------------------------------


def test_another_app_adds_a_card_without_touching_members(client, tree, monkeypatch):
    config = apps.get_app_config("feedback")
    monkeypatch.setattr(
        config,
        "staff_cards",
        [{"function": f"{__name__}.questions_card", "permission": None}],
        raising=False,
    )

    counts = counts_on_the_home(client, tree.grassroots_officer)

    assert counts["questions"] == 4


def questions_card(*, user, today):
    """A card as the feedback app will declare one (the test's stand-in)."""
    return {
        "key": "questions",
        "title": "Câu hỏi trợ lý chuyển cho cán bộ",
        "count": 4,
        "url": "/admin/",
        "order": 90,
    }
