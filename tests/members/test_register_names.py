"""Names as people read them: the greeting's given name, an employer's company name."""

import importlib
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from members import services
from members.models import Member, Unit, User
from tests.members.factories import make_member, make_union_tree

pytestmark = pytest.mark.django_db

ADMIN_INDEX = "/admin/"
PROFILE = "/ho-so/"
MEMBERS = "/admin/members/member/"
MIGRATIONS = Path(__file__).resolve().parents[2] / "members" / "migrations"


@pytest.fixture
def vnpt(db) -> Unit:
    sector = services.unit_create(
        code="CDTTTT",
        name="Công đoàn Thông tin và Truyền thông Việt Nam",
        level=Unit.Level.SECTOR,
    )
    return services.unit_create(
        code="VNPT",
        name="Công đoàn Tập đoàn Bưu chính Viễn thông Việt Nam",
        level=Unit.Level.UPPER,
        parent=sector,
        is_employer=True,
    )


@pytest.fixture
def hanoi(vnpt) -> Unit:
    return services.unit_create(
        code="VNPT-01",
        name="Công đoàn cơ sở VNPT Hà Nội",
        level=Unit.Level.GRASSROOTS,
        parent=vnpt,
    )


# The greeting ----------------------------------------------------------------


def test_a_members_account_is_greeted_by_the_given_name(hanoi, make_user):
    # The account's own name may be anything (an e-mail nickname): the
    # member's full name, in Vietnamese order, ends with the given name.
    user = make_user("hoa@example.vn", "hoa.nguyen")
    make_member(unit=hanoi, full_name="Nguyễn Thị Hoa", user=user)

    assert User.objects.get(pk=user.pk).get_short_name() == "Hoa"


def test_a_staff_account_without_a_member_is_greeted_by_its_whole_name(make_user):
    user = make_user("admin@example.vn", "Quản trị hệ thống", is_staff=True)

    assert user.get_short_name() == "Quản trị hệ thống"


def test_an_account_without_a_name_is_greeted_by_its_email(make_user):
    user = make_user("khach@example.vn", "")

    assert user.get_short_name() == "khach@example.vn"


def test_the_admin_greets_the_superuser_by_the_whole_title_not_its_last_word(
    client, superuser
):
    superuser.name = "Quản trị hệ thống"
    superuser.save(update_fields=["name"])
    client.force_login(superuser)

    page = client.get(ADMIN_INDEX).content.decode()

    assert "<strong>Quản trị hệ thống</strong>" in page
    assert "<strong>thống</strong>" not in page


def test_the_portal_greets_a_member_by_the_given_name_without_a_query_more(
    client, hanoi, make_user, django_assert_num_queries
):
    user = make_user("hoa@example.vn", "hoa.nguyen")
    make_member(unit=hanoi, full_name="Nguyễn Thị Hoa", user=user)
    client.force_login(user)

    # The user, the member (which the page needs anyway), the unread badge.
    with django_assert_num_queries(3):
        page = client.get(PROFILE).content.decode()

    assert ">Hoa<" in page or ">Hoa " in page


# The employer's company name -------------------------------------------------


def test_a_new_employer_unit_is_named_as_the_company_without_its_unions_prefix(
    vnpt,
):
    assert vnpt.employer_name == "Tập đoàn Bưu chính Viễn thông Việt Nam"
    assert vnpt.company_name == "Tập đoàn Bưu chính Viễn thông Việt Nam"


@pytest.mark.parametrize(
    ("union", "company"),
    [
        (
            "Công đoàn Tập đoàn Bưu chính Viễn thông Việt Nam",
            "Tập đoàn Bưu chính Viễn thông Việt Nam",
        ),
        ("Công đoàn cơ sở VNPT Hà Nội", "VNPT Hà Nội"),
        ("CĐCS Bưu điện Đà Nẵng", "Bưu điện Đà Nẵng"),
        ("công đoàn Tổng công ty MobiFone", "Tổng công ty MobiFone"),
        ("Tổng công ty VTC", "Tổng công ty VTC"),
    ],
)
def test_the_company_name_is_the_union_name_without_its_prefix(union, company):
    assert Unit.employer_name_from(union) == company


