"""The initiatives demo: every state once, through the services, idempotent."""

import pytest
from django.utils import timezone

from feedback import demo
from feedback.models import BenefitFollowUp, Initiative, InitiativeTarget
from feedback.selectors.initiatives import my_initiatives
from members.management.demo_activity import DemoPeople
from tests.members.factories import make_member

pytestmark = pytest.mark.django_db


def test_the_demo_holds_every_state_and_runs_again_without_adding(
    tree, author, superuser
):
    for number in range(8):
        make_member(unit=tree.vnpt_hcm, full_name=f"Đoàn Viên Số {number}")
    people = DemoPeople(
        admin=superuser,
        member_user=author.user,
        member=author,
        officer=tree.upper_officer,
        carer=tree.grassroots_officer,
    )
    today = timezone.localdate()

    line = demo.seed_initiatives(people, today)
    again = demo.seed_initiatives(people, today)

    assert line == again
    assert "initiatives: 7, 4 recognised" in line
    assert set(Initiative.objects.values_list("status", flat=True)) == set(
        Initiative.Status.values
    )
    theirs = my_initiatives(user=author.user)
    assert {i.status for i in theirs} == {
        Initiative.Status.APPLIED,
        Initiative.Status.REJECTED,
        Initiative.Status.SUBMITTED,
        Initiative.Status.RECOGNISED,  # a colleague's, co-authored
    }
    assert InitiativeTarget.objects.filter(unit=tree.vnpt, year=today.year).exists()
    assert not BenefitFollowUp.objects.filter(
        due_on__lte=today, recorded_at__isnull=True
    ).exists()
