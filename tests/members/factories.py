"""Builders of test data made through the services: units, members, staff, a tree."""

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from members import services
from members.models import CareCase, Member, Relative, StaffRole, Unit, User

PASSWORD = "Mật-khẩu-thử-2024!"

# Serial numbers keep generated codes, CCCDs and phones unique within a run.
_serials = itertools.count(1)


def next_serial() -> int:
    return next(_serials)


def national_id_for(
    *, date_of_birth: date, gender: str, serial: int, province: str = "001"
) -> str:
    """Return a valid CCCD: province, century and gender digit, birth year, serial."""
    century = (date_of_birth.year - 1900) // 100
    digit = 2 * century + (1 if gender == Member.Gender.FEMALE else 0)
    return f"{province}{digit}{date_of_birth.year % 100:02d}{serial % 1_000_000:06d}"


def phone_for(serial: int) -> str:
    """Return a valid Vietnamese mobile number, in its stored form."""
    return f"09{serial % 100_000_000:08d}"


def birthday_near(day: date, *, year: int) -> date:
    """Return a date of birth in ``year`` whose birthday falls on ``day``."""
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February, and ``year`` is no leap year
        return date(year, 3, 1)


def make_unit(
    *,
    code: str,
    name: str,
    level: str,
    parent: Unit | None = None,
    is_employer: bool = False,
) -> Unit:
    """Create a unit; see ``reloaded`` before trusting its path later."""
    return services.unit_create(
        code=code, name=name, level=level, parent=parent, is_employer=is_employer
    )


def reloaded(unit: Unit) -> Unit:
    """Return the unit as stored now.

    Children are kept sorted by code, so adding a unit renumbers the paths of
    the siblings that sort after it: an instance made earlier may hold a stale
    path, and the scope is decided on paths.
    """
    return Unit.objects.get(pk=unit.pk)


def make_member(
    *,
    unit: Unit,
    full_name: str,
    gender: str = Member.Gender.MALE,
    date_of_birth: date | None = None,
    employee_code: str = "",
    national_id: str | None = None,
    phone: str | None = None,
    email: str = "",
    actor: User | None = None,
    **fields,
) -> Member:
    """Create a member; CCCD, phone and employee code are generated when not given.

    Pass ``national_id=""`` or ``phone=""`` for a member without one.
    """
    serial = next_serial()
    if date_of_birth is None:
        date_of_birth = date(1970 + serial % 30, 1 + serial % 12, 1 + serial % 28)
    if national_id is None:
        national_id = national_id_for(
            date_of_birth=date_of_birth, gender=gender, serial=serial
        )
    return services.member_create(
        unit=unit,
        full_name=full_name,
        gender=gender,
        date_of_birth=date_of_birth,
        employee_code=employee_code or f"NV{serial:06d}",
        national_id=national_id,
        phone=phone_for(serial) if phone is None else phone,
        email=email,
        actor=actor,
        **fields,
    )


def make_relative(
    *,
    member: Member,
    full_name: str,
    relationship: str = Relative.Relationship.SPOUSE,
    date_of_birth: date | None = None,
    phone: str = "",
    note: str = "",
    actor: User | None = None,
) -> Relative:
    relative = Relative(
        member=member,
        full_name=full_name,
        relationship=relationship,
        date_of_birth=date_of_birth,
        phone=phone,
        note=note,
    )
    return services.relative_save(relative=relative, actor=actor)


def make_care_case(
    *,
    member: Member,
    summary: str,
    kind: str = CareCase.Kind.ILLNESS,
    opened_on: date | None = None,
    relative: Relative | None = None,
    follow_up_on: date | None = None,
    visits: tuple[date, ...] = (),
    actor: User | None = None,
) -> CareCase:
    """Open a care case and log a visit on each of ``visits``."""
    case = services.care_case_open(
        member=member,
        relative=relative,
        kind=kind,
        summary=summary,
        opened_on=opened_on,
        follow_up_on=follow_up_on,
        actor=actor,
    )
    for visited_on in visits:
        services.care_visit_log(
            case=case, visited_on=visited_on, visited_by="Ban chăm lo", actor=actor
        )
    case.refresh_from_db()
    return case


def make_account(member: Member) -> User:
    """Open the member's portal account, with the e-mail address allauth records."""
    user = User.objects.create_user(member.email, PASSWORD, name=member.full_name)
    EmailAddress.objects.create(
        user=user, email=user.email, primary=True, verified=True
    )
    member.user = user
    services.member_save(member=member)
    return user


def make_permissions_group(name: str, *app_labels: str) -> Group:
    """Return a group holding every permission of the apps (of all apps if none)."""
    group, _created = Group.objects.get_or_create(name=name)
    permissions = Permission.objects.all()
    if app_labels:
        permissions = permissions.filter(content_type__app_label__in=app_labels)
    group.permissions.set(permissions)
    return group