def test_the_data_migration_names_existing_employers_by_their_company(vnpt, hanoi):
    Unit.objects.filter(pk=vnpt.pk).update(employer_name="")
    # Found by its name: the number changes when branches merge.
    (path,) = MIGRATIONS.glob("*_unit_employer_name.py")
    migration = importlib.import_module(f"members.migrations.{path.stem}")

    migration.employer_names_fill(django_apps, None)

    vnpt.refresh_from_db()
    hanoi.refresh_from_db()
    assert vnpt.employer_name == "Tập đoàn Bưu chính Viễn thông Việt Nam"
    # Not an employer: no company name.
    assert hanoi.employer_name == ""


def test_the_members_employer_filter_offers_companies_not_unions(
    client, superuser, vnpt, hanoi
):
    vtc = services.unit_create(
        code="VTC",
        name="Công đoàn Tổng công ty Truyền thông đa phương tiện",
        level=Unit.Level.UPPER,
        parent=Unit.objects.get_parent(vnpt),
        is_employer=True,
    )
    studio = services.unit_create(
        code="VTC-01",
        name="Công đoàn cơ sở VTC Studio",
        level=Unit.Level.GRASSROOTS,
        parent=vtc,
    )
    make_member(unit=hanoi, full_name="Nguyễn Thị Hoa")
    make_member(unit=studio, full_name="Trần Văn Nam")
    client.force_login(superuser)

    response = client.get(MEMBERS)

    spec = next(
        spec
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "field_path", "") == "employer"
    )
    assert [label for _pk, label in spec.lookup_choices] == [
        "Tập đoàn Bưu chính Viễn thông Việt Nam",
        "Tổng công ty Truyền thông đa phương tiện",
    ]


def test_the_member_change_page_shows_the_employer_by_its_company_name(
    client, superuser, hanoi
):
    member = make_member(unit=hanoi, full_name="Nguyễn Thị Hoa")
    client.force_login(superuser)

    page = client.get(
        reverse("admin:members_member_change", args=[member.pk])
    ).content.decode()

    assert "Tập đoàn Bưu chính Viễn thông Việt Nam" in page
    assert "Công đoàn Tập đoàn Bưu chính Viễn thông Việt Nam" not in page


def test_the_company_name_is_editable_in_the_units_admin(client, superuser, vnpt):
    client.force_login(superuser)
    url = reverse("admin:members_unit_change", args=[vnpt.pk])

    response = client.post(
        url,
        {
            "code": "VNPT",
            "name": vnpt.name,
            "level": vnpt.level,
            "is_active": "on",
            "is_employer": "on",
            "employer_name": "Tập đoàn VNPT",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    vnpt.refresh_from_db()
    assert vnpt.employer_name == "Tập đoàn VNPT"


def test_the_portal_profile_shows_the_employer_by_its_company_name(
    client, hanoi, make_user
):
    user = make_user("hoa@example.vn", "Nguyễn Thị Hoa")
    services.member_create(
        unit=hanoi,
        employee_code="VNPT00001",
        full_name="Nguyễn Thị Hoa",
        date_of_birth=date(1990, 5, 17),
        gender=Member.Gender.FEMALE,
        national_id="001190012345",
        user=user,
    )
    client.force_login(user)

    page = client.get(PROFILE).content.decode()

    assert "Tập đoàn Bưu chính Viễn thông Việt Nam" in page
    assert "Công đoàn Tập đoàn Bưu chính Viễn thông Việt Nam" not in page


def test_the_import_upload_offers_employers_by_their_company_name(client, superuser):
    tree = make_union_tree()
    client.force_login(superuser)

    response = client.get(reverse("admin:members_importrun_upload"))

    choices = [
        label for _value, label in response.context["form"].fields["employer"].choices
    ][1:]
    assert choices == [tree.vnpt.company_name, tree.vtc.company_name]
    assert choices == ["VNPT", "VTC"]
