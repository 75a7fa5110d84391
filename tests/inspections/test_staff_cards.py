"""Inspections' cards on the staff home: counts of the scope, links to the same rows."""

from datetime import date

import pytest

from inspections import services
from inspections.staff_cards import activities_week_card, recommendations_overdue_card
from tests.inspections.factories import make_activity
from tests.members.factories import make_account, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(tree, plan, inspector, time_machine):
    time_machine.move_to("2026-03-01 09:00 +0700", tick=False)
    owner_hn = make_account(
        make_member(unit=tree.vnpt_hn, full_name="Lý Thị Hà", email="ha@vnpt.vn")
    )
    owner_hcm = make_account(
        make_member(unit=tree.vnpt_hcm, full_name="Lý Văn Sơn", email="son@vnpt.vn")
    )
    for unit, owner in ((tree.vnpt_hn, owner_hn), (tree.vnpt_hcm, owner_hcm)):
        activity = make_activity(
            plan=plan,
            inspected=unit,
            lead=inspector,
            start=date(2026, 2, 2),
            status="concluded",
        )
        finding = services.finding_record(
            actor=inspector, activity=activity, topic="Đoàn phí", description="Chậm"
        )
        for due in (date(2026, 3, 5), date(2026, 3, 20)):
            services.recommendation_create(
                actor=inspector,
                finding=finding,
                text="Nộp đủ",
                owner=owner,
                due_date=due,
            )
        make_activity(
            plan=plan, inspected=unit, lead=inspector, start=date(2026, 4, 22)
        )
    make_activity(
        plan=plan, inspected=tree.vnpt_hn, lead=inspector, start=date(2026, 5, 22)
    )
    time_machine.move_to("2026-04-20 09:00 +0700", tick=False)


def test_cards_count_the_users_scope_with_one_query_each(
    tree, work, django_assert_num_queries
):
    today = date(2026, 4, 20)
    for user, overdue, week in (
        (tree.upper_officer, 4, 2),
        (tree.grassroots_officer, 2, 1),
        (tree.vtc_officer, 0, 0),
    ):
        user.staff_roles.count()  # the scope's paths are read once a request
        from members.scope import staff_unit_paths

        staff_unit_paths(user)
        with django_assert_num_queries(1):
            card = recommendations_overdue_card(user=user, today=today)
        with django_assert_num_queries(1):
            this_week = activities_week_card(user=user, today=today)
        assert (card["count"], this_week["count"]) == (overdue, week), user
        assert card["alert"] is bool(overdue)


def test_each_card_links_to_the_list_of_the_same_rows(
    client, tree, work, inspections_staff
):
    officer = inspections_staff(tree.upper_officer)
    client.force_login(officer)
    today = date(2026, 4, 20)
    for card in (
        recommendations_overdue_card(user=officer, today=today),
        activities_week_card(user=officer, today=today),
    ):
        response = client.get(card["url"])
        assert response.status_code == 200
        assert response.context["cl"].result_count == card["count"] > 0
