"""The member's home: what needs them now, from each app's blocks, in few queries."""

import html
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from members.models import ConsultationRequest, DataRightsRequest, Member
from members.services import consultations as consultation_services
from members.services.data_rights import (
    data_rights_request_complete,
    data_rights_request_submit,
)
from members.services.notifications import (
    notification_mark_read,
    notifications_mark_all_read,
    notify,
)
from tests.conftest import vi_text as vi
from tests.members.factories import make_account, make_member, make_staff, make_unit
from tests.members.factories_programmes import (
    FEMALE_ACTIVE,
    deliver,
    make_consultation,
    make_programme,
)
from unionportal.navigation import home_panels

pytestmark = pytest.mark.django_db

# The user (the session is in the cache); the menu's unread badge; the
# blocks: the latest unread notifications and their count, the member's card,
# the next consultation, the programmes to receive, the open data-rights
# requests, the open surveys not answered yet and the member's initiatives
# (feedback); learning's: the XP profile, the level table, the unit league
# (units, members, the week's points: cached after this first view), the
# running quests, and the feed: its cursor, the posts new to it, the cursor
# made on a first visit, the latest posts.
HOME_QUERIES = 20


def text_of(response) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


@pytest.fixture
def unit(db):
    sector = make_unit(code="CDTTTT", name="Công đoàn TT&TT", level="sector")
    return make_unit(
        code="VNPT-01",
        name="CĐCS VNPT Hà Nội",
        level="grassroots",
        parent=sector,
        is_employer=True,
    )


def a_member(unit, name: str, email: str) -> Member:
    member = make_member(
        unit=unit,
        full_name=name,
        gender=Member.Gender.FEMALE,
        date_of_birth=date(1988, 5, 17),
        email=email,
    )
    make_account(member)
    member.refresh_from_db()
    return member


@pytest.fixture
def member(unit) -> Member:
    return a_member(unit, "Nguyễn Thị Hoa", "hoa.nguyen@example.vn")


@pytest.fixture
def neighbour(unit) -> Member:
    return a_member(unit, "Trần Thị Lan", "lan.tran@example.vn")


def note(member: Member, number: int, title: str):
    return notify(
        recipient=member.user,
        kind="test.message",
        dedupe_key=f"home:{member.pk}:{number}",
        title=title,
    )


def everything_for(member: Member, unit, *, tag: str) -> None:
    """Give a member one of each thing the home shows, then five notifications."""
    make_consultation(
        member,
        subject=f"{tag} tư vấn thai sản",
        adviser=f"{tag} bác sĩ",
        place="Phòng y tế",
        scheduled_at=timezone.now() + timedelta(days=2),
    )
    data_rights_request_submit(
        member=member,
        kind=DataRightsRequest.Kind.CORRECTION,
        details="Sửa ngày sinh",
        actor=member.user,
    )
    # What those told the member is read; the five below are the unread ones.
    notifications_mark_all_read(user=member.user)
    for number in range(1, 6):
        note(member, number, f"{tag} thông báo {number}")


def test_home_shows_what_needs_the_member(client, member, neighbour, unit):
    make_programme(unit=unit, name="Khám sức khỏe nữ", rules=FEMALE_ACTIVE)
    everything_for(member, unit, tag="Của Hoa")
    everything_for(neighbour, unit, tag="Của Lan")
    notification_mark_read(
        notification=member.user.notifications.get(title="Của Hoa thông báo 5"),
        user=member.user,
    )
    client.force_login(member.user)

    response = client.get("/")

    text = text_of(response)
    blocks = [panel["template"] for panel in response.context["panels"]]
    assert blocks == [
        "members/notifications/home_block.html",
        "members/register/home_panel.html",
        "learning/xp/home_block.html",
        "learning/leagues/home_block.html",
        "members/consultations/home_block.html",
        "members/programmes/home_block.html",
        "members/privacy/home_block.html",
    ]
    # Unread: the count and the three latest, never a read one.
    with translation.override("vi"):
        unread = ngettext(
            "You have %(count)s unread notification.",
            "You have %(count)s unread notifications.",
            4,
        ) % {"count": 4}
    assert unread in text
    assert "Của Hoa thông báo 4" in text
    assert "Của Hoa thông báo 2" in text
    assert "Của Hoa thông báo 1" not in text
    assert "Của Hoa thông báo 5" not in text
    assert "Của Hoa tư vấn thai sản" in text
    assert "Của Hoa bác sĩ" in text
    assert "Khám sức khỏe nữ" in text
    assert "500.000 ₫" in text  # the no-break space is folded above
    assert vi("Correct my data") in text
    assert "Của Lan" not in text


