"""The settings page offers each person only the kinds of notification they get."""

import html

import pytest

from members.models import NotificationPreference, StaffRole, User
from members.reminders import MEMBER, reminder_get, reminders_all
from members.selectors.notifications import notification_settings
from members.services.staff import staff_role_grant
from tests.conftest import vi_text as vi
from tests.members.factories import make_account, make_staff, make_union_tree

pytestmark = pytest.mark.django_db

SETTINGS = "/thong-bao/cai-dat/"
CARE_KINDS = {"care.birthday", "care.case_unvisited", "care.weekly_digest"}
OFFICER_KINDS = {"privacy.data_rights_request"}
MEMBER_KINDS = {"consultation.day_before"}
# The members app's own kinds; other apps register theirs with their roles.
OWN_TOPICS = {"care", "consultation", "privacy", "programmes"}


def own(kinds: set[str]) -> set[str]:
    return {kind for kind in kinds if kind.split(".")[0] in OWN_TOPICS}


def kinds_offered(user: User) -> set[str]:
    return {
        setting.kind
        for _recipients, group in notification_settings(user=user)
        for setting in group
    }


@pytest.fixture
def tree():
    return make_union_tree()


@pytest.fixture
def member_account(tree) -> User:
    member = tree.own_member
    member.email = "an.nguyen@example.vn"
    return make_account(member)


@pytest.fixture
def care_officer(tree) -> User:
    return make_staff(
        email="chamlo.hanoi@example.vn",
        name="Phan Thị Chăm Lo",
        unit=tree.vnpt_hn,
        role=StaffRole.Role.CARE_OFFICER,
    )


def test_every_members_kind_says_who_receives_it():
    for kind in reminders_all():
        if kind.name.split(".")[0] in OWN_TOPICS:
            assert kind.roles, f"{kind.name} does not say who receives it"


def test_a_member_is_offered_only_the_kinds_members_receive(client, member_account):
    client.force_login(member_account)

    page = html.unescape(client.get(SETTINGS).content.decode())

    assert reminder_get("consultation.day_before").roles == (MEMBER,)
    offered = kinds_offered(member_account)
    assert own(offered) == MEMBER_KINDS
    # Every app's kinds meant for members, and nothing meant for staff only.
    assert offered == {
        k.name for k in reminders_all() if not k.roles or MEMBER in k.roles
    }
    assert vi("Consultation appointment tomorrow") in page
    for officers_only in (
        "Weekly care radar",
        "Birthdays of members and relatives tomorrow",
        "Members' data-rights requests to handle",
        "Care officers of the grassroots union",
    ):
        assert vi(officers_only) not in page, officers_only


def test_a_care_officer_is_offered_the_care_kinds_not_the_members(care_officer):
    offered = kinds_offered(care_officer)

    assert offered >= CARE_KINDS
    assert "programmes.period_ending" in offered
    assert not offered & (MEMBER_KINDS | OFFICER_KINDS)


def test_a_union_officer_who_is_also_a_member_is_offered_both(tree, member_account):
    staff_role_grant(
        user=member_account, unit=tree.vnpt_hn, role=StaffRole.Role.OFFICER
    )

    offered = kinds_offered(member_account)

    assert own(offered) == MEMBER_KINDS | OFFICER_KINDS


def test_an_account_with_no_member_and_no_role_is_offered_nothing(client, make_user):
    stranger = make_user("khach@example.vn", "Khách Lạ")
    client.force_login(stranger)

    page = client.get(SETTINGS).content.decode()

    assert kinds_offered(stranger) == set()
    assert vi("There are no kinds of notification to choose from yet.") in page


def test_a_kind_not_offered_cannot_be_turned_off_by_posting_it(client, member_account):
    client.force_login(member_account)

    client.post(
        SETTINGS,
        {"kind": ["care.weekly_digest", "consultation.day_before"], "receive": []},
    )

    assert dict(
        NotificationPreference.objects.filter(user=member_account).values_list(
            "kind", "enabled"
        )
    ) == {"consultation.day_before": False}


def test_a_kind_that_names_no_roles_is_offered_to_everyone(
    register_kind, member_account, care_officer
):
    name = register_kind("tests.everyone", lambda *, today: iter(()))

    assert name in kinds_offered(member_account)
    assert name in kinds_offered(care_officer)
