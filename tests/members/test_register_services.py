"""Services and selectors of the register: identifiers, members, transfers, care."""

import unicodedata
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.functional import Promise

from members import services
from members.identifiers import national_id_clean, phone_clean
from members.models import CareCase, Member, Relative, StaffRole, Transfer, Unit, User
from members.scope import scoped
from members.selectors.care import care_radar
from tests.members.factories import (
    PASSWORD,
    make_care_case,
    make_member,
    make_relative,
    make_staff,
    make_union_tree,
    national_id_for,
    reloaded,
)

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def tree(db):
    return make_union_tree()


def error_codes(raised: pytest.ExceptionInfo) -> list[str]:
    return [error.code for error in raised.value.error_list]


# National ID (CCCD) --------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "born", "gender"),
    [
        ("001085000123", date(1985, 3, 4), "male"),
        ("079188000001", date(1988, 12, 31), "female"),
        ("001201000042", date(2001, 1, 1), "male"),
        ("096305123456", date(2005, 7, 9), "female"),
        ("001085000123", None, ""),
    ],
)
def test_national_id_clean_accepts_valid_numbers(value, born, gender):
    assert national_id_clean(value, date_of_birth=born, gender=gender) == value


@pytest.mark.parametrize(
    "value", ["001 085 000 123", "001.085.000.123", " 001-085-000-123 "]
)
def test_national_id_clean_strips_spaces_dots_and_dashes(value):
    assert national_id_clean(value, date_of_birth=date(1985, 3, 4)) == "001085000123"


@pytest.mark.parametrize(
    "value", ["", "00108500012", "0010850001234", "00108500012A", "abcdefghijkl"]
)
def test_national_id_clean_refuses_a_wrong_length(value):
    with pytest.raises(ValidationError) as raised:
        national_id_clean(value)
    assert error_codes(raised) == ["cccd_length"]
    with translation.override("vi"):
        assert raised.value.messages == ["Số CCCD phải gồm đúng 12 chữ số."]


@pytest.mark.parametrize("province", ["000", "097", "098", "999"])
def test_national_id_clean_refuses_an_unknown_province(province):
    with pytest.raises(ValidationError) as raised:
        national_id_clean(f"{province}085000123")
    assert error_codes(raised) == ["cccd_province"]
    assert province in raised.value.messages[0]


@pytest.mark.parametrize(
    ("value", "born"),
    [
        ("001085000123", date(1986, 3, 4)),  # 85 is not 86
        ("001285000123", date(1985, 3, 4)),  # 2 says 2000s: 2085
        ("001001000123", date(2001, 3, 4)),  # 0 says 1900s: 1901
    ],
)
def test_national_id_clean_refuses_a_year_that_contradicts_the_birth_date(value, born):
    with pytest.raises(ValidationError) as raised:
        national_id_clean(value, date_of_birth=born)
    assert error_codes(raised) == ["cccd_year"]


@pytest.mark.parametrize(
    ("value", "gender"),
    [("001085000123", "female"), ("001185000123", "male"), ("001301000001", "male")],
)
def test_national_id_clean_refuses_a_gender_digit_that_contradicts_the_gender(
    value, gender
):
    with pytest.raises(ValidationError) as raised:
        national_id_clean(value, gender=gender)
    assert error_codes(raised) == ["cccd_gender"]


def test_national_id_for_builds_numbers_the_rules_accept():
    for year in (1950, 1999, 2000, 2007):
        for gender in ("male", "female"):
            born = date(year, 2, 28)
            value = national_id_for(date_of_birth=born, gender=gender, serial=year)
            assert national_id_clean(value, date_of_birth=born, gender=gender) == value


# Phone numbers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("0912-345-678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(+84) 35 544 1122", "0355441122"),
        ("912345678", "0912345678"),  # a spreadsheet dropped the leading zero
        ("0386 000 111", "0386000111"),
        ("0563000111", "0563000111"),
        ("0703000111", "0703000111"),
        ("0813000111", "0813000111"),
        ("024 3822 1234", "02438221234"),  # Hà Nội landline
        ("+84 28 3822 1234", "02838221234"),  # TP. Hồ Chí Minh landline
        ("2438221234", "02438221234"),
    ],
)
def test_phone_clean_accepts_vietnamese_formats(value, expected):
    assert phone_clean(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12345",
        "0112345678",  # old 11-digit mobile prefixes are gone
        "0612345678",
        "091234567",
        "09123456789",
        "+1 650 253 0000",
        "0912 ABC 678",
        "024 3822 123",
    ],
)
def test_phone_clean_refuses_what_is_no_vietnamese_number(value):
    with pytest.raises(ValidationError) as raised:
        phone_clean(value)
    assert error_codes(raised) == ["phone"]
    error = raised.value.error_list[0]
    # Translatable: a lazy msgid with a named placeholder, rendered per language.
    assert isinstance(error.message, Promise)
    assert error.params == {"value": value.strip()}
    assert value.strip() in raised.value.messages[0]


