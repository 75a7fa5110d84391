"""The contracts other apps rely on (docs/architecture.md): scope, admin, engines."""

from datetime import date

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from members import services
from members.admin.privacy import AuditedChangeViewMixin
from members.cache import (
    PUBLIC,
    REGISTER,
    cache_bump,
    cache_bump_everything,
    scope_signature,
    scoped_cached,
    scoped_key,
)
from members.models import (
    AuditEvent,
    AuditEventImmutableError,
    CareCase,
    Member,
    Notification,
    NotificationPreference,
    Relative,
    Unit,
)
from members.queue import task_get
from members.reminders import ReminderTarget, reminder_get, reminder_schedules
from members.resources import (
    XLSX_CONTENT_TYPE,
    MemberResource,
    cell_escape,
    sheet_title,
)
from members.scope import scoped, subtree_q
from members.scoped_admin import ScopedModelAdmin, action_run_each
from members.services.audit import audit_record
from members.services.notifications import notify, reminder_run
from members.signals import Event, initiative_recognised, survey_answered
from members.views import member_required
from tests.conftest import vi, vi_text
from tests.members.factories import make_member, make_union_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return make_union_tree()


def staff_request(user, method="get", path="/", data=None):
    request = getattr(RequestFactory(), method)(path, data or {})
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


# The scope --------------------------------------------------------------------


def test_scoped_gives_staff_their_subtree_and_a_person_their_own_rows(tree, make_user):
    own = {tree.own_member.pk, tree.group_member.pk}
    assert (
        set(
            scoped(Member.objects.all(), tree.grassroots_officer).values_list(
                "pk", flat=True
            )
        )
        == own
    )
    everyone = {member.pk for member in tree.members}
    assert (
        set(
            scoped(Member.objects.all(), tree.sector_officer).values_list(
                "pk", flat=True
            )
        )
        == everyone
    )
    account = tree.sibling.account
    assert list(scoped(Member.objects.all(), account, portal=True)) == [
        tree.sibling.member
    ]
    assert not scoped(Member.objects.all(), account).exists()
    assert not scoped(Member.objects.all(), make_user()).exists()


def test_scoped_refuses_a_model_that_declares_no_path(tree):
    # Notification declares whose it is (owner_path), not where it lives.
    with pytest.raises(TypeError):
        scoped(Notification.objects.all(), tree.grassroots_officer)


# The scoped admin ---------------------------------------------------------------


def test_scoped_model_admin_hides_rows_and_choices_out_of_scope(tree):
    model_admin = ScopedModelAdmin(CareCase, AdminSite())
    request = staff_request(tree.grassroots_officer)

    cases = model_admin.get_queryset(request)
    choices = model_admin.formfield_for_foreignkey(
        CareCase._meta.get_field("member"), request
    ).queryset

    assert tree.own_care_case in cases
    assert tree.sibling.care_case not in cases
    assert set(choices) == {tree.own_member, tree.group_member}


def test_action_run_each_calls_the_service_per_row_and_reports_refusals(tree):
    called = []

    def service(*, case, actor):
        called.append((case.pk, actor))
        if case.pk == tree.own_care_case.pk:
            raise ValidationError("Ca này đã đóng.")

    request = staff_request(tree.sector_officer, "post")
    queryset = CareCase.objects.filter(
        pk__in=[tree.own_care_case.pk, tree.sibling.care_case.pk]
    ).order_by("pk")

    action_run_each(request, queryset, service, as_="case")

    assert called == [(case.pk, tree.sector_officer) for case in queryset]
    texts = [str(message) for message in get_messages(request)]
    assert vi_text("%(count)d done.") % {"count": 1} in texts
    assert f"{tree.own_care_case}: Ca này đã đóng." in texts


def test_action_run_each_reports_a_permission_refusal_too(tree):
    def service(*, case, actor):
        raise PermissionDenied("Ngoài phạm vi.")

    request = staff_request(tree.grassroots_officer, "post")

    action_run_each(
        request, CareCase.objects.filter(pk=tree.own_care_case.pk), service, as_="case"
    )

    assert [str(m) for m in get_messages(request)] == [
        f"{tree.own_care_case}: Ngoài phạm vi."
    ]


