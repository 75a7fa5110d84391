"""The demo's activity: each feature of the register with a little data in it.

seed_demo builds it after the register and the accounts, through the
services staff and members use (and the HRM importer, on a file made here:
members.management.demo_import). Each part is made once: a part the
database already holds is left as it is, so the command can run again.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from members.eligibility import years_before
from members.management.demo_import import demo_hrm_import
from members.models import (
    CareCase,
    CareProgramme,
    ConsultationRequest,
    DataRightsRequest,
    Member,
    Notification,
    ProgrammeBudget,
    ProgrammeDelivery,
    ProgrammeEligibility,
    ProgrammeRule,
    ProgrammeTemplate,
    Relative,
    Transfer,
    Unit,
    User,
)
from members.reminders import reminders_all
from members.scope import unit_in_scope
from members.services.care import care_case_open, care_visit_log
from members.services.consultations import consultation_request, consultation_schedule
from members.services.data_rights import data_rights_request_submit
from members.services.notifications import notification_mark_read, reminder_run
from members.services.programmes import (
    programme_create_from_template,
    programme_deliveries_record,
    programme_open,
    programme_part_save,
    programme_save,
)
from members.services.relatives import relative_save
from members.services.transfers import transfer_request

SURGERY = "Phẫu thuật ruột thừa, nằm viện"


@dataclass(frozen=True)
class DemoPeople:
    """The demo accounts, and the member the member account is."""

    admin: User
    member_user: User
    member: Member
    officer: User  # an officer of VNPT, the upper union of the member's unit
    carer: User  # a care officer of the member's grassroots union


def demo_activity(*, people: DemoPeople, today: date) -> None:
    """Make what is missing of the demo's activity (reminders apart)."""
    with transaction.atomic():
        _relatives_of_member(people, today)
    # The importer commits batch by batch, as it does for a real file.
    demo_hrm_import(admin=people.admin, keep={people.member.pk}, today=today)
    for part in (_care, _transfers, _programmes, _consultations, _data_rights):
        with transaction.atomic():
            part(people, today)


def demo_reminders(
    *, people: DemoPeople, today: date, run: bool = True
) -> dict[str, int]:
    """Run today's reminders of every app over the demo; return what it holds.

    Run after every app's demo seed, so that the first run reminds of all
    they made and a second run finds nothing new to remind of. With ``run``
    false, only count.
    """
    if run:
        with transaction.atomic():
            _notifications(people, today)
    return {
        "programmes": CareProgramme.objects.count(),
        "deliveries": ProgrammeDelivery.objects.count(),
        "consultations": ConsultationRequest.objects.count(),
        "transfers_pending": Transfer.objects.filter(
            state=Transfer.State.PENDING
        ).count(),
        "data_rights_requests": DataRightsRequest.objects.count(),
        "notifications": Notification.objects.count(),
        "unread": Notification.objects.filter(read_at__isnull=True).count(),
    }


def _unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def _grassroots(upper: str, index: int) -> Unit:
    """Return the grassroots union of ``upper`` at ``index`` in code order.

    The small demo numbers them VNPT-01 to VNPT-06, VTC-07 onwards and so on;
    the full-size register VNPT-001 onwards: the demo names them by place.
    """
    return Unit.objects.filter(
        path__startswith=_unit(upper).path, level=Unit.Level.GRASSROOTS
    ).order_by("code")[index]


def _staff_for(people: DemoPeople, unit: Unit) -> User:
    """Return the care officer if the unit is theirs, else the officer above it."""
    return people.carer if unit_in_scope(people.carer, unit) else people.officer


def _relatives_of_member(people: DemoPeople, today: date) -> None:
    """Give the demo member a child and a mother, added from the portal."""
    member = people.member
    family = member.full_name.split()[0]
    # The register at full size may have given the member relatives already.
    if member.relatives.filter(full_name=f"{family} Minh Anh").exists():
        return
    for name, relationship, born in [
        (
            f"{family} Minh Anh",
            Relative.Relationship.CHILD,
            years_before(today, 8) - timedelta(days=75),
        ),
        (
            "Nguyễn Thị Thu",
            Relative.Relationship.MOTHER,
            years_before(member.date_of_birth, 26),
        ),
    ]:
        relative_save(
            relative=Relative(
                member=member,
                full_name=name,
                relationship=relationship,
                date_of_birth=born,
            ),
            actor=people.member_user,
        )


def _first_member(unit: Unit, *, exclude: set[int] = frozenset()) -> Member:
    """Return the first active member of a unit (or its groups), no transfer waiting."""
    return (
        Member.objects.filter(
            unit__path__startswith=unit.path, status=Member.Status.ACTIVE
        )
        .exclude(pk__in=exclude)
        .exclude(transfers__state=Transfer.State.PENDING)
        .order_by("pk")
        .first()
    )