# Members -------------------------------------------------------------------


def test_member_name_is_stored_nfc_with_an_ascii_search_copy(tree):
    decomposed = unicodedata.normalize("NFD", "  Đặng   Thị Ngọc Ánh ")
    assert not unicodedata.is_normalized("NFC", decomposed)

    member = make_member(
        unit=tree.vnpt_hn, full_name=decomposed, gender=Member.Gender.FEMALE
    )

    member.refresh_from_db()
    assert member.full_name == unicodedata.normalize("NFC", "Đặng Thị Ngọc Ánh")
    assert member.full_name_folded == "dang thi ngoc anh"
    assert member.full_name_folded.isascii()


def test_member_create_normalises_identifiers_and_derives_the_employer(tree):
    born = date(1990, 5, 6)
    national_id = national_id_for(date_of_birth=born, gender="male", serial=5)
    spaced = f"{national_id[:3]} {national_id[3:6]} {national_id[6:]}"

    member = make_member(
        unit=tree.vnpt_hn_group,
        full_name="Vũ Văn Số",
        date_of_birth=born,
        national_id=spaced,
        phone="+84 912 000 555",
        email=" Vu.So@Example.VN ",
    )

    member.refresh_from_db()
    assert member.national_id == national_id
    assert member.phone == "0912000555"
    assert member.email == "vu.so@example.vn"
    assert member.employer == tree.vnpt
    assert member.birthday_key == 506


def test_member_create_reports_every_bad_field_at_once(tree):
    with pytest.raises(ValidationError) as raised:
        make_member(
            unit=tree.vnpt,
            full_name="Sai Nhiều Chỗ",
            date_of_birth=date(1990, 1, 1),
            national_id="001085000123",
            phone="12345",
        )
    assert set(raised.value.message_dict) == {"national_id", "phone", "unit"}
    assert not Member.objects.filter(full_name="Sai Nhiều Chỗ").exists()


def test_employee_code_is_unique_per_employer_only(tree):
    code = tree.own_member.employee_code

    with pytest.raises(ValidationError) as raised:
        make_member(unit=tree.vnpt_hcm, full_name="Trùng Mã", employee_code=code)
    assert "__all__" in raised.value.message_dict

    other = make_member(unit=tree.vtc_st, full_name="Cùng Mã", employee_code=code)
    assert (other.employer, other.employee_code) == (tree.vtc, code)


def test_national_id_is_unique_and_optional(tree):
    own = tree.own_member
    with pytest.raises(ValidationError):
        make_member(
            unit=tree.vtc_st,
            full_name=own.full_name,
            date_of_birth=own.date_of_birth,
            national_id=own.national_id,
        )
    assert Member.objects.filter(national_id=own.national_id).count() == 1

    first = make_member(unit=tree.vtc_st, full_name="Không CCCD Một", national_id="")
    second = make_member(unit=tree.vtc_st, full_name="Không CCCD Hai", national_id="")
    assert first.national_id is None
    assert second.national_id is None


def test_member_save_refuses_to_change_the_unit(tree):
    member = Member.objects.get(pk=tree.own_member.pk)
    member.unit = tree.vnpt_hcm

    with pytest.raises(ValidationError) as raised:
        services.member_save(member=member)

    assert "unit" in raised.value.message_dict
    assert Member.objects.get(pk=member.pk).unit == tree.vnpt_hn


def test_member_save_refuses_staff_outside_the_scope(tree):
    member = Member.objects.get(pk=tree.sibling.member.pk)
    member.position = "Đổi trái phép"

    with pytest.raises(PermissionDenied):
        services.member_save(member=member, actor=tree.grassroots_officer)
    with pytest.raises(PermissionDenied):
        make_member(
            unit=tree.vnpt_hcm, full_name="Người Lạ", actor=tree.grassroots_officer
        )

    assert Member.objects.get(pk=member.pk).position != "Đổi trái phép"


