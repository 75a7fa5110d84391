"""An activity's rules: the unit under the inspecting unit, nobody on their own."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from inspections import services
from inspections.models import Activity
from members.models import AuditEvent
from tests.inspections.factories import make_activity
from tests.members.factories import make_account, make_member

pytestmark = pytest.mark.django_db


def test_an_inspector_cannot_be_on_a_team_inspecting_their_own_unit(
    tree, plan, inspector
):
    # The grassroots officer holds a role in VNPT Hà Nội: not on its inspection.
    with pytest.raises(ValidationError, match="không được kiểm tra đơn vị của mình"):
        make_activity(
            plan=plan,
            inspected=tree.vnpt_hn,
            lead=inspector,
            team=[tree.grassroots_officer],
        )
    # Nor as the lead.
    with pytest.raises(ValidationError, match="không được kiểm tra đơn vị của mình"):
        make_activity(plan=plan, inspected=tree.vnpt_hn, lead=tree.grassroots_officer)
    assert not Activity.objects.exists()


def test_a_member_of_a_group_under_the_unit_is_of_the_unit_too(tree, plan, inspector):
    member = make_member(
        unit=tree.vnpt_hn_group, full_name="Lê Văn Tổ", email="to@vnpt.vn"
    )
    account = make_account(member)
    with pytest.raises(ValidationError, match="không được kiểm tra đơn vị của mình"):
        make_activity(plan=plan, inspected=tree.vnpt_hn, lead=inspector, team=[account])
    # Inspecting the sibling union is no conflict.
    activity = make_activity(
        plan=plan, inspected=tree.vnpt_hcm, lead=inspector, team=[account]
    )
    assert list(activity.team.all()) == [account]


def test_an_upper_officer_may_inspect_a_unit_below_their_own(tree, plan):
    activity = make_activity(plan=plan, inspected=tree.vnpt_hn, lead=tree.upper_officer)
    assert activity.inspecting_unit == tree.vnpt
    assert activity.year == 2026


def test_moving_the_team_onto_their_own_unit_is_refused(tree, plan, inspector):
    activity = make_activity(plan=plan, inspected=tree.vnpt_hcm, lead=inspector)
    with pytest.raises(ValidationError, match="không được kiểm tra đơn vị của mình"):
        services.activity_update(
            actor=tree.upper_officer,
            activity=activity,
            team=[tree.grassroots_officer],
            inspected_unit=tree.vnpt_hn,
        )
    activity.refresh_from_db()
    assert activity.inspected_unit == tree.vnpt_hcm
    assert not activity.team.exists()


def test_the_inspected_unit_must_lie_in_the_inspecting_units_subtree(
    tree, plan, inspector
):
    with pytest.raises(ValidationError, match="không thể kiểm tra"):
        make_activity(plan=plan, inspected=tree.vtc_dt, lead=inspector)


def test_staff_outside_the_inspecting_unit_cannot_plan_for_it(tree, plan, inspector):
    with pytest.raises(PermissionDenied):
        services.activity_create(
            actor=tree.vtc_officer,
            plan=plan,
            inspected_unit=tree.vnpt_hn,
            kind="inspection",
            mode="online",
            topic="x",
            planned_start=date(2026, 4, 1),
            lead=inspector,
        )
    # A grassroots officer sees VNPT's activities about their unit but does
    # not change them.
    activity = make_activity(plan=plan, inspected=tree.vnpt_hn, lead=inspector)
    with pytest.raises(PermissionDenied):
        services.activity_update(
            actor=tree.grassroots_officer, activity=activity, topic="Đổi"
        )


def test_a_refused_activity_is_recorded_with_its_reasons(tree, plan, inspector):
    with pytest.raises(ValidationError):
        services.activity_create(
            actor=tree.upper_officer,
            plan=plan,
            inspected_unit=tree.vnpt_hn,
            kind="inspection",
            mode="online",
            topic="Kiểm tra",
            planned_start=date(2026, 4, 1),
            lead=tree.grassroots_officer,
        )
    event = AuditEvent.objects.get(detail__action="inspection_activity_create_refused")
    assert event.actor == tree.upper_officer
    assert "không được kiểm tra đơn vị của mình" in event.detail["reasons"][0]


def test_the_planned_start_must_fall_in_the_plans_year(tree, plan, inspector):
    with pytest.raises(ValidationError, match="thuộc năm của kế hoạch"):
        make_activity(
            plan=plan, inspected=tree.vnpt_hn, lead=inspector, start=date(2027, 1, 5)
        )


def test_cancelling_needs_a_reason_and_a_done_activity_cannot_be_cancelled(
    tree, plan, inspector
):
    activity = make_activity(plan=plan, inspected=tree.vnpt_hn, lead=inspector)
    with pytest.raises(ValidationError, match="lý do hủy"):
        services.activity_status_set(
            actor=None, activity=activity, status="cancelled", reason=" "
        )
    services.activity_status_set(actor=None, activity=activity, status="concluded")
    with pytest.raises(ValidationError):
        services.activity_status_set(
            actor=None, activity=activity, status="cancelled", reason="Muộn"
        )


def test_the_follow_up_closes_only_when_every_recommendation_is_accepted(
    tree, plan, inspector
):
    activity = make_activity(
        plan=plan, inspected=tree.vnpt_hn, lead=inspector, status="concluded"
    )
    finding = services.finding_record(
        actor=inspector, activity=activity, topic="Đoàn phí", description="Nộp chậm"
    )
    services.recommendation_create(
        actor=inspector,
        finding=finding,
        text="Nộp đủ",
        owner=tree.grassroots_officer,
        due_date=date(2099, 1, 1),
    )
    with pytest.raises(ValidationError, match="phải được chấp nhận"):
        services.activity_status_set(actor=None, activity=activity, status="closed")