def test_home_leaves_out_what_is_done(client, member, unit):
    programme = make_programme(unit=unit, name="Quà 8/3", rules=FEMALE_ACTIVE)
    deliver(programme, member)
    cancelled = make_consultation(
        member,
        subject="Tư vấn đã hủy",
        adviser="Bác sĩ hủy",
        scheduled_at=timezone.now() + timedelta(days=1),
    )
    consultation_services.consultation_cancel(consultation=cancelled, actor=member.user)
    past = make_consultation(member, subject="Tư vấn đã qua", adviser="Bác sĩ cũ")
    # The appointment's time has passed, its outcome not recorded yet.
    ConsultationRequest.objects.filter(pk=past.pk).update(
        scheduled_at=timezone.now() - timedelta(hours=2)
    )
    request = data_rights_request_submit(
        member=member, kind=DataRightsRequest.Kind.ACCESS, actor=member.user
    )
    data_rights_request_complete(request=request, actor=None, response="Đã gửi bản sao")
    note(member, 1, "Đã đọc")
    notifications_mark_all_read(user=member.user)
    client.force_login(member.user)

    response = client.get("/")

    blocks = [panel["template"] for panel in response.context["panels"]]
    assert "members/notifications/home_block.html" not in blocks
    assert "members/programmes/home_block.html" not in blocks
    assert "members/privacy/home_block.html" not in blocks
    assert "members/consultations/home_block.html" not in blocks
    text = text_of(response)
    for gone in ("Quà 8/3", "Tư vấn đã hủy", "Tư vấn đã qua"):
        assert gone not in text


def test_home_query_count_is_pinned(client, member, unit, django_assert_num_queries):
    make_programme(unit=unit, name="Khám sức khỏe nữ", rules=FEMALE_ACTIVE)
    make_programme(unit=unit, name="Quà 8/3", rules=FEMALE_ACTIVE)
    everything_for(member, unit, tag="Hoa")
    client.force_login(member.user)

    with django_assert_num_queries(HOME_QUERIES):
        response = client.get("/")

    assert len(response.context["panels"]) == 7


def test_staff_without_a_member_get_a_home_without_member_blocks(client, unit):
    officer = make_staff(email="canbo@example.vn", name="Lê Văn Cán", unit=unit)
    client.force_login(officer)

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["panels"] == []
    assert vi("Nothing needs you right now.") in text_of(response)


def test_an_app_adds_its_block_through_the_registry(member, monkeypatch):
    config = apps.get_app_config("learning")
    monkeypatch.setattr(
        config,
        "portal_home_panels",
        ["tests.unionportal.test_portal_home.course_block"],
        raising=False,
    )

    panels = home_panels(user=member.user)

    assert {"template": "learning/home_block.html", "order": 15} in panels
    orders = [panel["order"] for panel in panels]
    assert orders == sorted(orders)


def test_a_block_may_give_several_or_none(member, monkeypatch):
    config = apps.get_app_config("learning")
    monkeypatch.setattr(
        config,
        "portal_home_panels",
        [
            "tests.unionportal.test_portal_home.two_blocks",
            "tests.unionportal.test_portal_home.no_block",
        ],
        raising=False,
    )

    templates = [panel["template"] for panel in home_panels(user=member.user)]

    assert templates.count("learning/a.html") == 1
    assert templates.count("learning/b.html") == 1


def course_block(*, user):
    return {"template": "learning/home_block.html", "order": 15}


def two_blocks(*, user):
    return [
        {"template": "learning/a.html", "order": 16},
        {"template": "learning/b.html", "order": 17},
    ]


def no_block(*, user):
    return None


def test_home_links_each_block_to_its_page(client, member, unit):
    make_programme(unit=unit, name="Khám sức khỏe nữ", rules=FEMALE_ACTIVE)
    everything_for(member, unit, tag="Hoa")
    client.force_login(member.user)

    page = client.get("/").content.decode()

    for name in ("inbox", "consultations", "programmes", "my_data"):
        assert f'href="{reverse(f"members:{name}")}"' in page, name