def test_relative_save_lets_the_member_and_staff_in_scope_only(tree):
    canary = tree.sibling
    relative = make_relative(
        member=canary.member, full_name="Con Út", actor=canary.account
    )
    assert relative.member == canary.member

    with pytest.raises(PermissionDenied):
        make_relative(
            member=canary.member, full_name="Giả", actor=tree.grassroots_officer
        )
    with pytest.raises(PermissionDenied):
        make_relative(member=tree.own_member, full_name="Giả", actor=canary.account)
    with pytest.raises(ValidationError):
        make_relative(
            member=tree.own_member,
            full_name="Chưa Sinh",
            date_of_birth=tree.today + timedelta(days=1),
        )
    assert not Relative.objects.filter(full_name__in=["Giả", "Chưa Sinh"]).exists()


# Transfers -----------------------------------------------------------------


def test_transfer_confirmed_by_the_receiving_unit_moves_the_member_and_history(tree):
    member, case = tree.own_member, tree.own_care_case
    transfer = services.transfer_request(
        member=member,
        to_unit=tree.vnpt_hcm,
        transfer_on=tree.today,
        reason="  Chuyển   công tác ",
        actor=tree.grassroots_officer,
    )
    assert (transfer.from_unit, transfer.state) == (tree.vnpt_hn, "pending")
    assert transfer.reason == "Chuyển công tác"
    assert transfer.requested_by == tree.grassroots_officer

    with pytest.raises(PermissionDenied):
        services.transfer_confirm(transfer=transfer, actor=tree.grassroots_officer)
    services.transfer_confirm(transfer=transfer, actor=tree.sibling_officer)

    transfer.refresh_from_db()
    member.refresh_from_db()
    assert transfer.state == Transfer.State.CONFIRMED
    assert transfer.decided_by == tree.sibling_officer
    assert transfer.decided_at is not None
    assert member.unit == tree.vnpt_hcm
    assert list(member.care_cases.all()) == [case]
    assert list(member.transfers.all()) == [transfer]
    sibling_cases = scoped(CareCase.objects.all(), tree.sibling_officer)
    assert case in sibling_cases
    assert case not in scoped(CareCase.objects.all(), tree.grassroots_officer)
    with pytest.raises(ValidationError):
        services.transfer_reject(transfer=transfer, actor=tree.sibling_officer)


def test_a_member_has_one_pending_transfer_at_a_time(tree):
    member = tree.own_member
    services.transfer_request(
        member=member, to_unit=tree.vnpt_hcm, transfer_on=tree.today
    )

    with pytest.raises(ValidationError):
        services.transfer_request(
            member=member, to_unit=tree.vtc_st, transfer_on=tree.today
        )
    assert member.transfers.count() == 1


@pytest.mark.parametrize("to_unit", ["vnpt_hn", "vnpt", "sector"])
def test_transfer_goes_to_another_grassroots_union_or_group(tree, to_unit):
    with pytest.raises(ValidationError) as raised:
        services.transfer_request(
            member=tree.own_member,
            to_unit=getattr(tree, to_unit),
            transfer_on=tree.today,
        )
    assert "to_unit" in raised.value.message_dict
    assert not Transfer.objects.exists()


def test_transfer_to_an_inactive_unit_is_refused(tree):
    tree.vtc_st.is_active = False
    tree.vtc_st.save(update_fields=["is_active"])

    with pytest.raises(ValidationError):
        services.transfer_request(
            member=tree.own_member, to_unit=tree.vtc_st, transfer_on=tree.today
        )


def test_rejected_or_cancelled_transfer_leaves_the_member_and_frees_a_new_one(tree):
    member = tree.own_member
    first = services.transfer_request(
        member=member, to_unit=tree.vnpt_hcm, transfer_on=tree.today
    )
    with pytest.raises(PermissionDenied):
        services.transfer_reject(transfer=first, actor=tree.grassroots_officer)
    services.transfer_reject(transfer=first, actor=tree.sibling_officer)

    second = services.transfer_request(
        member=member, to_unit=tree.vtc_st, transfer_on=tree.today
    )
    with pytest.raises(PermissionDenied):
        services.transfer_cancel(transfer=second, actor=tree.vtc_officer)
    services.transfer_cancel(transfer=second, actor=tree.grassroots_officer)

    first.refresh_from_db()
    second.refresh_from_db()
    member.refresh_from_db()
    assert (first.state, second.state) == ("rejected", "cancelled")
    assert member.unit == tree.vnpt_hn
    with pytest.raises(ValidationError):
        services.transfer_confirm(transfer=second, actor=tree.vtc_officer)