# The units tree -----------------------------------------------------------------


def test_units_tree_helpers_walk_up_and_down_the_tree(tree):
    group = tree.vnpt_hn_group
    lineage = Unit.lineage_paths(group.path)
    assert list(Unit.objects.filter(path__in=lineage).order_by("depth")) == [
        tree.sector,
        tree.vnpt,
        tree.vnpt_hn,
        group,
    ]
    under_vnpt = Member.objects.filter(subtree_q(Member, tree.vnpt))
    assert set(under_vnpt) == {
        tree.own_member,
        tree.group_member,
        tree.sibling.member,
    }
    assert services.unit_employer(group) == tree.vnpt


# The notifications engine -------------------------------------------------------


def test_notify_stores_one_notification_per_dedupe_key(
    make_user, django_capture_on_commit_callbacks
):
    user = make_user()

    with django_capture_on_commit_callbacks():
        first = notify(
            recipient=user, kind="learning.badge", dedupe_key="badge:3:7", title="A"
        )
        again = notify(
            recipient=user, kind="learning.badge", dedupe_key="badge:3:7", title="B"
        )

    assert first == again
    assert Notification.objects.get(dedupe_key="badge:3:7").title == "A"


def test_notify_skips_an_optional_kind_the_person_turned_off(
    make_user, django_capture_on_commit_callbacks
):
    user = make_user()
    NotificationPreference.objects.create(
        user=user, kind="learning.news", enabled=False
    )

    with django_capture_on_commit_callbacks():
        stored = notify(
            recipient=user,
            kind="learning.news",
            dedupe_key="news:1",
            title="Tin mới",
            mandatory=False,
        )

    assert stored is None
    assert not Notification.objects.filter(dedupe_key="news:1").exists()


def test_a_registered_reminder_is_scheduled_and_sent_once_per_key(
    make_user, register_kind, django_capture_on_commit_callbacks
):
    user = make_user()

    def targets(*, today):
        yield ReminderTarget(
            recipient_id=user.pk,
            dedupe_key=f"course-deadline:5:{today}:{user.pk}",
            title="Hạn khoá học ngày mai",
        )

    name = register_kind("learning.course_deadline", targets)
    schedule = next(s for s in reminder_schedules() if s["name"] == f"reminder:{name}")
    with django_capture_on_commit_callbacks():
        first = reminder_run(kind=name, today=date(2025, 3, 10))
        again = reminder_run(kind=name, today=date(2025, 3, 10))

    assert reminder_get(name).targets is targets
    assert schedule["task"] == "members.tasks.reminder_due"
    assert schedule["kwargs"] == {"kind": name}
    assert (first["created"], again["created"]) == (1, 0)
    assert Notification.objects.filter(kind=name, recipient=user).count() == 1


# The audit trail ----------------------------------------------------------------


def test_audit_record_appends_an_event_that_cannot_change(tree):
    member = tree.own_member

    event = audit_record(
        actor=tree.grassroots_officer,
        action=AuditEvent.Action.EXPORT,
        obj=member,
        detail={"export": "learning_report", "phone": member.phone},
    )

    assert event.unit_id == tree.vnpt_hn.pk
    assert event.actor_unit == tree.vnpt_hn
    assert event.label.endswith(f"#{member.pk}")
    assert member.phone not in str(event.detail)
    with pytest.raises(AuditEventImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(label="")


def test_audited_change_view_mixin_records_each_opening_of_a_record(client, tree):
    assert isinstance(admin.site._registry[CareCase], AuditedChangeViewMixin)
    client.force_login(tree.grassroots_officer)
    case = tree.own_care_case

    client.get(reverse("admin:members_carecase_change", args=[case.pk]))

    (event,) = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW)
    assert (event.object_id, event.actor) == (str(case.pk), tree.grassroots_officer)
    assert event.detail == {"page": "change"}