def _care(people: DemoPeople, today: date) -> None:
    """Open care cases in the care officer's union: one nobody has visited yet."""
    unit = people.member.unit
    in_unit = Member.objects.filter(
        unit__path__startswith=unit.path, status=Member.Status.ACTIVE
    )
    # The register at full size has care cases of its own in the union.
    if CareCase.objects.filter(member__in=in_unit, summary=SURGERY).exists():
        return
    staff = _staff_for(people, unit)
    colleagues = list(in_unit.exclude(pk=people.member.pk).order_by("-pk")[:3])
    care_case_open(
        member=colleagues[0],
        kind=CareCase.Kind.ILLNESS,
        summary=SURGERY,
        opened_on=today - timedelta(days=20),
        actor=staff,
    )
    childbirth = care_case_open(
        member=colleagues[1],
        kind=CareCase.Kind.CHILDBIRTH,
        summary="Sinh con thứ hai",
        opened_on=today - timedelta(days=6),
        follow_up_on=today + timedelta(days=3),
        actor=staff,
    )
    care_visit_log(
        case=childbirth,
        visited_on=today - timedelta(days=4),
        visited_by="Ban Nữ công công đoàn cơ sở",
        amount=1_000_000,
        actor=staff,
    )
    care_case_open(
        member=colleagues[2],
        kind=CareCase.Kind.HARDSHIP,
        summary="Nhà bị hư hỏng sau bão",
        opened_on=today - timedelta(days=2),
        actor=staff,
    )


def _transfers(people: DemoPeople, today: date) -> None:
    """Offer members between units: one to VNPT, one away from it.

    The HRM import already asked for two (VNPT's file brought them), so the
    officer of VNPT has transfers to accept, to release and to wait for.
    """
    if Transfer.objects.filter(proposer_side=Transfer.Side.SENDING).exists():
        return
    transfer_request(
        member=_first_member(_grassroots("VNPOST", 0)),
        to_unit=_grassroots("VNPT", 2),
        transfer_on=today + timedelta(days=14),
        reason="Điều động về VNPT Đà Nẵng theo quyết định của Tổng công ty",
        actor=people.admin,
    )
    transfer_request(
        member=_first_member(_grassroots("VNPT", 5), exclude={people.member.pk}),
        to_unit=_grassroots("VTC", 0),
        transfer_on=today + timedelta(days=30),
        reason="Chuyển công tác sang Tổng công ty Truyền thông đa phương tiện",
        actor=people.officer,
    )


def _programmes(people: DemoPeople, today: date) -> None:
    """A programme for VNPT's women, one for its members' children, and a draft."""
    if CareProgramme.objects.exists():
        return
    vnpt, home = _unit("VNPT"), people.member.unit
    health = programme_create_from_template(
        template=ProgrammeTemplate.objects.get(code="health-check-women"),
        unit=vnpt,
        period_start=today - timedelta(days=90),
        # It ends soon: care officers are reminded of whom it has not reached.
        period_end=today + timedelta(days=10),
        name=f"Khám sức khỏe định kỳ cho nữ đoàn viên năm {today.year}",
        actor=people.officer,
    )
    programme_part_save(
        part=ProgrammeBudget(programme=health, unit=home, amount=3_000_000),
        actor=people.officer,
    )
    programme_open(programme=health, actor=people.officer)
    staff = _staff_for(people, home)
    rows = list(
        ProgrammeEligibility.objects.filter(programme=health, unit=home).order_by("pk")
    )
    _deliver(rows[:3], staff, today - timedelta(days=20))
    _deliver(rows[3:4], staff, today - timedelta(days=12), declined=True)

    children = programme_save(
        programme=CareProgramme(
            unit=home,
            name="Quà học tập cho con đoàn viên dưới 15 tuổi",
            description=(
                "Mỗi con dưới 15 tuổi của đoàn viên nhận một bộ đồ dùng học tập "
                "trị giá 300.000 đồng."
            ),
            beneficiary=CareProgramme.Beneficiary.RELATIVE,
            benefit=CareProgramme.Benefit.GIFT,
            gift="Bộ đồ dùng học tập",
            amount=300_000,
            period_start=today - timedelta(days=30),
            period_end=today + timedelta(days=45),
        ),
        actor=staff,
    )
    for field, operator, value in [
        ("relationship", "eq", "child"),
        ("relative_age", "lt", "15"),
    ]:
        programme_part_save(
            part=ProgrammeRule(
                programme=children, field=field, operator=operator, value=value
            ),
            actor=staff,
        )
    programme_open(programme=children, actor=staff)
    listed = ProgrammeEligibility.objects.filter(programme=children).order_by("pk")
    reached = [
        *listed.filter(member=people.member),
        *listed.exclude(member=people.member)[:2],
    ]
    _deliver(reached, staff, today - timedelta(days=3))

    programme_create_from_template(
        template=ProgrammeTemplate.objects.get(code="sick-member-visits"),
        unit=home,
        period_start=today,
        period_end=today + timedelta(days=90),
        name=f"Thăm hỏi đoàn viên ốm đau quý {(today.month - 1) // 3 + 1}/{today.year}",
        actor=staff,
    )