def make_staff(
    *,
    email: str,
    name: str,
    unit: Unit | None,
    role: str = StaffRole.Role.OFFICER,
    groups: tuple[Group, ...] = (),
) -> User:
    """Create a staff user with a role in ``unit`` (none if None) and these groups."""
    user = User.objects.create_user(email, PASSWORD, name=name, is_staff=True)
    if unit is not None:
        services.staff_role_grant(user=user, unit=unit, role=role)
    user.groups.add(*groups)
    # A fresh instance: the granted role must not hide behind a cached scope.
    return User.objects.get(pk=user.pk)


@dataclass(frozen=True)
class Canary:
    """Distinctive data of one unit, which must never show outside its scope."""

    member: Member
    relative: Relative
    care_case: CareCase
    account: User

    @property
    def strings(self) -> dict[str, str]:
        return {
            "member name": self.member.full_name,
            "relative name": self.relative.full_name,
            "care summary": self.care_case.summary,
            "CCCD": self.member.national_id,
            "phone": self.member.phone,
            "employee code": self.member.employee_code,
            "e-mail": self.member.email,
        }


def make_canary(
    *,
    unit: Unit,
    full_name: str,
    relative_name: str,
    care_summary: str,
    email: str,
    employee_code: str,
    phone: str,
    date_of_birth: date,
    today: date,
    serial: int,
) -> Canary:
    """Create a member with a relative, a stale care case and an account."""
    member = make_member(
        unit=unit,
        full_name=full_name,
        gender=Member.Gender.FEMALE,
        date_of_birth=date_of_birth,
        employee_code=employee_code,
        national_id=national_id_for(
            date_of_birth=date_of_birth,
            gender=Member.Gender.FEMALE,
            serial=serial,
            province="079",
        ),
        phone=phone,
        email=email,
        position="Kỹ sư",
    )
    relative = make_relative(
        member=member,
        full_name=relative_name,
        relationship=Relative.Relationship.CHILD,
        date_of_birth=birthday_near(today + timedelta(days=4), year=2015),
        phone="0912 000 111",
    )
    care_case = make_care_case(
        member=member,
        relative=relative,
        summary=care_summary,
        opened_on=today - timedelta(days=200),
        follow_up_on=today + timedelta(days=6),
    )
    return Canary(member, relative, care_case, make_account(member))


@dataclass(frozen=True)
class UnionTree:
    """A sector union, two employers (VNPT, VTC), their grassroots unions and staff.

    ``vnpt_hn`` is "our" grassroots unit, with a union group and two members;
    ``sibling`` is the canary of its sibling ``vnpt_hcm``, and ``cousin`` the
    canary of ``vtc_dt`` under the other employer.
    """

    today: date
    sector: Unit
    vnpt: Unit
    vtc: Unit
    vnpt_hn: Unit
    vnpt_hn_group: Unit
    vnpt_hcm: Unit
    vtc_dt: Unit
    vtc_st: Unit
    own_member: Member
    own_relative: Relative
    own_care_case: CareCase
    group_member: Member
    vtc_st_member: Member
    sibling: Canary
    cousin: Canary
    grassroots_officer: User
    sibling_officer: User
    upper_officer: User
    vtc_officer: User
    sector_officer: User
    staff_group: Group

    @property
    def members(self) -> list[Member]:
        return [
            self.own_member,
            self.group_member,
            self.sibling.member,
            self.cousin.member,
            self.vtc_st_member,
        ]