# XLSX export --------------------------------------------------------------------


def test_cells_a_spreadsheet_would_run_are_escaped():
    assert cell_escape('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert cell_escape("+84 912 345 678") == "'+84 912 345 678"
    assert cell_escape("Nguyễn Văn An") == "Nguyễn Văn An"
    assert cell_escape(42) == 42
    title = sheet_title("Báo cáo: tháng 3/2025 [VNPT] và các đơn vị")
    assert title == "Báo cáo- tháng 3-2025 -VNPT- và"
    assert len(title) == 31
    assert XLSX_CONTENT_TYPE.endswith("spreadsheetml.sheet")


def test_a_safe_resource_escapes_every_text_cell(tree):
    member = make_member(unit=tree.vnpt_hn, full_name="=cmd|' /C calc'!A0")

    dataset = MemberResource().export(Member.objects.filter(pk=member.pk))

    assert "'=cmd|' /C calc'!A0" in dataset.dict[0].values()
    assert "=cmd|' /C calc'!A0" not in dataset.dict[0].values()


# Cross-app events ---------------------------------------------------------------


def test_an_event_reaches_receivers_with_its_declared_arguments():
    heard = []

    def receiver(sender, **named):
        heard.append((sender, named))

    survey_answered.connect(receiver, weak=False)
    try:
        survey_answered.send(sender=Member, survey_id=3, member_id=12, anonymous=True)
    finally:
        survey_answered.disconnect(receiver)

    named = {"survey_id": 3, "member_id": 12, "anonymous": True}
    assert heard == [(Member, {**named, "signal": survey_answered})]


def test_an_event_sent_without_its_arguments_reaches_nobody():
    heard = []

    def receiver(sender, **named):
        heard.append(named)

    initiative_recognised.connect(receiver, weak=False)
    survey_answered.connect(receiver, weak=False)
    try:
        with pytest.raises(TypeError, match="missing: recognised_on"):
            initiative_recognised.send(
                sender=Member, initiative_id=1, member_id=2, benefit_vnd=None
            )
        with pytest.raises(TypeError, match="unknown: answers"):
            survey_answered.send_robust(
                sender=Member, survey_id=1, member_id=2, anonymous=True, answers=[]
            )
    finally:
        initiative_recognised.disconnect(receiver)
        survey_answered.disconnect(receiver)

    assert heard == []
    assert Event("a").arguments == frozenset({"a"})


# Portal views -------------------------------------------------------------------


@member_required
def _page(request, *, member):
    return HttpResponse(member.full_name)


def test_member_required_passes_the_persons_own_member(tree):
    account = tree.sibling.account

    response = _page(staff_request(account))

    assert response.content.decode() == tree.sibling.member.full_name


def test_member_required_tells_an_account_without_member_and_runs_nothing(
    make_user,
):
    response = _page(staff_request(make_user()))

    assert response.status_code == 200
    assert vi("Account not linked to the register") in response.content.decode()


def test_member_required_sends_an_anonymous_visitor_to_login():
    response = _page(staff_request(AnonymousUser(), path="/cham-lo/"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# Tasks --------------------------------------------------------------------------


def test_task_get_returns_the_task_under_its_scheduled_name():
    task = task_get("import_run_execute")

    assert task.name == "members.tasks.import_run_execute"


# Consents ---------------------------------------------------------------------


def test_consent_in_force_q_follows_given_withdrawn_and_the_default(tree):
    from django.utils import timezone

    from members.models import Consent, Member
    from members.selectors.privacy import consent_in_force_q

    given, withdrawn, never = (
        make_member(unit=tree.vnpt_hn, full_name=name)
        for name in ("Đã Đồng Ý", "Đã Rút Lại", "Chưa Trả Lời")
    )
    now = timezone.now()
    for member in (given, withdrawn):
        Consent.objects.create(
            member=member,
            purpose=Consent.Purpose.LEADERBOARD,
            version="2025-1",
            given_at=now,
            withdrawn_at=now if member == withdrawn else None,
        )
    Consent.objects.create(
        member=withdrawn,
        purpose=Consent.Purpose.RELATIVES,
        version="2025-1",
        withdrawn_at=now,
    )
    people = Member.objects.filter(pk__in=[given.pk, withdrawn.pk, never.pk])

    board = people.filter(consent_in_force_q(purpose="leaderboard", member="pk"))
    relatives = people.filter(consent_in_force_q(purpose="relatives", member="pk"))

    # Leaderboards need a yes; relatives' care is in force until withdrawn.
    assert set(board) == {given}
    assert set(relatives) == {given, never}
    with pytest.raises(ValueError, match="nonsense"):
        consent_in_force_q(purpose="nonsense")


def test_scale_sizes_and_draws_are_the_same_for_the_same_seed():
    from members.management.scale import FULL, Scale

    scale = Scale(today=date(2026, 12, 6), factor=0.01, seed=7)
    assert scale.count("members") == round(FULL["members"] / 100)
    assert scale.scaled(10) == 1  # never below the minimum
    assert scale.scaled(10, minimum=0) == 0
    draws = [scale.rng("part").random() for _ in range(2)]
    assert draws[0] == draws[1]
    assert scale.rng("part").random() != scale.rng("other").random()
    assert Scale(today=date(2026, 12, 6), seed=8).rng("part").random() != draws[0]


def test_rows_insert_gives_instances_their_keys_and_mappings_their_defaults(tree):
    from members.bulk import rows_insert

    first = Relative(
        member=make_member(unit=tree.vnpt_hn, full_name="Nguyễn Văn An"),
        full_name="Nguyễn Văn Bình",
        relationship=Relative.Relationship.FATHER,
    )
    rows_insert(Relative, [first])
    assert first.pk is not None
    assert Relative.objects.get(pk=first.pk).full_name == "Nguyễn Văn Bình"
    rows_insert(
        Relative,
        [
            {
                "member_id": first.member_id,
                "full_name": "Nguyễn Thị Hoa",
                "relationship": Relative.Relationship.MOTHER,
            }
        ],
    )
    mother = Relative.objects.get(full_name="Nguyễn Thị Hoa")
    assert mother.phone == ""
    assert mother.date_of_birth is None


# The scoped cache (members.cache) ------------------------------------------


def _count_members(user):
    """A cached read as an app writes one: the members the user sees."""
    return scoped_cached(
        "tests.members-count",
        lambda: scoped(Member.objects.exclude(status="left"), user).count(),
        user=user,
        args=("count",),
        depends=(REGISTER,),
    )


def test_scope_signature_tells_superuser_staff_and_nobody_apart(tree, superuser):
    assert scope_signature(superuser) == "*"
    assert scope_signature(tree.grassroots_officer) == tree.vnpt_hn.path
    assert scope_signature(tree.upper_officer) == tree.vnpt.path
    assert scope_signature(AnonymousUser()) == "-"
    assert scope_signature(PUBLIC) == "public"


def test_two_scopes_never_share_an_entry(tree, superuser):
    # The same family and arguments, asked by four viewers: four counts.
    assert _count_members(tree.grassroots_officer) == 2
    assert _count_members(tree.sibling_officer) == 1
    assert _count_members(tree.vtc_officer) == 2
    assert _count_members(superuser) == len(tree.members)
    # Asked again, from the cache: each still gets only their own figures.
    assert _count_members(tree.sibling_officer) == 1
    assert _count_members(tree.grassroots_officer) == 2
    keys = {
        scoped_key("tests.members-count", user=user, args=("count",))
        for user in (tree.grassroots_officer, tree.sibling_officer, superuser)
    }
    assert len(keys) == 3


def test_a_user_whose_roles_changed_gets_a_new_signature(tree):
    officer = tree.sibling_officer
    assert _count_members(officer) == 1
    services.staff_role_grant(user=officer, unit=tree.vnpt_hn, role="officer")
    # The next request loads the user anew (scope paths are kept per request).
    officer = type(officer).objects.get(pk=officer.pk)
    assert scope_signature(officer) == f"{tree.vnpt_hcm.path},{tree.vnpt_hn.path}"
    assert _count_members(officer) == 3


def test_a_committed_write_changes_the_next_read(
    tree, django_capture_on_commit_callbacks
):
    officer = tree.grassroots_officer
    assert _count_members(officer) == 2
    with django_capture_on_commit_callbacks(execute=True):
        make_member(unit=tree.vnpt_hn_group, full_name="Đoàn Viên Mới")
    assert _count_members(officer) == 3


def test_a_write_bumps_only_after_commit(tree, django_capture_on_commit_callbacks):
    officer = tree.grassroots_officer
    assert _count_members(officer) == 2
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_member(unit=tree.vnpt_hn, full_name="Chưa Ghi Xong")
        # Not committed yet: the cached figure stands.
        assert _count_members(officer) == 2
    assert _count_members(officer) == 2
    for callback in callbacks:  # the commit
        callback()
    assert _count_members(officer) == 3


def test_a_write_in_one_subtree_keeps_the_entries_of_another(
    tree, django_assert_num_queries, django_capture_on_commit_callbacks
):
    vtc, hn = tree.vtc_officer, tree.grassroots_officer
    # The first commit also bumps what building the tree asked for.
    with django_capture_on_commit_callbacks(execute=True):
        make_member(unit=tree.vnpt_hn, full_name="Người Thứ Nhất")
    _count_members(vtc)
    _count_members(hn)
    with django_capture_on_commit_callbacks(execute=True):
        make_member(unit=tree.vnpt_hn, full_name="Người Hà Nội")
    with django_assert_num_queries(0):  # VTC's entry stands
        assert _count_members(vtc) == 2
    with django_assert_num_queries(1):  # counted anew in VNPT Hà Nội
        assert _count_members(hn) == 4


def test_a_bump_of_the_whole_family_reaches_every_scope(tree, superuser):
    _count_members(tree.vtc_officer)
    _count_members(superuser)
    # A bulk write: no signal, the cached figure stands.
    Member.objects.filter(unit=tree.vtc_st).update(unit=tree.vtc_dt)
    Member.objects.filter(unit=tree.vtc_dt).update(status=Member.Status.LEFT)
    assert _count_members(tree.vtc_officer) == 2
    cache_bump(REGISTER)
    assert _count_members(tree.vtc_officer) == 0
    assert _count_members(superuser) == len(tree.members) - 2


def test_bumping_everything_reaches_every_family_and_scope(tree, superuser):
    """After a bulk write no service saw (a seed's COPY), no entry survives."""
    _count_members(tree.vtc_officer)
    _count_members(superuser)
    Member.objects.filter(unit=tree.vtc_dt).update(status=Member.Status.LEFT)
    assert _count_members(tree.vtc_officer) == 2
    cache_bump_everything()
    assert _count_members(tree.vtc_officer) < 2
    assert _count_members(superuser) < len(tree.members)


def test_the_cached_read_asks_no_query(tree, django_assert_num_queries):
    officer = tree.grassroots_officer
    with django_assert_num_queries(2):  # the officer's roles, the count
        _count_members(officer)
    with django_assert_num_queries(0):
        _count_members(officer)


def test_a_lost_generation_never_brings_an_old_entry_back(tree):
    from django.core.cache import cache

    officer = tree.grassroots_officer
    first = scoped_key("tests.family", user=officer)
    assert scoped_key("tests.family", user=officer) == first
    cache.delete("scoped-gen:tests.family:epoch")  # evicted
    assert scoped_key("tests.family", user=officer) != first


def test_a_cached_read_refuses_model_instances_as_arguments(tree):
    with pytest.raises(TypeError):
        scoped_key("tests.family", user=PUBLIC, args=(tree.vnpt_hn,))
