"""The pages a member and a unit officer open, over data that fills each of them."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from feedback.models import Survey
from members.models import (
    DataRightsRequest,
    HrmDepartment,
    HrmProfile,
    ImportHeldRow,
    ImportRun,
    Member,
    Relative,
    Transfer,
    User,
)
from members.services import transfers as transfer_services
from members.services.data_rights import data_rights_request_submit
from members.services.notifications import (
    notification_mark_read,
    notifications_mark_all_read,
    notify,
)
from members.services.staff import role_groups_install
from tests.feedback.factories import make_survey
from tests.members.factories import (
    UnionTree,
    make_account,
    make_member,
    make_relative,
    make_union_tree,
    reloaded,
)
from tests.members.factories_programmes import (
    FEMALE_ACTIVE,
    make_consultation,
    make_programme,
)
from tests.members.test_imports_review import done_run, line

PUBLIC_PAGES = [
    "/accounts/login/",
    "/accounts/login/code/",
    "/accounts/password/reset/",
    "/kich-hoat/",
    "/offline/",
]


@dataclass(frozen=True)
class Tour:
    """The data behind the tour: a member with something on every page, staff."""

    tree: UnionTree
    member: Member
    relative: Relative
    officer: User
    superuser: User
    run: ImportRun
    held: ImportHeldRow
    transfer: Transfer
    data_request: DataRightsRequest
    survey: Survey

    @property
    def member_pages(self) -> list[str]:
        """Every portal page a signed-in member opens (the public ones apart)."""
        return [
            "/",
            reverse("portal:more"),
            reverse("members:profile"),
            reverse("members:ecard"),
            reverse("members:relatives"),
            reverse("members:relative_add"),
            reverse("members:relative_edit", args=[self.relative.pk]),
            reverse("members:relative_delete", args=[self.relative.pk]),
            reverse("members:inbox"),
            reverse("members:notification_settings"),
            reverse("members:programmes"),
            reverse("members:consultations"),
            reverse("members:consultation_add"),
            reverse("members:my_data"),
            reverse("members:data_request_add"),
            reverse("account_change_password"),
            reverse("feedback:surveys"),
            reverse("feedback:survey_answer", args=[self.survey.pk]),
            reverse("feedback:survey_actions"),
            reverse("learning:my_xp"),
            reverse("learning:my_badges"),
            reverse("learning:leaderboard"),
            reverse("learning:league"),
        ]

    @property
    def staff_pages(self) -> dict[str, str]:
        """The admin pages a unit officer works in, each with rows to show, by name."""
        names = {
            "admin:index": (),
            "admin:members_member_changelist": (),
            "admin:members_member_change": (self.member.pk,),
            "admin:members_care_radar": (),
            "admin:members_register_picture": (),
            "admin:members_importrun_upload": (),
            "admin:members_importrun_change": (self.run.pk,),
            "admin:members_importheldrow_changelist": (),
            "admin:members_importheldrow_change": (self.held.pk,),
            "admin:members_transfer_changelist": (),
            "admin:members_transfer_change": (self.transfer.pk,),
            "admin:members_datarightsrequest_changelist": (),
            "admin:members_datarightsrequest_change": (self.data_request.pk,),
            "admin:feedback_survey_changelist": (),
            "admin:feedback_survey_change": (self.survey.pk,),
            "admin:feedback_survey_results": (self.survey.pk,),
        }
        return {name: reverse(name, args=args) for name, args in names.items()}


def tour_build(*, superuser: User) -> Tour:
    """Build the union tree and give the member and the officer work on each page."""
    # A transactional test's flush empties the role groups' permissions.
    role_groups_install()
    today = timezone.localdate()
    tree = make_union_tree(today=today)
    member = make_member(
        unit=tree.vnpt_hn,
        full_name="Nguyễn Thị Hoa",
        gender=Member.Gender.FEMALE,
        date_of_birth=date(1988, 5, 17),
        email="hoa.nguyen@example.vn",
        position="Kỹ sư phần mềm",
    )
    account = make_account(member)
    relative = make_relative(
        member=member,
        full_name="Lê Minh Khang",
        relationship=Relative.Relationship.CHILD,
        date_of_birth=date(2016, 6, 15),
    )
    make_programme(
        unit=tree.vnpt_hn,
        name="Khám sức khỏe nữ đoàn viên",
        rules=FEMALE_ACTIVE,
        amount=650_000,
    )
    make_consultation(
        member,
        subject="Chế độ thai sản",
        adviser="Bác sĩ Trần Văn Tâm",
        place="Phòng y tế tầng 2",
        scheduled_at=timezone.now() + timedelta(days=2),
    )
    data_request = data_rights_request_submit(
        member=member,
        kind=DataRightsRequest.Kind.CORRECTION,
        details="Ngày vào công đoàn của tôi là 01/03/2015.",
        actor=account,
    )
    # What those told the member is read; of the three below, two stay unread.
    notifications_mark_all_read(user=account)
    for number in (1, 2, 3):
        notification = notify(
            recipient=account,
            kind="test.tour",
            dedupe_key=f"tour:{account.pk}:{number}",
            title=f"Thông báo số {number} của công đoàn",
            body="Mời đoàn viên xem chi tiết trên cổng thông tin.",
            link=reverse("members:programmes"),
        )
    notification_mark_read(notification=notification, user=account)

    HrmDepartment.objects.create(employer=tree.vnpt, code="DV01", unit=tree.vnpt_hn)
    HrmProfile.objects.create(employer=tree.vnpt, full_file=False)
    run = done_run(
        tree.vnpt,
        line("NV7000", "Lê Văn Một", date(1985, 5, 5)),
        line("NV7001", "Trần Thị Ngày Sai", text="31/02/1990", gender="Nữ"),
        name="nhan-su-thang-5.csv",
    )
    held = ImportHeldRow.objects.get(run=run)
    transfer = transfer_services.transfer_request(
        member=tree.own_member,
        to_unit=reloaded(tree.vnpt_hcm),
        transfer_on=today + timedelta(days=7),
        reason="Chuyển công tác vào TP. Hồ Chí Minh",
        actor=tree.upper_officer,
    )
    _learning_points(member, tree)
    member.refresh_from_db()
    return Tour(
        tree=tree,
        member=member,
        relative=relative,
        officer=tree.upper_officer,
        superuser=superuser,
        run=run,
        held=held,
        transfer=transfer,
        data_request=data_request,
        survey=make_survey(owner_unit=reloaded(tree.vnpt), title="Khảo sát bữa ăn ca"),
    )


def _learning_points(member: Member, tree: UnionTree) -> None:
    """Give the member XP, a badge and a place on the board, with consent."""
    from learning.models import Badge, XpReason
    from learning.services import badge_award, xp_award
    from members.models import Consent

    for person in (member, tree.own_member):
        Consent.objects.create(
            member=person,
            purpose=Consent.Purpose.LEADERBOARD,
            version=Consent.VERSIONS[Consent.Purpose.LEADERBOARD],
            given_at=timezone.now(),
        )
    for number, (person, points) in enumerate(
        ((member, 35), (tree.own_member, 50)), start=1
    ):
        xp_award(
            member_id=person.pk,
            reason=XpReason.INITIATIVE,
            source_type="initiative",
            source_id=number,
            points=points,
            title="Sáng kiến tiết kiệm điện",
        )
    badge_award(
        badge=Badge.objects.get(slug="sang-kien"),
        member_id=member.pk,
        source="initiative:1",
    )