def _deliver(rows, staff: User, on: date, *, declined: bool = False) -> None:
    if not rows:
        return
    programme_deliveries_record(
        eligibilities=rows,
        outcome=(
            ProgrammeDelivery.Outcome.DECLINED
            if declined
            else ProgrammeDelivery.Outcome.GIVEN
        ),
        delivered_on=on,
        delivered_by="Ban Nữ công công đoàn cơ sở",
        note="Đoàn viên đã có bảo hiểm khám sức khỏe riêng" if declined else "",
        actor=staff,
    )


def _consultations(people: DemoPeople, today: date) -> None:
    """The member's appointment tomorrow, one booked later, one still to book."""
    if ConsultationRequest.objects.exists():
        return
    member, unit = people.member, people.member.unit
    staff = _staff_for(people, unit)
    own = consultation_request(
        member=member,
        topic=ConsultationRequest.Topic.HEALTH,
        subject="Chế độ ăn uống khi đang điều trị đau dạ dày",
        mode=ConsultationRequest.Mode.ONLINE,
        preferred_times="Buổi sáng các ngày trong tuần",
        actor=people.member_user,
    )
    consultation_schedule(
        consultation=own,
        scheduled_at=_at(today + timedelta(days=1), time(9, 30)),
        adviser="BS. Trần Thị Mai, Trạm y tế cơ quan",
        place="Gọi video qua Zalo; bác sĩ gọi vào số điện thoại của đoàn viên",
        actor=staff,
    )
    colleagues = list(
        Member.objects.filter(unit=unit, status=Member.Status.ACTIVE)
        .exclude(pk=member.pk)
        .order_by("pk")[:2]
    )
    booked = consultation_request(
        member=colleagues[0],
        topic=ConsultationRequest.Topic.POLICY,
        subject="Điều kiện hưởng lương hưu khi nghỉ hưu trước tuổi",
        mode=ConsultationRequest.Mode.IN_PERSON,
        preferred_times="Chiều thứ Năm",
        actor=staff,
    )
    consultation_schedule(
        consultation=booked,
        scheduled_at=_at(today + timedelta(days=3), time(14, 0)),
        adviser="Luật sư Lê Văn Bình, Văn phòng tư vấn pháp luật Công đoàn",
        place="Phòng họp tầng 3, trụ sở đơn vị",
        actor=staff,
    )
    consultation_request(
        member=colleagues[1],
        topic=ConsultationRequest.Topic.POLICY,
        subject="Chế độ bảo hiểm xã hội khi nghỉ ốm dài ngày",
        mode=ConsultationRequest.Mode.ONLINE,
        preferred_times="Sau 17 giờ",
        actor=staff,
    )


def _at(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _data_rights(people: DemoPeople, today: date) -> None:
    """The member's own correction request, and an older one nearing its deadline."""
    if DataRightsRequest.objects.exists():
        return
    data_rights_request_submit(
        member=people.member,
        kind=DataRightsRequest.Kind.CORRECTION,
        details=(
            "Ngày vào công đoàn của tôi ghi chưa đúng; đề nghị sửa theo quyết định "
            "kết nạp tôi gửi kèm."
        ),
        actor=people.member_user,
    )
    # A request handed in on paper eleven days ago, entered by the officer: its
    # acknowledgement is overdue and its answer due within days.
    data_rights_request_submit(
        member=_first_member(_grassroots("VNPT", 1), exclude={people.member.pk}),
        kind=DataRightsRequest.Kind.ACCESS,
        details="Xin bản sao toàn bộ dữ liệu công đoàn lưu về tôi (đơn giấy).",
        actor=people.officer,
        received_at=timezone.now() - timedelta(days=11),
    )


def _notifications(people: DemoPeople, today: date) -> None:
    """Run today's reminders, as the beat would, and read each person's first one."""
    for kind in reminders_all():
        reminder_run(kind=kind.name, today=today)
    for user in (people.member_user, people.officer, people.carer, people.admin):
        mine = Notification.objects.filter(recipient=user)
        if mine.filter(read_at__isnull=False).exists() or mine.count() < 2:
            continue
        notification_mark_read(notification=mine.order_by("pk").first(), user=user)


def demo_counts_line(counts: dict[str, int]) -> str:
    """Return the activity's counts as the command prints them."""
    return (
        "{programmes} care programmes ({deliveries} deliveries), {consultations} "
        "consultations, {transfers_pending} transfers waiting, {data_rights_requests} "
        "data-rights requests, {notifications} notifications ({unread} unread)."
    ).format(**counts)