def test_transfer_of_a_member_outside_the_scope_is_refused(tree):
    with pytest.raises(PermissionDenied):
        services.transfer_request(
            member=tree.sibling.member,
            to_unit=tree.vnpt_hn,
            transfer_on=tree.today,
            actor=tree.grassroots_officer,
        )


# Care ----------------------------------------------------------------------


def test_logging_visits_keeps_the_latest_visit_date(tree):
    today = tree.today
    case = make_care_case(
        member=tree.own_member,
        summary="Tai nạn lao động",
        opened_on=today - timedelta(days=30),
    )
    assert case.last_visit_on is None

    services.care_visit_log(
        case=case,
        visited_on=today - timedelta(days=10),
        visited_by="  Chủ tịch   CĐCS ",
        amount=2_000_000,
        actor=tree.grassroots_officer,
    )
    services.care_visit_log(
        case=case, visited_on=today - timedelta(days=20), visited_by="Tổ trưởng"
    )

    case.refresh_from_db()
    assert case.last_visit_on == today - timedelta(days=10)
    latest = case.visits.first()
    assert latest.visited_by == "Chủ tịch CĐCS"
    assert (latest.amount, latest.recorded_by) == (2_000_000, tree.grassroots_officer)
    assert case.visits.count() == 2


def test_a_visit_cannot_precede_the_case_or_lie_in_the_future(tree):
    case = tree.own_care_case
    for visited_on in (case.opened_on - timedelta(days=1), tree.today + timedelta(1)):
        with pytest.raises(ValidationError) as raised:
            services.care_visit_log(case=case, visited_on=visited_on, visited_by="A")
        assert "visited_on" in raised.value.message_dict
    assert case.visits.count() == 1


def test_a_visit_today_in_vietnam_is_not_in_the_future(tree):
    # 23:30 UTC on 31 December is 06:30 on 1 January in Hà Nội.
    with time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("UTC"))):
        case = make_care_case(member=tree.own_member, summary="Sinh nhật")
        visit = services.care_visit_log(
            case=case, visited_on=date(2027, 1, 1), visited_by="Công đoàn"
        )
    assert case.opened_on == date(2027, 1, 1)
    assert visit.visited_on == date(2027, 1, 1)


def test_care_case_closes_and_reopens_in_scope_only(tree):
    case = tree.own_care_case
    with pytest.raises(ValidationError):
        services.care_case_close(case=case, closed_on=case.opened_on - timedelta(1))
    with pytest.raises(PermissionDenied):
        services.care_case_close(case=case, actor=tree.sibling_officer)

    services.care_case_close(case=case, actor=tree.grassroots_officer)
    case.refresh_from_db()
    assert (case.status, case.closed_on) == ("closed", tree.today)
    assert case.visits.count() == 1

    services.care_case_reopen(case=case, actor=tree.upper_officer)
    case.refresh_from_db()
    assert (case.status, case.closed_on) == ("open", None)


def test_care_case_for_a_relative_of_another_member_is_refused(tree):
    with pytest.raises(ValidationError) as raised:
        make_care_case(
            member=tree.own_member,
            relative=tree.sibling.relative,
            summary="Nhầm người",
        )
    assert "relative" in raised.value.message_dict
    with pytest.raises(PermissionDenied):
        make_care_case(
            member=tree.sibling.member,
            summary="Ngoài phạm vi",
            actor=tree.grassroots_officer,
        )


# Units and staff roles -----------------------------------------------------


def test_unit_move_takes_the_subtree_and_the_scope_follows(tree):
    services.unit_move(
        unit=tree.vnpt_hn, new_parent=tree.vtc, actor=tree.sector_officer
    )

    vtc, moved, group = (
        reloaded(tree.vtc),
        reloaded(tree.vnpt_hn),
        reloaded(tree.vnpt_hn_group),
    )
    assert Unit.objects.get_parent(moved) == vtc
    assert moved.path.startswith(vtc.path)
    assert group.path.startswith(moved.path)
    assert Unit.objects.get_parent(group) == moved
    members_of = {
        officer: set(scoped(Member.objects.all(), officer))
        for officer in (tree.vtc_officer, tree.upper_officer, tree.grassroots_officer)
    }
    assert {tree.own_member, tree.group_member} <= members_of[tree.vtc_officer]
    assert tree.own_member not in members_of[tree.upper_officer]
    assert members_of[tree.grassroots_officer] == {tree.own_member, tree.group_member}
    assert tree.own_care_case in scoped(CareCase.objects.all(), tree.vtc_officer)


