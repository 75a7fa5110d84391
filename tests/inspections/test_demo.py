"""The demo's inspections: a year of VNPT's plan, made once through the services."""

from datetime import date

import pytest
from django.db.models import F

from inspections.demo import seed
from inspections.models import Activity, Finding, Plan, Recommendation
from inspections.selectors.split import split_dashboard
from members.management.demo_activity import DemoPeople
from tests.members.factories import make_account, make_member

pytestmark = pytest.mark.django_db


def test_the_demo_makes_a_year_of_work_once(tree, superuser, time_machine):
    time_machine.move_to("2026-07-15 09:00 +0700", tick=False)
    member = make_member(unit=tree.vnpt_hn, full_name="Nguyễn Thị Demo", email="d@x.vn")
    people = DemoPeople(
        admin=superuser,
        member_user=make_account(member),
        member=member,
        officer=tree.upper_officer,
        carer=tree.grassroots_officer,
    )
    today = date(2026, 7, 15)
    line = seed(people=people, today=today)
    assert "24" in line
    plan = Plan.objects.get()
    assert plan.inspecting_unit == tree.vnpt
    activities = Activity.objects.filter(plan=plan)
    assert activities.count() == 24
    assert activities.filter(status="cancelled").count() == 1
    assert activities.exclude(original_start=F("planned_start")).count() == 1
    assert Finding.objects.count() == 1
    statuses = sorted(Recommendation.objects.values_list("status", flat=True))
    assert statuses == ["open", "responded"]
    split = split_dashboard(user=tree.upper_officer, year=2026)
    assert split.kinds[0].year.done > 0
    # Run again: nothing more.
    seed(people=people, today=today)
    assert Activity.objects.count() == 24
