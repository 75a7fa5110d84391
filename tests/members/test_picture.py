"""The register's picture: figures, roll-up, scope, export, queries and cache.

A small tree of known people on 15/06/2025 (the clock is frozen there):

    Công đoàn ngành (sector)
    ├── Công đoàn Alpha (upper)
    │   ├── CĐCS Alpha Một: Một, Hai, Mười (left), Không Rõ
    │   │   └── Tổ Alpha Một Kỹ thuật: Ba, Bốn
    │   └── CĐCS Alpha Hai: Năm, Sáu (dues-exempt), Bảy
    └── Công đoàn Beta (upper)
        └── CĐCS Beta Ba: Tám, Chín

Expected figures were worked out by hand from each person's dates.
"""

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from members import services
from members.models import CareCase, Member, Relative, Unit, User
from members.selectors.picture import PICTURE_TTL, RegisterPicture, register_picture
from tests.conftest import vi
from tests.members.factories import (
    make_care_case,
    make_member,
    make_permissions_group,
    make_relative,
    make_staff,
    make_unit,
    reloaded,
)

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 15)
NOW = datetime(2025, 6, 15, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
MALE, FEMALE = Member.Gender.MALE, Member.Gender.FEMALE
# Units, two GROUP BYs over members, children, open care cases; and the
# user's roles, read once for the scope and the cache key.
PICTURE_QUERIES = 6
PICTURE = "admin:members_register_picture"
XLSX = "admin:members_register_picture_xlsx"


@dataclass
class PictureTree:
    sector: Unit
    alpha: Unit
    alpha_one: Unit
    alpha_one_group: Unit
    alpha_two: Unit
    beta: Unit
    beta_three: Unit
    people: dict[str, Member]
    sector_officer: User
    upper_officer: User
    grassroots_officer: User


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def _person(unit, name, gender, born, **fields) -> Member:
    member = make_member(
        unit=unit,
        full_name=name,
        gender=gender or MALE,
        date_of_birth=born or date(1980, 1, 1),
        **fields,
    )
    if not gender or not born:
        member.gender, member.date_of_birth, member.national_id = gender, born, None
        services.member_save(member=member)
    return member


@pytest.fixture
def tree(frozen) -> PictureTree:
    upper, grassroots = Unit.Level.UPPER, Unit.Level.GRASSROOTS
    sector = make_unit(code="NG", name="Công đoàn ngành", level=Unit.Level.SECTOR)
    alpha = make_unit(
        code="A", name="Công đoàn Alpha", level=upper, parent=sector, is_employer=True
    )
    beta = make_unit(
        code="B", name="Công đoàn Beta", level=upper, parent=sector, is_employer=True
    )
    alpha_one = make_unit(
        code="A1", name="CĐCS Alpha Một", level=grassroots, parent=alpha
    )
    alpha_two = make_unit(
        code="A2", name="CĐCS Alpha Hai", level=grassroots, parent=alpha
    )
    alpha_one_group = make_unit(
        code="A1-KT",
        name="Tổ Alpha Một Kỹ thuật",
        level=Unit.Level.GROUP,
        parent=alpha_one,
    )
    beta_three = make_unit(
        code="B3", name="CĐCS Beta Ba", level=grassroots, parent=beta
    )
    units = [
        reloaded(u)
        for u in (sector, alpha, alpha_one, alpha_one_group, alpha_two, beta)
    ]
    sector, alpha, alpha_one, alpha_one_group, alpha_two, beta = units
    beta_three = reloaded(beta_three)

    people = {
        # 30 today; 5 years in the union today; retires in 2057.
        "Một": _person(
            alpha_one,
            "Nguyễn Văn Một",
            MALE,
            date(1995, 6, 15),
            union_joined_on=date(2020, 6, 15),
        ),
        # 30 tomorrow; 5 years in the union tomorrow.
        "Hai": _person(
            alpha_one,
            "Trần Thị Hai",
            FEMALE,
            date(1995, 6, 16),
            union_joined_on=date(2020, 6, 16),
        ),
        # Would retire this month, but has left the union.
        "Mười": _person(
            alpha_one,
            "Lê Văn Mười",
            MALE,
            date(1964, 3, 1),
            status=Member.Status.LEFT,
        ),
        "Không Rõ": _person(alpha_one, "Đoàn Không Rõ", "", None),
        # 62; hired 35 years ago, join date unknown; retired 30/04/2024 at 61.
        "Ba": _person(
            alpha_one_group,
            "Phạm Văn Ba",
            MALE,
            date(1963, 4, 10),
            hired_on=date(1990, 1, 1),
        ),
        # 56; 25 years; retires 31/05/2026 at 57 (the 12th month from now).
        "Bốn": _person(
            alpha_one_group,
            "Võ Thị Bốn",
            FEMALE,
            date(1969, 5, 20),
            union_joined_on=date(2000, 1, 1),
        ),
        # 60; 15 years; retires 30/04/2026 at 61y6m.
        "Năm": _person(
            alpha_two,
            "Hoàng Văn Năm",
            MALE,
            date(1964, 10, 1),
            union_joined_on=date(2010, 6, 15),
        ),
        # Dues-exempt, still a member; retired 31/05/2025 at 56y8m.
        "Sáu": _person(
            alpha_two,
            "Đặng Thị Sáu",
            FEMALE,
            date(1968, 9, 1),
            union_joined_on=date(1990, 6, 15),
            status=Member.Status.DUES_EXEMPT,
        ),
        # 61, no dates of service; retired 30/04/2025 at 61y3m.
        "Bảy": _person(alpha_two, "Bùi Văn Bảy", MALE, date(1964, 1, 5)),
        # 61; retires 30/06/2025 at 61y3m: this month.
        "Tám": _person(
            beta_three,
            "Đỗ Văn Tám",
            MALE,
            date(1964, 3, 20),
            union_joined_on=date(2024, 1, 1),
        ),
        # 56; 9 years since hired tomorrow 10; retires 30/06/2026: 13th month.
        "Chín": _person(
            beta_three,
            "Ngô Thị Chín",
            FEMALE,
            date(1969, 6, 1),
            hired_on=date(2015, 6, 16),
        ),
    }
    child = Relative.Relationship.CHILD
    for member, born in [
        ("Một", date(2019, 6, 16)),  # 5: under 6
        ("Một", date(2019, 6, 15)),  # 6 today: under 15 only
        ("Hai", date(2010, 6, 16)),  # 14: under 15
        ("Hai", date(2010, 6, 15)),  # 15 today: neither
        ("Bốn", date(2020, 1, 1)),
        ("Mười", date(2022, 1, 1)),  # a member who left: not counted
        ("Tám", date(2024, 1, 1)),
        ("Chín", None),  # no date of birth: not counted
    ]:
        make_relative(
            member=people[member],
            full_name=f"Con của {member}",
            relationship=child,
            date_of_birth=born,
        )
    make_relative(
        member=people["Tám"],
        full_name="Vợ của Tám",
        relationship=Relative.Relationship.SPOUSE,
        date_of_birth=date(2020, 1, 1),
    )
    make_care_case(member=people["Một"], summary="Ốm", kind=CareCase.Kind.ILLNESS)
    make_care_case(
        member=people["Bốn"], summary="Sinh con", kind=CareCase.Kind.CHILDBIRTH
    )
    make_care_case(member=people["Tám"], summary="Bão", kind=CareCase.Kind.HARDSHIP)
    closed = make_care_case(member=people["Năm"], summary="Đã xong")
    services.care_case_close(case=closed)

    group = make_permissions_group("Cán bộ", "members")
    return PictureTree(
        sector=sector,
        alpha=alpha,
        alpha_one=alpha_one,
        alpha_one_group=alpha_one_group,
        alpha_two=alpha_two,
        beta=beta,
        beta_three=beta_three,
        people=people,
        sector_officer=make_staff(
            email="nganh@example.vn", name="Cán bộ Ngành", unit=sector, groups=(group,)
        ),
        upper_officer=make_staff(
            email="alpha@example.vn", name="Cán bộ Alpha", unit=alpha, groups=(group,)
        ),
        grassroots_officer=make_staff(
            email="alpha1@example.vn",
            name="Cán bộ Alpha Một",
            unit=alpha_one,
            groups=(group,),
        ),
    )


def picture_of(**kwargs) -> RegisterPicture:
    """Return the picture with its labels in English, as the tests name them."""
    with translation.override("en"):
        return register_picture(**kwargs)


def table(picture, key: str) -> dict[str, tuple[int, ...]]:
    """Return a block's rows (and total) by English label."""
    block = picture.block(key)
    with translation.override("en"):
        rows = {str(row.label): row.values for row in block.rows}
    if block.total is not None:
        rows["total"] = block.total.values
    return rows


# Figures ------------------------------------------------------------------


def test_units_roll_up_their_subtrees(tree):
    picture = picture_of(user=tree.sector_officer, today=TODAY)

    assert picture.unit["pk"] == tree.sector.pk
    # Members now in the union, the women among them, open care cases.
    assert table(picture, "units") == {
        "Công đoàn Alpha": (8, 3, 2),
        "Công đoàn Beta": (2, 1, 1),
        "total": (10, 4, 3),
    }
    rows = picture.block("units").rows
    assert [row.unit_pk for row in rows] == [tree.alpha.pk, tree.beta.pk]


def test_the_units_chart_keeps_the_largest_units_when_there_are_many(tree, monkeypatch):
    monkeypatch.setattr("members.selectors.picture.CHART_ROWS", 1)

    block = picture_of(user=tree.sector_officer, today=TODAY).block("units")

    assert [(bar.label, bar.value) for bar in block.bars] == [("Công đoàn Alpha", 8)]
    assert len(block.rows) == 2
    assert block.chart_note


def test_a_grassroots_union_shows_its_groups_and_its_own_members(tree):
    picture = picture_of(user=tree.grassroots_officer, today=TODAY)

    assert picture.unit["pk"] == tree.alpha_one.pk
    assert table(picture, "units") == {
        "Tổ Alpha Một Kỹ thuật": (2, 1, 1),
        "Directly in CĐCS Alpha Một": (3, 1, 1),
        "total": (5, 2, 2),
    }
    assert table(picture, "status")["total"] == (6,)


def test_status_counts_every_record_and_gender_the_current_members(tree):
    picture = picture_of(user=tree.sector_officer, today=TODAY)

    assert table(picture, "status") == {
        "Active": (9,),
        "Transferred": (0,),
        "Left": (1,),
        "Retired": (0,),
        "Dues-exempt": (1,),
        "total": (11,),
    }
    assert table(picture, "gender") == {
        "Male": (5,),
        "Female": (4,),
        "Not recorded": (1,),
        "total": (10,),
    }


def test_age_bands_turn_on_the_birthday(tree):
    picture = picture_of(user=tree.sector_officer, today=TODAY)

    # Members, men, women.
    assert table(picture, "age") == {
        "Under 30": (1, 0, 1),
        "30 to 39": (1, 1, 0),
        "40 to 49": (0, 0, 0),
        "50 to 59": (3, 0, 3),
        "60 and over": (4, 4, 0),
        "Date of birth not recorded": (1, 0, 0),
        "total": (10, 5, 4),
    }
    tomorrow = picture_of(user=tree.sector_officer, today=date(2025, 6, 16))
    assert table(tomorrow, "age")["Under 30"] == (0, 0, 0)
    assert table(tomorrow, "age")["30 to 39"] == (2, 1, 1)


def test_age_bands_turn_on_the_birthday_at_the_end_of_a_long_month(tree):
    born = date(1996, 3, 30)  # turns 30 on 30/03/2026
    _person(tree.alpha_one, "Phan Thị Cuối Tháng", FEMALE, born)
    before = table(picture_of(user=tree.sector_officer, today=date(2026, 3, 29)), "age")
    on_the_day = date(2026, 3, 31)  # a day past the birthday, in a 31-day month
    after = table(picture_of(user=tree.sector_officer, today=on_the_day), "age")

    assert after["30 to 39"][0] == before["30 to 39"][0] + 1
    assert after["Under 30"][0] == before["Under 30"][0] - 1


def test_years_of_service_count_from_joining_or_else_from_hiring(tree):
    picture = picture_of(user=tree.sector_officer, today=TODAY)

    assert table(picture, "service") == {
        "Under 5 years": (2,),
        "5 to 9 years": (2,),
        "10 to 19 years": (1,),
        "20 to 29 years": (1,),
        "30 years and more": (2,),
        "Join and hire dates not recorded": (2,),
        "total": (10,),
    }
    tomorrow = picture_of(user=tree.sector_officer, today=date(2025, 6, 16))
    assert table(tomorrow, "service")["Under 5 years"] == (1,)
    assert table(tomorrow, "service")["5 to 9 years"] == (2,)
    assert table(tomorrow, "service")["10 to 19 years"] == (2,)


def test_retirement_in_the_next_twelve_months_follows_the_law(tree):
    picture = picture_of(user=tree.sector_officer, today=TODAY)

    rows = table(picture, "retirement")
    # Members, men, women, by month: Tám this month (61y3m), Năm in 04/2026
    # (61y6m), Bốn in 05/2026 (57y); Chín retires in 06/2026, the 13th month.
    assert rows["06/2025"] == (1, 1, 0)
    assert rows["04/2026"] == (1, 1, 0)
    assert rows["05/2026"] == (1, 0, 1)
    assert "06/2026" not in rows
    months = [values for label, values in rows.items() if "/" in label]
    assert len(months) == 12
    assert sum(values[0] for values in months) == 3
    assert rows["total"] == (3, 2, 1)
    # Ba, Bảy and Sáu reached it before this month and are still members.
    assert rows["Already past retirement age"] == (3, 2, 1)
    assert len(picture.block("retirement").bars) == 12

    in_july = picture_of(user=tree.sector_officer, today=date(2025, 7, 1))
    july = table(in_july, "retirement")
    assert july["06/2026"] == (1, 0, 1)
    assert july["Already past retirement age"] == (4, 3, 1)


def test_children_under_6_and_15_by_their_birthdays(tree):
    picture = picture_of(user=tree.sector_officer, today=TODAY)

    # Members, children.
    assert table(picture, "children") == {"Under 6": (3, 3), "Under 15": (4, 5)}
    grassroots = picture_of(user=tree.grassroots_officer, today=TODAY)
    assert table(grassroots, "children") == {"Under 6": (2, 2), "Under 15": (3, 4)}


def test_open_care_cases_by_kind(tree):
    picture = picture_of(user=tree.sector_officer, today=TODAY)

    rows = table(picture, "care")
    assert rows["Illness or hospital"] == (1,)
    assert rows["Childbirth"] == (1,)
    assert rows["Hardship"] == (1,)
    assert rows["total"] == (3,)


# Scope --------------------------------------------------------------------


def test_a_unit_chosen_in_scope_narrows_the_picture_to_its_subtree(tree):
    picture = picture_of(user=tree.upper_officer, unit=tree.alpha_two, today=TODAY)

    assert table(picture, "units") == {
        "Directly in CĐCS Alpha Hai": (3, 1, 0),
        "total": (3, 1, 0),
    }
    assert table(picture, "gender")["total"] == (3,)
    assert [unit["pk"] for unit in picture.trail] == [tree.alpha.pk]


def test_a_unit_outside_the_scope_is_refused(tree):
    for unit in (tree.alpha_two, tree.alpha, tree.beta_three):
        with pytest.raises(PermissionDenied):
            picture_of(user=tree.grassroots_officer, unit=unit, today=TODAY)


def test_staff_without_a_role_see_an_empty_picture(tree):
    drifter = make_staff(email="trong@example.vn", name="Không Vai Trò", unit=None)

    picture = picture_of(user=drifter, today=TODAY)

    assert table(picture, "units") == {"total": ()}
    assert table(picture, "status")["total"] == (0,)
    assert table(picture, "children") == {"Under 6": (0, 0), "Under 15": (0, 0)}


def test_the_grassroots_page_shows_only_its_subtree(client, tree):
    client.force_login(tree.grassroots_officer)

    page = client.get(reverse(PICTURE))

    body = page.content.decode()
    assert page.status_code == 200
    assert "Tổ Alpha Một Kỹ thuật" in body
    assert f'href="?unit={tree.alpha_one_group.pk}"' in body
    for elsewhere in ("CĐCS Alpha Hai", "Công đoàn Beta", "CĐCS Beta Ba"):
        assert elsewhere not in body
    assert "<svg" in body
    assert "<script" not in body.split('id="content-main"')[1]
    assert vi("Members by age") in body
    assert "15/06/2025" in body


@pytest.mark.parametrize("name", [PICTURE, XLSX])
def test_the_page_and_export_refuse_a_unit_outside_the_scope(client, tree, name):
    client.force_login(tree.grassroots_officer)

    for unit in (tree.alpha_two, tree.beta_three, tree.sector):
        response = client.get(reverse(name), {"unit": unit.pk, "block": "units"})
        assert response.status_code == 403
        assert unit.name not in response.content.decode()
    for forged in ("x", "999999", "²", "9" * 30, "-1"):
        assert client.get(reverse(name), {"unit": forged}).status_code == 404


def test_staff_without_the_view_permission_are_refused(client, tree):
    officer = make_staff(
        email="khongquyen@example.vn", name="Không Quyền", unit=tree.alpha
    )
    officer.groups.clear()  # the role's group gave them the register's permissions
    client.force_login(officer)

    assert client.get(reverse(PICTURE)).status_code == 403
    assert client.get(reverse(XLSX)).status_code == 403


def test_the_member_list_links_to_the_picture_for_viewers(client, tree):
    viewer = make_staff(
        email="xem@example.vn",
        name="Chỉ Xem",
        unit=tree.alpha,
        groups=(make_permissions_group("Xem", "members"),),
    )
    viewer.groups.first().permissions.set(
        viewer.groups.first().permissions.filter(codename__startswith="view_")
    )
    client.force_login(viewer)

    page = client.get(reverse("admin:members_member_changelist"))

    assert reverse(PICTURE) in page.content.decode()
    assert client.get(reverse(PICTURE)).status_code == 200


# Export -------------------------------------------------------------------


def _sheet_rows(response) -> dict[str, list[list]]:
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    }