def test_unit_move_refuses_its_own_subtree_and_units_outside_the_scope(tree):
    with pytest.raises(ValidationError):
        services.unit_move(unit=tree.vnpt, new_parent=tree.vnpt_hn)
    with pytest.raises(PermissionDenied):
        services.unit_move(
            unit=tree.vnpt_hn_group,
            new_parent=tree.vnpt_hcm,
            actor=tree.grassroots_officer,
        )
    with pytest.raises(PermissionDenied):
        services.unit_create(
            code="X",
            name="X",
            level="group",
            parent=tree.vnpt_hcm,
            actor=tree.grassroots_officer,
        )
    with pytest.raises(PermissionDenied):
        services.unit_create(
            code="ROOT", name="Gốc", level="sector", actor=tree.sector_officer
        )
    assert reloaded(tree.vnpt_hn_group).path.startswith(reloaded(tree.vnpt_hn).path)


def test_unit_code_is_unique(tree):
    with pytest.raises(ValidationError):
        services.unit_create(
            code="VNPT-HN", name="Trùng", level="grassroots", parent=tree.vnpt
        )


def test_staff_roles_make_and_unmake_staff(db):
    unit = services.unit_create(code="CDTT", name="Ngành", level="sector")
    user = User.objects.create_user("moi@example.vn", PASSWORD)
    assert not user.is_staff

    first = services.staff_role_grant(user=user, unit=unit, role="officer")
    again = services.staff_role_grant(user=user, unit=unit, role="officer")
    second = services.staff_role_grant(user=user, unit=unit, role="viewer")
    user.refresh_from_db()
    assert user.is_staff
    assert first == again
    assert StaffRole.objects.filter(user=user).count() == 2

    services.staff_role_revoke(staff_role=first)
    user.refresh_from_db()
    assert user.is_staff
    services.staff_role_revoke(staff_role=second)
    user.refresh_from_db()
    assert not user.is_staff


def test_revoking_a_superusers_last_role_keeps_their_admin(db):
    unit = services.unit_create(code="CDTT", name="Ngành", level="sector")
    admin = User.objects.create_superuser("admin@example.vn", PASSWORD)
    role = services.staff_role_grant(user=admin, unit=unit, role="officer")

    services.staff_role_revoke(staff_role=role)

    admin.refresh_from_db()
    assert admin.is_staff


def test_staff_cannot_grant_or_revoke_roles_outside_their_scope(tree):
    newcomer = User.objects.create_user("moi@example.vn", PASSWORD)
    with pytest.raises(PermissionDenied):
        services.staff_role_grant(
            user=newcomer, unit=tree.vnpt, role="officer", actor=tree.grassroots_officer
        )
    role = tree.upper_officer.staff_roles.get()
    with pytest.raises(PermissionDenied):
        services.staff_role_revoke(staff_role=role, actor=tree.grassroots_officer)
    newcomer.refresh_from_db()
    assert not newcomer.is_staff


def test_a_granted_role_opens_the_subtree_at_once(tree):
    user = make_staff(email="moi@example.vn", name="Mới", unit=None)
    assert not scoped(Member.objects.all(), user).exists()

    services.staff_role_grant(user=user, unit=tree.vtc, role="viewer")

    assert set(scoped(Member.objects.all(), user)) == {
        tree.cousin.member,
        tree.vtc_st_member,
    }


# The care radar ------------------------------------------------------------


def test_radar_lists_open_cases_nobody_visited_lately(tree):
    today = tree.today
    recent = make_care_case(
        member=tree.own_member,
        summary="Mới thăm",
        opened_on=today - timedelta(days=60),
        visits=(today - timedelta(days=3),),
    )
    fresh = make_care_case(
        member=tree.own_member, summary="Mới mở", opened_on=today - timedelta(days=2)
    )
    closed = make_care_case(
        member=tree.own_member, summary="Đã xong", opened_on=today - timedelta(100)
    )
    services.care_case_close(case=closed)

    radar = care_radar(user=tree.grassroots_officer, days=14, today=today)

    stale = list(radar["stale_cases"])
    assert tree.own_care_case in stale  # last visit 120 days ago
    assert recent not in stale
    assert fresh not in stale
    assert closed not in stale
    assert tree.sibling.care_case not in stale
    assert radar["days"] == 14


