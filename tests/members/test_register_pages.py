"""Member portal pages: the profile, the home panel, and the member's own relatives."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from members import services
from members.models import Member, Relative, Unit
from tests.conftest import vi

pytestmark = pytest.mark.django_db

PROFILE = "/ho-so/"
RELATIVES = "/than-nhan/"
ADD = "/than-nhan/them/"
# One query for the user (the session is in the cache), one for the member,
# one for the menu's unread-notifications badge.
PROFILE_QUERIES = 3
# The user, the member, the relatives' consent, the relatives, the badge.
RELATIVES_QUERIES = 5


@pytest.fixture
def units(db) -> dict[str, Unit]:
    sector = services.unit_create(
        code="CDTTTT",
        name="Công đoàn Thông tin và Truyền thông Việt Nam",
        level=Unit.Level.SECTOR,
    )
    upper = services.unit_create(
        code="VNPT",
        name="Công đoàn Tập đoàn VNPT",
        level=Unit.Level.UPPER,
        parent=sector,
        is_employer=True,
    )
    return {
        "upper": upper,
        "hanoi": services.unit_create(
            code="VNPT-01",
            name="Công đoàn cơ sở VNPT Hà Nội",
            level=Unit.Level.GRASSROOTS,
            parent=upper,
        ),
        "danang": services.unit_create(
            code="VNPT-02",
            name="Công đoàn cơ sở VNPT Đà Nẵng",
            level=Unit.Level.GRASSROOTS,
            parent=upper,
        ),
    }


@pytest.fixture
def member(units, make_user) -> Member:
    return services.member_create(
        unit=units["hanoi"],
        employee_code="VNPT00001",
        full_name="Nguyễn Thị Hoa",
        date_of_birth=date(1990, 5, 17),
        gender=Member.Gender.FEMALE,
        national_id="001190012345",
        phone="+84 912 345 678",
        email="hoa.nguyen@example.vn",
        union_joined_on=date(2015, 3, 1),
        card_number="CD0000001",
        user=make_user("hoa.nguyen@example.vn", "Nguyễn Thị Hoa"),
    )


@pytest.fixture
def other_member(units, make_user) -> Member:
    return services.member_create(
        unit=units["danang"],
        employee_code="VNPT00002",
        full_name="Trần Văn Nam",
        date_of_birth=date(1985, 11, 2),
        gender=Member.Gender.MALE,
        national_id="048085000077",
        phone="0987654321",
        email="nam.tran@example.vn",
        user=make_user("nam.tran@example.vn", "Trần Văn Nam"),
    )


@pytest.fixture
def member_client(client, member) -> Client:
    client.force_login(member.user)
    return client


def relative_of(member, name="Lê Minh Khang", **fields) -> Relative:
    relative = Relative(
        member=member,
        full_name=name,
        relationship=fields.pop("relationship", Relative.Relationship.CHILD),
        date_of_birth=fields.pop("date_of_birth", date(2015, 6, 15)),
        **fields,
    )
    return services.relative_save(relative=relative, actor=member.user)


# Profile -------------------------------------------------------------------


def test_profile_shows_the_members_own_record_with_the_cccd_masked(member_client):
    page = member_client.get(PROFILE).content.decode()

    assert '<html lang="vi">' in page
    for text in (
        "Nguyễn Thị Hoa",
        "Công đoàn cơ sở VNPT Hà Nội",
        # The employer by its company's name (Unit.company_name).
        "Tập đoàn VNPT",
        "CD0000001",
        "01/03/2015",
        "0912345678",
        "hoa.nguyen@example.vn",
        # Labels and status, in Vietnamese.
        "Số thẻ đoàn viên",
        "Ngày vào công đoàn",
        "Đang sinh hoạt",
        "Số CCCD",
    ):
        assert text in page, text
    assert "Công đoàn Tập đoàn VNPT" not in page
    assert "••••••••2345" in page
    assert "001190012345" not in page
    assert "00119001" not in page


def test_profile_query_count_is_pinned(
    member_client, django_assert_num_queries, member
):
    with django_assert_num_queries(PROFILE_QUERIES):
        response = member_client.get(PROFILE)
    assert member.full_name in response.content.decode()


def test_account_without_member_record_gets_a_polite_page(client, make_user, member):
    client.force_login(make_user("canbo@example.vn", "Phạm Cán Bộ"))

    for path in (PROFILE, "/the-doan-vien/", RELATIVES, ADD):
        response = client.get(path)
        page = response.content.decode()
        assert response.status_code == 200
        assert vi("Account not linked to the register") in page, path
        assert "Nguyễn Thị Hoa" not in page


def test_anonymous_visitor_is_sent_to_login(client):
    for path in (PROFILE, RELATIVES, ADD, "/the-doan-vien/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_home_shows_the_member_panel_and_menu(member_client):
    page = member_client.get("/").content.decode()
    assert "Xin chào, Hoa" in page
    assert "Công đoàn cơ sở VNPT Hà Nội" in page
    for path in (PROFILE, "/the-doan-vien/", RELATIVES):
        assert f'href="{path}"' in page
    assert vi("My profile") in page
    assert vi("Union card") in page


def test_home_has_no_member_panel_for_an_account_without_record(client, member_user):
    client.force_login(member_user)
    page = client.get("/").content.decode()
    assert "Xin chào, Trần Thị Bình" in page
    assert 'class="member-panel"' not in page


# Relatives -----------------------------------------------------------------


def test_relatives_list_shows_only_the_members_own(
    member_client, member, other_member, django_assert_num_queries
):
    relative_of(member, "Lê Minh Khang", phone="0901 234 567")
    relative_of(member, "Lê Văn Tùng", relationship=Relative.Relationship.SPOUSE)
    relative_of(other_member, "Trần Thị Mai")

    with django_assert_num_queries(RELATIVES_QUERIES):
        page = member_client.get(RELATIVES).content.decode()

    assert "Lê Minh Khang" in page
    assert "15/06/2015" in page
    assert "0901234567" in page
    assert "Lê Văn Tùng" in page
    assert "Trần Thị Mai" not in page


def test_member_adds_a_relative_with_a_ddmmyyyy_date(member_client, member):
    form = member_client.get(ADD).content.decode()
    assert 'placeholder="' + vi("dd/mm/yyyy") + '"' in form

    response = member_client.post(
        ADD,
        {
            "full_name": "  Lê  Minh Khang ",
            "relationship": "child",
            "date_of_birth": "15/06/2015",
            "phone": "+84 901 234 567",
            "note": "Học lớp 4",
        },
    )

    assert response.status_code == 302
    assert response.url == RELATIVES
    relative = member.relatives.get()
    assert relative.full_name == "Lê Minh Khang"
    assert relative.relationship == Relative.Relationship.CHILD
    assert relative.date_of_birth == date(2015, 6, 15)
    assert relative.phone == "0901234567"
    assert relative.birthday_key == 615
    listed = member_client.get(RELATIVES).content.decode()
    assert "Lê Minh Khang" in listed
    assert "15/06/2015" in listed


def test_a_date_typed_on_a_numeric_keypad_is_read_as_ddmmyyyy(member_client, member):
    member_client.post(
        ADD,
        {
            "full_name": "Lê Thị Lan",
            "relationship": "mother",
            "date_of_birth": "02011960",
        },
    )
    assert member.relatives.get().date_of_birth == date(1960, 1, 2)


@pytest.mark.parametrize(
    ("field", "value", "message", "params"),
    [
        (
            "phone",
            "12345",
            "%(value)s is not a Vietnamese phone number.",
            {"value": "12345"},
        ),
        ("date_of_birth", "01/01/2999", "The date of birth is in the future.", {}),
        ("date_of_birth", "31/02/2015", "Enter a valid date.", {}),
    ],
)
def test_bad_relative_details_are_shown_on_the_form_and_nothing_is_saved(
    member_client, member, field, value, message, params
):
    data = {"full_name": "Lê Minh Khang", "relationship": "child", field: value}

    response = member_client.post(ADD, data)

    assert response.status_code == 200
    with translation.override("vi"):
        expected = escape(gettext(message) % params)
    assert expected in response.content.decode()
    assert not member.relatives.exists()


def test_member_edits_their_relative(member_client, member):
    relative = relative_of(member, phone="0901234567")
    path = f"/than-nhan/{relative.pk}/sua/"
    form = member_client.get(path).content.decode()
    assert 'value="15/06/2015"' in form

    response = member_client.post(
        path,
        {
            "full_name": "Lê Minh Khang",
            "relationship": "child",
            "date_of_birth": "16/06/2015",
            "phone": "0902 000 111",
        },
    )

    assert response.status_code == 302
    relative.refresh_from_db()
    assert relative.date_of_birth == date(2015, 6, 16)
    assert relative.phone == "0902000111"
    assert relative.member == member


def test_member_deletes_a_relative_after_confirming(member_client, member):
    relative = relative_of(member)
    path = f"/than-nhan/{relative.pk}/xoa/"

    confirm = member_client.get(path)
    assert "Lê Minh Khang" in confirm.content.decode()
    assert Relative.objects.filter(pk=relative.pk).exists()

    response = member_client.post(path)

    assert response.status_code == 302
    assert response.url == RELATIVES
    assert not Relative.objects.filter(pk=relative.pk).exists()


def test_deleting_needs_the_csrf_token(member):
    relative = relative_of(member)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    response = client.post(f"/than-nhan/{relative.pk}/xoa/")
    assert response.status_code == 403
    assert Relative.objects.filter(pk=relative.pk).exists()


def test_another_members_relative_is_not_found_and_stays_unchanged(
    member_client, other_member
):
    theirs = relative_of(other_member, "Trần Thị Mai", phone="0903333444")
    edit = f"/than-nhan/{theirs.pk}/sua/"
    delete = f"/than-nhan/{theirs.pk}/xoa/"
    data = {"full_name": "Đã bị sửa", "relationship": "other", "phone": ""}

    responses = [
        member_client.get(edit),
        member_client.post(edit, data),
        member_client.get(delete),
        member_client.post(delete),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert "Trần Thị Mai" not in "".join(r.content.decode() for r in responses)
    theirs.refresh_from_db()
    assert (theirs.full_name, theirs.phone, theirs.member) == (
        "Trần Thị Mai",
        "0903333444",
        other_member,
    )


def test_a_member_cannot_move_a_relative_to_another_member(
    member_client, member, other_member
):
    relative = relative_of(member)
    member_client.post(
        f"/than-nhan/{relative.pk}/sua/",
        {
            "full_name": "Lê Minh Khang",
            "relationship": "child",
            "member": other_member.pk,
        },
    )
    relative.refresh_from_db()
    assert relative.member == member
