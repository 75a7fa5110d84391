"""The member's portal pages of care programmes and consultations: their own only."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import (
    CareProgramme,
    ConsultationRequest,
    Member,
    Relative,
    User,
)
from members.services import programmes as services
from tests.conftest import vi
from tests.members.factories import (
    make_account,
    make_member,
    make_relative,
    make_union_tree,
)
from tests.members.factories_programmes import (
    FEMALE_ACTIVE,
    deliver,
    make_consultation,
    make_programme,
)

pytestmark = pytest.mark.django_db

PROGRAMMES = "/cham-lo/"
CONSULTATIONS = "/tu-van/"
ASK = "/tu-van/yeu-cau/"
# The user (session in the cache), the member, the rows, the deliveries, the badge.
PROGRAMMES_QUERIES = 5


@pytest.fixture
def tree():
    return make_union_tree()


@pytest.fixture
def mother(tree) -> Member:
    member = make_member(
        unit=tree.vnpt_hn,
        full_name="Nguyễn Thị Hoa",
        gender=Member.Gender.FEMALE,
        date_of_birth=date(1980, 5, 17),
        email="hoa.nguyen@example.vn",
    )
    make_account(member)
    member.refresh_from_db()
    return member


@pytest.fixture
def child(mother) -> Relative:
    return make_relative(
        member=mother,
        full_name="Lê Minh Khang",
        relationship=Relative.Relationship.CHILD,
        date_of_birth=date(2016, 6, 15),
    )


@pytest.fixture
def programmes(tree, mother, child) -> dict[str, CareProgramme]:
    return {
        "health": make_programme(
            unit=tree.vnpt,
            name="Khám sức khỏe nữ đoàn viên",
            rules=FEMALE_ACTIVE,
            amount=250_000,
            bands=((40, 650_000),),
        ),
        "children": make_programme(
            unit=tree.vnpt_hn,
            name="Quà Tết Thiếu nhi",
            beneficiary=CareProgramme.Beneficiary.RELATIVE,
            rules=(("relationship", "eq", "child"), ("relative_age", "lt", "15")),
            gift="Cặp sách",
            amount=300_000,
        ),
        "draft": make_programme(
            unit=tree.vnpt_hn,
            name="Chương trình còn nháp",
            rules=FEMALE_ACTIVE,
            open_it=False,
        ),
        # The sibling unit's: its canary is a woman with a child, too.
        "sibling": make_programme(
            unit=tree.vnpt_hcm, name="Quà riêng của TP. HCM", rules=FEMALE_ACTIVE
        ),
    }


def test_members_see_what_they_and_their_relatives_are_eligible_for_and_received(
    client, tree, mother, child, programmes, django_assert_num_queries
):
    delivery = deliver(programmes["health"], mother, by="Ban nữ công")
    client.force_login(mother.user)

    with django_assert_num_queries(PROGRAMMES_QUERIES):
        page = client.get(PROGRAMMES).content.decode()

    health = page.split(f'id="programme-{programmes["health"].pk}"')[1]
    assert "Khám sức khỏe nữ đoàn viên" in page
    assert "650.000\u00a0₫" in health.split("</article>")[0]
    received = f"{delivery.delivered_on:%d/%m/%Y}"
    assert received in health.split("</article>")[0]
    children = page.split(f'id="programme-{programmes["children"].pk}"')[1]
    children = children.split("</article>")[0]
    assert "Lê Minh Khang" in children
    assert vi("Child") in children
    assert "Cặp sách" in children
    assert "300.000\u00a0₫" in children
    assert vi("Eligible: not received yet") in children
    # Drafts stay with the staff; nobody else's programmes, people or amounts show.
    assert "Chương trình còn nháp" not in page
    assert "Quà riêng của TP. HCM" not in page
    for secret in (
        tree.sibling.member.full_name,
        tree.sibling.relative.full_name,
        tree.group_member.full_name,
    ):
        assert secret not in page


def test_a_member_in_no_programme_gets_a_word_saying_so(client, tree, programmes):
    man = make_member(
        unit=tree.vnpt_hn, full_name="Trần Văn Không", email="khong@example.vn"
    )
    user = make_account(man)  # a man without children
    client.force_login(user)
    page = client.get(PROGRAMMES).content.decode()
    assert 'id="no-programmes"' in page
    assert "Khám sức khỏe nữ đoàn viên" not in page


def test_a_delivery_shows_after_its_relative_was_removed(
    client, tree, mother, child, programmes
):
    row = services.programme_deliveries_record(
        eligibilities=[
            programmes["children"].eligibilities.get(relative=child),
        ],
        outcome="given",
        delivered_on=timezone.localdate(),
        delivered_by="Tổ công đoàn",
    )
    assert row
    child.delete()
    client.force_login(mother.user)
    page = client.get(PROGRAMMES).content.decode()
    assert "Lê Minh Khang" in page


def test_an_account_without_a_member_record_is_told_so(client, make_user):
    client.force_login(make_user("canbo@example.vn", "Phạm Cán Bộ"))
    for path in (PROGRAMMES, CONSULTATIONS, ASK):
        page = client.get(path).content.decode()
        assert vi("Account not linked to the register") in page, path


def test_anonymous_visitors_are_sent_to_login(client):
    for path in (PROGRAMMES, CONSULTATIONS, ASK):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_the_menu_leads_to_the_programmes_and_consultations(client, mother):
    client.force_login(mother.user)
    page = client.get("/").content.decode()
    assert f'href="{PROGRAMMES}"' in page
    assert f'href="{CONSULTATIONS}"' in page


# Consultations -----------------------------------------------------------------


def test_members_see_only_their_own_consultations(client, tree, mother):
    own = make_consultation(mother, subject="Chế độ thai sản khi sinh đôi")
    scheduled = make_consultation(
        mother,
        subject="Tư vấn dinh dưỡng",
        topic=ConsultationRequest.Topic.HEALTH,
        adviser="Bác sĩ Trần Văn Khỏe",
        place="https://meet.example.vn/abc",
        scheduled_at=timezone.now() + timedelta(days=2),
    )
    theirs = make_consultation(
        tree.sibling.member,
        subject="Canary consultation subject",
        adviser="Canary adviser",
    )
    client.force_login(mother.user)

    page = client.get(CONSULTATIONS).content.decode()

    assert own.subject in page
    assert f'id="consultation-{scheduled.pk}"' in page
    assert "Bác sĩ Trần Văn Khỏe" in page
    assert "https://meet.example.vn/abc" in page
    assert vi("Appointment made") in page
    assert theirs.subject not in page
    assert "Canary adviser" not in page
    # Cancelling someone else's is "not found"; their request stays.
    response = client.post(reverse("members:consultation_cancel", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ConsultationRequest.Status.SCHEDULED


def test_a_member_asks_for_a_consultation_and_may_cancel_it(client, mother):
    client.force_login(mother.user)
    form = client.get(ASK).content.decode()
    assert 'name="topic"' in form
    assert 'type="radio"' in form

    response = client.post(
        ASK,
        {
            "topic": "policy",
            "mode": "in_person",
            "subject": "  Chế độ   ốm đau ",
            "preferred_times": "Sáng thứ Bảy",
        },
    )

    assert response.status_code == 302
    assert response.url == CONSULTATIONS
    consultation = ConsultationRequest.objects.get(member=mother)
    assert (consultation.subject, consultation.status) == (
        "Chế độ ốm đau",
        ConsultationRequest.Status.REQUESTED,
    )
    client.post(reverse("members:consultation_cancel", args=[consultation.pk]))
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.CANCELLED


def test_a_request_without_topic_or_times_is_refused_on_the_form(client, mother):
    client.force_login(mother.user)
    response = client.post(ASK, {"subject": "Hỏi về lương"})
    assert response.status_code == 200
    assert vi("This field is required.") in response.content.decode()
    assert not ConsultationRequest.objects.exists()


def test_a_member_cannot_see_another_members_page_by_being_staff_elsewhere(
    client, tree, mother
):
    """A staff account's portal pages are its own member record's, not its scope's."""
    make_consultation(mother, subject="Riêng tư của chị Hoa")
    officer = User.objects.get(pk=tree.grassroots_officer.pk)
    client.force_login(officer)
    page = client.get(CONSULTATIONS).content.decode()
    assert "Riêng tư của chị Hoa" not in page