def make_union_tree(*, today: date | None = None) -> UnionTree:
    """Build the tree; birthdays and follow-ups fall within a week of ``today``.

    Care cases opened 200 days before ``today``; ours had a visit 120 days ago,
    the canaries' none, so all are stale on a 90-day radar.
    """
    today = today or timezone.localdate()
    upper, grassroots = Unit.Level.UPPER, Unit.Level.GRASSROOTS
    sector = make_unit(code="CDTT", name="Công đoàn TT&TT Việt Nam", level="sector")
    vnpt = make_unit(
        code="VNPT", name="Công đoàn VNPT", level=upper, parent=sector, is_employer=True
    )
    vtc = make_unit(
        code="VTC", name="Công đoàn VTC", level=upper, parent=sector, is_employer=True
    )
    vnpt_hn = make_unit(
        code="VNPT-HN", name="CĐCS VNPT Hà Nội", level=grassroots, parent=vnpt
    )
    vnpt_hn_group = make_unit(
        code="VNPT-HN-KT",
        name="Tổ công đoàn Kỹ thuật",
        level=Unit.Level.GROUP,
        parent=vnpt_hn,
    )
    vnpt_hcm = make_unit(
        code="VNPT-HCM", name="CĐCS VNPT TP. Hồ Chí Minh", level=grassroots, parent=vnpt
    )
    vtc_dt = make_unit(
        code="VTC-DT", name="CĐCS VTC Truyền hình số", level=grassroots, parent=vtc
    )
    vtc_st = make_unit(
        code="VTC-ST", name="CĐCS VTC Studio", level=grassroots, parent=vtc
    )
    sector, vnpt, vtc, vnpt_hn, vnpt_hn_group, vnpt_hcm, vtc_dt, vtc_st = (
        reloaded(unit)
        for unit in (
            sector,
            vnpt,
            vtc,
            vnpt_hn,
            vnpt_hn_group,
            vnpt_hcm,
            vtc_dt,
            vtc_st,
        )
    )

    own_member = make_member(
        unit=vnpt_hn,
        full_name="Nguyễn Văn An",
        date_of_birth=birthday_near(today + timedelta(days=3), year=1985),
        position="Kỹ sư mạng",
    )
    own_relative = make_relative(
        member=own_member,
        full_name="Trần Thị Hoa",
        relationship=Relative.Relationship.SPOUSE,
        date_of_birth=birthday_near(today + timedelta(days=5), year=1987),
    )
    own_care_case = make_care_case(
        member=own_member,
        summary="Ốm nằm viện Bạch Mai",
        opened_on=today - timedelta(days=200),
        follow_up_on=today + timedelta(days=5),
        visits=(today - timedelta(days=120),),
    )
    group_member = make_member(
        unit=vnpt_hn_group, full_name="Lê Thị Bích", gender=Member.Gender.FEMALE
    )
    make_relative(member=group_member, full_name="Lê Văn Cường")
    make_care_case(
        member=group_member, summary="Sinh con thứ hai", kind=CareCase.Kind.CHILDBIRTH
    )
    vtc_st_member = make_member(unit=vtc_st, full_name="Phạm Đức Minh")
    make_relative(member=vtc_st_member, full_name="Phạm Thị Lan")
    make_care_case(
        member=vtc_st_member, summary="Nhà bị ngập sau bão Yagi", kind="hardship"
    )

    sibling = make_canary(
        unit=vnpt_hcm,
        full_name="Canary Sibling Member",
        relative_name="Canary Relative",
        care_summary="Canary Care Case",
        email="canary.sibling@example.vn",
        employee_code="CANARY-7731",
        phone="0966 778 899",
        date_of_birth=birthday_near(today + timedelta(days=2), year=1988),
        today=today,
        serial=773_100,
    )
    cousin = make_canary(
        unit=vtc_dt,
        full_name="Canary Cousin Member",
        relative_name="Canary Cousin Relative",
        care_summary="Canary Cousin Care Case",
        email="canary.cousin@example.vn",
        employee_code="CANARY-4412",
        phone="+84 355 441 122",
        date_of_birth=birthday_near(today + timedelta(days=2), year=2001),
        today=today,
        serial=441_200,
    )

    staff_group = make_permissions_group("Cán bộ công đoàn", "members")
    groups = (staff_group,)
    return UnionTree(
        today=today,
        sector=sector,
        vnpt=vnpt,
        vtc=vtc,
        vnpt_hn=vnpt_hn,
        vnpt_hn_group=vnpt_hn_group,
        vnpt_hcm=vnpt_hcm,
        vtc_dt=vtc_dt,
        vtc_st=vtc_st,
        own_member=own_member,
        own_relative=own_relative,
        own_care_case=own_care_case,
        group_member=group_member,
        vtc_st_member=vtc_st_member,
        sibling=sibling,
        cousin=cousin,
        grassroots_officer=make_staff(
            email="canbo.hanoi@example.vn",
            name="Đỗ Thị Cán Bộ",
            unit=vnpt_hn,
            groups=groups,
        ),
        sibling_officer=make_staff(
            email="canbo.hcm@example.vn",
            name="Võ Văn Sài Gòn",
            unit=vnpt_hcm,
            groups=groups,
        ),
        upper_officer=make_staff(
            email="canbo.vnpt@example.vn",
            name="Bùi Văn Tập Đoàn",
            unit=vnpt,
            groups=groups,
        ),
        vtc_officer=make_staff(
            email="canbo.vtc@example.vn",
            name="Hồ Thị Truyền Hình",
            unit=vtc,
            groups=groups,
        ),
        sector_officer=make_staff(
            email="canbo.nganh@example.vn",
            name="Đinh Văn Ngành",
            unit=sector,
            groups=groups,
        ),
        staff_group=staff_group,
    )