def test_a_table_exports_as_xlsx_with_formulas_defused(client, tree):
    make_unit(
        code="C", name='=HYPERLINK("http://x")', level="upper", parent=tree.sector
    )
    client.force_login(tree.sector_officer)

    response = client.get(reverse(XLSX), {"block": "units"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "register-picture-units-20250615.xlsx" in response["Content-Disposition"]
    (rows,) = _sheet_rows(response).values()
    assert rows[0] == [vi("Members by unit")]
    assert "15/06/2025" in rows[1][0]
    header = rows.index([vi("Unit"), vi("Members"), vi("Women"), vi("Open care cases")])
    assert rows[header + 1 :] == [
        ["Công đoàn Alpha", 8, 3, 2],
        ["Công đoàn Beta", 2, 1, 1],
        ['\'=HYPERLINK("http://x")', 0, 0, 0],
        [vi("Total"), 10, 4, 3],
    ]


def test_every_table_exports_in_one_workbook_for_the_chosen_unit(client, tree):
    client.force_login(tree.upper_officer)

    response = client.get(reverse(XLSX), {"unit": tree.alpha_one.pk})

    sheets = _sheet_rows(response)
    assert len(sheets) == 8
    assert list(sheets)[-2] == vi("Young children")
    children = sheets[vi("Young children")]
    assert children[-2:] == [[vi("Under 6"), 2, 2], [vi("Under 15"), 3, 4]]
    assert "CĐCS Alpha Một" in children[1][0]
    assert client.get(reverse(XLSX), {"block": "nothing"}).status_code == 404


# Queries and cache --------------------------------------------------------


def test_the_picture_takes_a_fixed_number_of_queries(tree, django_assert_num_queries):
    for user in (tree.sector_officer, tree.grassroots_officer):
        with django_assert_num_queries(PICTURE_QUERIES):
            picture_of(user=user, today=TODAY)
    # Twenty more members in more units: the same number of queries.
    extra = make_unit(
        code="A3", name="CĐCS Alpha Ba", level="grassroots", parent=tree.alpha
    )
    for n in range(20):
        _person(
            reloaded(extra) if n % 2 else tree.beta_three,
            f"Người Thêm {n}",
            MALE if n % 3 else FEMALE,
            date(1970 + n, 1 + n % 12, 1),
            union_joined_on=date(2000 + n, 1, 1),
        )
    cache.clear()
    officer = User.objects.get(pk=tree.sector_officer.pk)
    with django_assert_num_queries(PICTURE_QUERIES):
        picture = picture_of(user=officer, today=TODAY)
    assert table(picture, "gender")["total"] == (30,)
    # Counted once, then served from the cache (the roles are known by now).
    with django_assert_num_queries(PICTURE_QUERIES - 1):
        picture_of(user=officer, unit=tree.alpha, today=TODAY)
    with django_assert_num_queries(0):
        picture_of(user=officer, unit=tree.alpha, today=TODAY)


def test_the_picture_is_cached_per_scope_unit_and_day(tree, django_assert_num_queries):
    first = picture_of(user=tree.sector_officer, today=TODAY)
    _person(tree.beta_three, "Người Mới", MALE, date(1990, 1, 1))

    # The same scope and day: the cached figures, the new member not yet in.
    other_officer = make_staff(
        email="nganh2@example.vn", name="Cán bộ Ngành Hai", unit=tree.sector
    )
    with django_assert_num_queries(1):  # the officer's roles, for the key
        cached = picture_of(user=other_officer, today=TODAY)
    assert table(cached, "gender") == table(first, "gender")
    assert cached.computed_at == first.computed_at

    # Another day, another unit, or asked fresh: counted again.
    assert table(
        picture_of(user=tree.sector_officer, today=date(2025, 6, 16)), "gender"
    )["total"] == (11,)
    narrowed = picture_of(user=tree.sector_officer, unit=tree.beta_three, today=TODAY)
    assert table(narrowed, "gender")["total"] == (3,)
    fresh = picture_of(user=tree.sector_officer, today=TODAY, fresh=True)
    assert table(fresh, "gender")["total"] == (11,)


def test_the_cached_picture_expires_after_its_ttl(tree, frozen):
    first = picture_of(user=tree.sector_officer, today=TODAY)
    _person(tree.beta_three, "Người Mới", MALE, date(1990, 1, 1))

    frozen.move_to(NOW + timedelta(seconds=PICTURE_TTL - 1), tick=False)
    assert table(picture_of(user=tree.sector_officer, today=TODAY), "gender") == (
        table(first, "gender")
    )
    frozen.move_to(NOW + timedelta(seconds=PICTURE_TTL + 1), tick=False)
    later = picture_of(user=tree.sector_officer, today=TODAY)
    assert table(later, "gender")["total"] == (11,)
    assert later.computed_at == NOW + timedelta(seconds=PICTURE_TTL + 1)


def test_the_page_after_the_first_is_served_from_the_cache(client, tree):
    client.force_login(tree.grassroots_officer)
    url = reverse(PICTURE)

    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as second:
        page = client.get(url)

    assert page.status_code == 200
    assert len(first) - len(second) == PICTURE_QUERIES - 1


def test_a_committed_write_has_the_picture_counted_again(
    tree, django_capture_on_commit_callbacks
):
    first = picture_of(user=tree.sector_officer, today=TODAY)
    assert table(first, "gender")["total"] == (10,)
    with django_capture_on_commit_callbacks(execute=True):
        _person(tree.beta_three, "Người Mới", MALE, date(1990, 1, 1))
    again = picture_of(user=tree.sector_officer, today=TODAY)
    assert table(again, "gender")["total"] == (11,)


def test_two_scopes_never_share_a_cached_picture(tree):
    # Same day, no unit chosen: the sector's officer and a grassroots officer.
    for _round in range(2):
        sector = picture_of(user=tree.sector_officer, today=TODAY)
        grassroots = picture_of(user=tree.grassroots_officer, today=TODAY)
        assert table(sector, "gender")["total"] == (10,)
        assert table(grassroots, "gender")["total"] != table(sector, "gender")["total"]