def test_radar_stays_in_the_scope_and_shows_follow_ups(tree):
    radar = care_radar(user=tree.grassroots_officer, days=7, today=tree.today)

    people = {(item.kind, item.person) for item in radar["upcoming"]}
    assert ("member_birthday", tree.own_member.full_name) in people
    assert ("relative_birthday", tree.own_relative.full_name) in people
    assert ("follow_up", tree.own_member.full_name) in people
    everyone = {item.person for item in radar["upcoming"]}
    assert (
        not {
            tree.sibling.member.full_name,
            tree.sibling.relative.full_name,
            tree.cousin.member.full_name,
        }
        & everyone
    )
    dates = [item.on for item in radar["upcoming"]]
    assert dates == sorted(dates)
    assert all(tree.today <= on <= tree.today + timedelta(7) for on in dates)

    sector = care_radar(user=tree.sector_officer, days=7, today=tree.today)
    assert tree.sibling.member.full_name in {i.person for i in sector["upcoming"]}


@pytest.fixture
def birthdays(db):
    sector = services.unit_create(code="CDTT", name="Ngành", level="sector")
    employer = services.unit_create(
        code="VNPT", name="VNPT", level="upper", parent=sector, is_employer=True
    )
    unit = services.unit_create(
        code="VNPT-HN", name="CĐCS", level="grassroots", parent=employer
    )
    officer = make_staff(email="canbo@example.vn", name="Cán Bộ", unit=sector)
    born = {
        "Đầu Năm": date(1980, 1, 2),
        "Cuối Năm": date(1981, 12, 30),
        "Nhuận": date(1988, 2, 29),
        "Giữa Năm": date(1982, 6, 15),
    }
    members = {
        name: make_member(unit=unit, full_name=name, date_of_birth=day)
        for name, day in born.items()
    }
    make_relative(
        member=members["Giữa Năm"],
        full_name="Con Đầu Năm",
        relationship=Relative.Relationship.CHILD,
        date_of_birth=date(2012, 1, 3),
    )
    return officer


def upcoming(officer, **kwargs) -> dict[str, date]:
    return {
        item.person: item.on for item in care_radar(user=officer, **kwargs)["upcoming"]
    }


def test_radar_birthdays_run_across_the_year_end(birthdays):
    found = upcoming(birthdays, days=7, today=date(2026, 12, 28))

    assert found == {
        "Cuối Năm": date(2026, 12, 30),
        "Đầu Năm": date(2027, 1, 2),
        "Con Đầu Năm": date(2027, 1, 3),
    }


def test_radar_reads_today_in_vietnam(birthdays):
    # 18:00 UTC on 1 January is already 2 January in Hà Nội.
    with time_machine.travel(datetime(2027, 1, 1, 18, 0, tzinfo=ZoneInfo("UTC"))):
        found = upcoming(birthdays, days=0)
    assert found == {"Đầu Năm": date(2027, 1, 2)}
    with time_machine.travel(datetime(2026, 12, 30, 10, 0, tzinfo=VIETNAM)):
        assert upcoming(birthdays, days=0) == {"Cuối Năm": date(2026, 12, 30)}


def test_radar_celebrates_29_february_on_1_march_in_common_years(birthdays):
    assert upcoming(birthdays, days=3, today=date(2027, 2, 26)) == {
        "Nhuận": date(2027, 3, 1)
    }
    assert upcoming(birthdays, days=0, today=date(2027, 3, 1)) == {
        "Nhuận": date(2027, 3, 1)
    }
    assert upcoming(birthdays, days=1, today=date(2027, 2, 27)) == {}
    assert upcoming(birthdays, days=3, today=date(2028, 2, 27)) == {
        "Nhuận": date(2028, 2, 29)
    }


def test_radar_leaves_out_members_who_are_no_longer_active(birthdays):
    member = Member.objects.get(full_name="Giữa Năm")
    member.status = Member.Status.RETIRED
    services.member_save(member=member)

    found = upcoming(birthdays, days=7, today=date(2026, 6, 12))
    assert found == {}
    found = upcoming(birthdays, days=7, today=date(2026, 12, 28))
    assert "Con Đầu Năm" not in found
