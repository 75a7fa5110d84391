"""Consultations: asked by a member, scheduled by a care officer, reminded, closed."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from members.models import ConsultationRequest, Member, Notification, StaffRole
from members.services import consultations as services
from members.services.notifications import reminder_run
from tests.conftest import vi
from tests.members.factories import (
    make_account,
    make_member,
    make_permissions_group,
    make_staff,
    make_union_tree,
)

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=HCM)
Status = ConsultationRequest.Status


@pytest.fixture
def tree(time_machine):
    time_machine.move_to(NOW, tick=False)
    return make_union_tree(today=NOW.date())


@pytest.fixture
def member(tree) -> Member:
    member = make_member(
        unit=tree.vnpt_hn_group,
        full_name="Phan Thị Thu",
        gender=Member.Gender.FEMALE,
        email="thu.phan@example.vn",
    )
    make_account(member)
    member.refresh_from_db()
    return member


def care_officer(unit, slug):
    return make_staff(
        email=f"chamlo.{slug}@example.vn",
        name=f"Cán bộ chăm lo {slug}",
        unit=unit,
        role=StaffRole.Role.CARE_OFFICER,
        groups=(make_permissions_group("Mọi quyền hội viên", "members"),),
    )


def ask(member, subject="Tư vấn về bệnh dạ dày", actor=None):
    return services.consultation_request(
        member=member,
        topic=ConsultationRequest.Topic.HEALTH,
        subject=subject,
        mode=ConsultationRequest.Mode.ONLINE,
        preferred_times="Tối thứ Ba",
        actor=actor or member.user,
    )


def test_the_members_care_officers_hear_of_a_request_without_its_subject(tree, member):
    hn = care_officer(tree.vnpt_hn, "hn")
    group = care_officer(tree.vnpt_hn_group, "to")
    hcm = care_officer(tree.vnpt_hcm, "hcm")

    consultation = ask(member)

    notes = Notification.objects.filter(kind="consultation.requested")
    assert {note.recipient for note in notes} == {hn, group}
    assert hcm not in {note.recipient for note in notes}
    for note in notes:
        assert member.full_name in note.title
        assert consultation.subject not in note.title + note.body
        assert note.link == reverse(
            "admin:members_consultationrequest_change", args=[consultation.pk]
        )


def test_nobody_asks_in_another_members_name(tree, member):
    with pytest.raises(PermissionDenied):
        ask(member, actor=tree.sibling.account)


def test_the_care_officer_schedules_and_the_member_finds_it_in_the_inbox(
    client, tree, member
):
    officer = care_officer(tree.vnpt_hn, "hn")
    consultation = ask(member)
    client.force_login(officer)
    url = reverse("admin:members_consultationrequest_change", args=[consultation.pk])
    assert consultation.subject in client.get(url).content.decode()

    response = client.post(
        url,
        {
            "scheduled_at_0": "12/03/2026",
            "scheduled_at_1": "14:30",
            "adviser": "Luật sư Nguyễn Văn Luật",
            "place": "Phòng họp tầng 3",
            "outcome": "",
        },
    )

    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == Status.SCHEDULED
    assert consultation.scheduled_at == datetime(2026, 3, 12, 14, 30, tzinfo=HCM)
    assert consultation.scheduled_by == officer
    (note,) = Notification.objects.filter(
        kind="consultation.scheduled", recipient=member.user
    )
    assert "14:30 12/03/2026" in note.title
    assert "Luật sư Nguyễn Văn Luật" in note.body
    client.force_login(member.user)
    inbox = client.get(reverse("members:inbox")).content.decode()
    assert "14:30 12/03/2026" in inbox


def test_an_appointment_in_the_past_is_refused(client, tree, member):
    officer = care_officer(tree.vnpt_hn, "hn")
    consultation = ask(member)
    client.force_login(officer)
    url = reverse("admin:members_consultationrequest_change", args=[consultation.pk])
    response = client.post(
        url,
        {"scheduled_at_0": "01/03/2026", "scheduled_at_1": "09:00", "adviser": "X"},
    )
    assert response.status_code == 200
    assert vi("The appointment must be ahead.") in response.content.decode()
    with pytest.raises(ValidationError):
        services.consultation_schedule(
            consultation=consultation,
            scheduled_at=NOW - timedelta(hours=1),
            adviser="X",
            actor=officer,
        )


def test_only_staff_in_scope_schedule(tree, member):
    consultation = ask(member)
    for outsider in (member.user, care_officer(tree.vnpt_hcm, "hcm")):
        with pytest.raises(PermissionDenied):
            services.consultation_schedule(
                consultation=consultation,
                scheduled_at=NOW + timedelta(days=1),
                adviser="Bác sĩ",
                actor=outsider,
            )


def test_the_member_is_reminded_the_day_before_once_and_again_if_moved(tree, member):
    officer = care_officer(tree.vnpt_hn, "hn")
    consultation = ask(member)
    at = datetime(2026, 3, 12, 8, 0, tzinfo=HCM)
    services.consultation_schedule(
        consultation=consultation, scheduled_at=at, adviser="Bác sĩ An", actor=officer
    )
    kind = "consultation.day_before"

    assert reminder_run(kind=kind, today=NOW.date())["created"] == 0
    assert reminder_run(kind=kind, today=at.date() - timedelta(days=1))["created"] == 1
    assert reminder_run(kind=kind, today=at.date() - timedelta(days=1))["created"] == 0
    (note,) = Notification.objects.filter(kind=kind)
    assert note.recipient == member.user
    assert "08:00" in note.title

    services.consultation_schedule(
        consultation=consultation,
        scheduled_at=at + timedelta(days=1),
        adviser="Bác sĩ An",
        actor=officer,
    )
    assert reminder_run(kind=kind, today=at.date())["created"] == 1


def test_the_outcome_is_held_referred_or_no_show_and_nothing_more(
    client, tree, member, time_machine
):
    officer = care_officer(tree.vnpt_hn, "hn")
    consultation = ask(member)
    services.consultation_schedule(
        consultation=consultation,
        scheduled_at=NOW + timedelta(days=1),
        adviser="Bác sĩ An",
        actor=officer,
    )
    with pytest.raises(ValidationError):
        services.consultation_outcome_record(
            consultation=consultation, outcome=Status.HELD, actor=officer
        )
    time_machine.move_to(NOW + timedelta(days=1, hours=2), tick=False)
    for outcome in (Status.CANCELLED, "diagnosis"):
        with pytest.raises(ValidationError):
            services.consultation_outcome_record(
                consultation=consultation, outcome=outcome, actor=officer
            )
    client.force_login(officer)
    url = reverse("admin:members_consultationrequest_change", args=[consultation.pk])
    form = client.get(url).content.decode()
    assert 'name="outcome"' in form
    for field in ("note", "details", "diagnosis"):
        assert f'name="{field}"' not in form
    response = client.post(
        url,
        {
            "scheduled_at_0": "11/03/2026",
            "scheduled_at_1": "09:00",
            "adviser": "Bác sĩ An",
            "place": "",
            "outcome": "referred",
        },
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert (consultation.status, consultation.outcome_recorded_by) == (
        Status.REFERRED,
        officer,
    )
    # Stored: the outcome only; no field holds a medical detail.
    names = {field.name for field in ConsultationRequest._meta.get_fields()}
    assert not names & {"note", "notes", "details", "diagnosis", "outcome_note"}
    # Closed: no further change, and the member can no longer cancel it.
    assert client.get(url).status_code == 200
    with pytest.raises(ValidationError):
        services.consultation_cancel(consultation=consultation, actor=member.user)


def test_a_consultation_is_scoped_to_the_members_unit(tree, member):
    ask(member)
    hcm = care_officer(tree.vnpt_hcm, "hcm")
    upper = care_officer(tree.vnpt, "vnpt")
    from members.scope import scoped

    assert not scoped(ConsultationRequest.objects.all(), hcm).exists()
    assert scoped(ConsultationRequest.objects.all(), upper).count() == 1
