"""The admin of inspections: the services' rules as form errors, audited writes."""

import pytest

from inspections.models import Activity, Recommendation
from tests.inspections.factories import make_activity
from tests.members.factories import make_account, make_member

pytestmark = pytest.mark.django_db

ADD = "/admin/inspections/activity/add/"


def _form(plan, **fields):
    data = {
        "plan": plan.pk,
        "inspected_unit": fields.pop("inspected_unit"),
        "kind": "inspection",
        "mode": "online",
        "topic": "Kiểm tra tài chính",
        "planned_start": "10/03/2026",
        "planned_end": "11/03/2026",
        "lead": fields.pop("lead"),
        "minutes": "",
    }
    data.update(fields)
    # The inlines' management forms (documents, answers).
    for prefix in ("documents", "answers"):
        data |= {
            f"{prefix}-TOTAL_FORMS": 0,
            f"{prefix}-INITIAL_FORMS": 0,
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
    return data


@pytest.fixture
def officer(tree, inspections_staff):
    return inspections_staff(tree.upper_officer)


def test_the_add_form_refuses_an_inspector_on_their_own_unit(
    client, tree, plan, officer
):
    client.force_login(officer)
    response = client.post(
        ADD,
        _form(
            plan,
            inspected_unit=tree.vnpt_hn.pk,
            lead=officer.pk,
            team=[tree.grassroots_officer.pk],
        ),
    )
    assert response.status_code == 200
    assert "không được kiểm tra đơn vị của mình" in response.content.decode()
    assert not Activity.objects.exists()
    response = client.post(
        ADD, _form(plan, inspected_unit=tree.vnpt_hcm.pk, lead=officer.pk)
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.inspecting_unit, activity.year) == (tree.vnpt, 2026)


def test_an_activity_is_cancelled_from_its_form_and_then_frozen(
    client, tree, plan, officer, inspector
):
    activity = make_activity(plan=plan, inspected=tree.vnpt_hcm, lead=inspector)
    client.force_login(officer)
    url = f"/admin/inspections/activity/{activity.pk}/change/"
    data = _form(
        plan,
        inspected_unit=tree.vnpt_hcm.pk,
        lead=inspector.pk,
        cancel_reason="Đơn vị sáp nhập",
    )
    assert client.post(url, data).status_code == 302
    activity.refresh_from_db()
    assert (activity.status, activity.cancelled_reason) == (
        "cancelled",
        "Đơn vị sáp nhập",
    )
    response = client.post(
        url,
        _form(plan, inspected_unit=tree.vnpt_hcm.pk, lead=inspector.pk, topic="Đổi"),
    )
    activity.refresh_from_db()
    assert activity.topic != "Đổi"
    assert response.status_code in (200, 403)


def test_a_recommendation_to_someone_outside_the_unit_is_a_form_error(
    client, tree, plan, officer, inspector, time_machine
):
    time_machine.move_to("2026-03-20 09:00 +0700", tick=False)
    from inspections import services

    activity = make_activity(plan=plan, inspected=tree.vnpt_hn, lead=inspector)
    finding = services.finding_record(
        actor=inspector, activity=activity, topic="Đoàn phí", description="Chậm"
    )
    outsider = make_account(
        make_member(unit=tree.vnpt_hcm, full_name="Ngô Văn Ngoài", email="n@vnpt.vn")
    )
    client.force_login(officer)
    response = client.post(
        "/admin/inspections/recommendation/add/",
        {
            "finding": finding.pk,
            "text": "Nộp đủ",
            "owner": outsider.pk,
            "due_date": "30/04/2026",
        },
    )
    assert response.status_code == 200
    assert "phải thuộc" in response.content.decode()
    assert not Recommendation.objects.exists()
