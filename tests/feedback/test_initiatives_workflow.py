"""The review workflow: one step at a time, once, audited, told to the authors."""

import threading
import uuid
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from feedback import services
from feedback.models import BenefitFollowUp, Initiative, InitiativeStatusChange
from members.models import AuditEvent, Notification
from members.signals import initiative_recognised
from tests.conftest import require_service
from tests.feedback.initiatives_factories import make_initiative, make_round, recognise

pytestmark = pytest.mark.django_db
Status = Initiative.Status


@pytest.fixture
def initiative(author, colleague):
    return make_initiative(
        member=author, title="Tự động hóa đối soát cước", coauthors=["HN-0102"]
    )


@pytest.fixture
def council(tree):
    return make_round(unit=tree.vnpt_hn)


@pytest.fixture
def heard():
    """Every initiative_recognised heard, as (initiative_id, member_id, benefit)."""
    events, lock = [], threading.Lock()

    def receiver(sender, **kwargs):
        with lock:
            events.append(
                (kwargs["initiative_id"], kwargs["member_id"], kwargs["benefit_vnd"])
            )

    initiative_recognised.connect(receiver, dispatch_uid="test_heard")
    yield events
    initiative_recognised.disconnect(dispatch_uid="test_heard")


def _steps(initiative) -> list[tuple[str, str]]:
    return list(
        InitiativeStatusChange.objects.filter(initiative=initiative)
        .order_by("at", "pk")
        .values_list("from_status", "to_status")
    )


def test_the_whole_path_is_recorded_audited_and_told_to_every_author(
    tree, initiative, council, author, colleague, django_capture_on_commit_callbacks
):
    officer = tree.grassroots_officer
    with django_capture_on_commit_callbacks(execute=True):
        recognise(
            initiative,
            officer=officer,
            review_round=council,
            benefit=350_000_000,
            on=date(2026, 3, 31),
        )
        services.initiative_decide(
            initiative=initiative, to_status=Status.APPLIED, actor=officer
        )

    initiative.refresh_from_db()
    assert initiative.status == Status.APPLIED
    assert initiative.review_round == council
    assert initiative.evaluated_benefit_vnd == 350_000_000
    assert initiative.recognised_on == date(2026, 3, 31)
    assert _steps(initiative) == [
        ("", Status.SUBMITTED),
        (Status.SUBMITTED, Status.UNDER_REVIEW),
        (Status.UNDER_REVIEW, Status.RECOGNISED),
        (Status.RECOGNISED, Status.APPLIED),
    ]
    audited = AuditEvent.objects.filter(
        object_id=str(initiative.pk), detail__action="initiative_decide"
    )
    assert sorted(audited.values_list("detail__to", flat=True)) == sorted(
        [Status.UNDER_REVIEW, Status.RECOGNISED, Status.APPLIED]
    )
    assert set(audited.values_list("actor", flat=True)) == {officer.pk}
    for person in (author, colleague):
        # Learning tells the author of the badge recognition earns (its own).
        keys = set(
            Notification.objects.filter(recipient=person.user)
            .exclude(kind="learning.badge_awarded")
            .values_list("dedupe_key", flat=True)
        )
        assert keys == {
            f"initiative-decision:{initiative.pk}:{step}:{person.user_id}"
            for step in (Status.UNDER_REVIEW, Status.RECOGNISED, Status.APPLIED)
        }
    recognised = Notification.objects.get(
        recipient=author.user, dedupe_key__contains=":recognised:"
    )
    assert "350.000.000" in recognised.body
    # Actual benefit asked for 6 and 12 months after recognition.
    assert list(
        BenefitFollowUp.objects.filter(initiative=initiative).values_list(
            "months", "due_on"
        )
    ) == [(6, date(2026, 9, 30)), (12, date(2027, 3, 31))]


@pytest.mark.parametrize(
    ("reached", "step"),
    [
        ((), Status.RECOGNISED),
        ((), Status.REJECTED),
        ((), Status.APPLIED),
        ((), Status.SUBMITTED),
        ((Status.UNDER_REVIEW,), Status.APPLIED),
        ((Status.UNDER_REVIEW,), Status.UNDER_REVIEW),
        ((Status.UNDER_REVIEW, Status.REJECTED), Status.APPLIED),
        ((Status.UNDER_REVIEW, Status.REJECTED), Status.RECOGNISED),
        ((Status.UNDER_REVIEW, Status.RECOGNISED), Status.REJECTED),
        ((Status.UNDER_REVIEW, Status.RECOGNISED), Status.UNDER_REVIEW),
        ((Status.UNDER_REVIEW, Status.RECOGNISED, Status.APPLIED), Status.RECOGNISED),
        ((), "approved"),
    ],
)
def test_the_workflow_refuses_skipped_states_and_writes_nothing(
    tree, initiative, council, reached, step
):
    officer = tree.grassroots_officer
    for earlier in reached:
        services.initiative_decide(
            initiative=initiative,
            to_status=earlier,
            actor=officer,
            review_round=council,
            evaluated_benefit_vnd=1_000_000,
            reason="Trùng với sáng kiến đã có",
        )
    before = Initiative.objects.get(pk=initiative.pk)
    steps, audits = _steps(initiative), AuditEvent.objects.count()
    notices = Notification.objects.count()

    with pytest.raises(ValidationError):
        services.initiative_decide(
            initiative=initiative,
            to_status=step,
            actor=officer,
            review_round=council,
            evaluated_benefit_vnd=2_000_000,
            reason="Bỏ qua bước",
        )

    after = Initiative.objects.get(pk=initiative.pk)
    assert (after.status, after.evaluated_benefit_vnd, after.decision_reason) == (
        before.status,
        before.evaluated_benefit_vnd,
        before.decision_reason,
    )
    assert _steps(initiative) == steps
    assert AuditEvent.objects.count() == audits
    assert Notification.objects.count() == notices


def test_each_decision_asks_for_what_it_needs(tree, initiative, council):
    officer = tree.grassroots_officer
    with pytest.raises(ValidationError) as no_round:
        services.initiative_decide(
            initiative=initiative, to_status=Status.UNDER_REVIEW, actor=officer
        )
    assert "review_round" in no_round.value.message_dict
    elsewhere = make_round(unit=tree.vnpt_hcm, title="Hội đồng TP. HCM")
    with pytest.raises(PermissionDenied):
        services.initiative_decide(
            initiative=initiative,
            to_status=Status.UNDER_REVIEW,
            actor=officer,
            review_round=elsewhere,
        )
    services.initiative_decide(
        initiative=initiative,
        to_status=Status.UNDER_REVIEW,
        actor=officer,
        review_round=council,
    )
    with pytest.raises(ValidationError) as no_reason:
        services.initiative_decide(
            initiative=initiative, to_status=Status.REJECTED, actor=officer, reason=" "
        )
    assert "reason" in no_reason.value.message_dict
    for benefit in (None, -5, "100"):
        with pytest.raises(ValidationError) as no_benefit:
            services.initiative_decide(
                initiative=initiative,
                to_status=Status.RECOGNISED,
                actor=officer,
                evaluated_benefit_vnd=benefit,
            )
        assert "evaluated_benefit_vnd" in no_benefit.value.message_dict
    assert Initiative.objects.get(pk=initiative.pk).status == Status.UNDER_REVIEW


def test_only_the_councils_staff_recognise_or_reject(tree, initiative):
    services.initiative_decide(
        initiative=initiative,
        to_status=Status.UNDER_REVIEW,
        actor=tree.upper_officer,
        review_round=make_round(unit=tree.vnpt, title="Hội đồng VNPT"),
    )
    for step in (Status.RECOGNISED, Status.REJECTED):
        with pytest.raises(PermissionDenied):
            services.initiative_decide(
                initiative=initiative,
                to_status=step,
                actor=tree.grassroots_officer,
                evaluated_benefit_vnd=1,
                reason="Không đủ tính mới",
            )
    assert Initiative.objects.get(pk=initiative.pk).status == Status.UNDER_REVIEW


def test_officers_beyond_the_unit_cannot_decide(tree, initiative, council):
    for outsider in (tree.sibling_officer, tree.vtc_officer):
        with pytest.raises(PermissionDenied):
            services.initiative_decide(
                initiative=initiative,
                to_status=Status.UNDER_REVIEW,
                actor=outsider,
                review_round=council,
            )
    assert Initiative.objects.get(pk=initiative.pk).status == Status.SUBMITTED


def test_recognition_is_sent_once_per_author_even_on_a_double_submit(
    tree,
    initiative,
    council,
    author,
    colleague,
    heard,
    django_capture_on_commit_callbacks,
):
    officer = tree.grassroots_officer
    services.initiative_decide(
        initiative=initiative,
        to_status=Status.UNDER_REVIEW,
        actor=officer,
        review_round=council,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.initiative_decide(
            initiative=initiative,
            to_status=Status.RECOGNISED,
            actor=officer,
            evaluated_benefit_vnd=80_000_000,
        )
        assert heard == []  # not before the commit
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError),
    ):
        # The second click, with the page as it was before the first.
        services.initiative_decide(
            initiative=Initiative.objects.get(pk=initiative.pk),
            to_status=Status.RECOGNISED,
            actor=officer,
            evaluated_benefit_vnd=90_000_000,
        )

    assert sorted(heard) == sorted(
        [
            (initiative.pk, author.pk, 80_000_000),
            (initiative.pk, colleague.pk, 80_000_000),
        ]
    )
    assert BenefitFollowUp.objects.filter(initiative=initiative).count() == 2


def test_a_rolled_back_recognition_sends_nothing(tree, initiative, council, heard):
    services.initiative_decide(
        initiative=initiative,
        to_status=Status.UNDER_REVIEW,
        actor=tree.grassroots_officer,
        review_round=council,
    )
    # Inside the test's transaction, never committed: on_commit never runs.
    services.initiative_decide(
        initiative=initiative,
        to_status=Status.RECOGNISED,
        actor=tree.grassroots_officer,
        evaluated_benefit_vnd=1,
    )
    assert heard == []


def _concurrently(*calls):
    """Run the calls in threads lined up on a barrier; return what each raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[index] = "done"
        except (ValidationError, PermissionDenied) as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_officers_recognising_at_once_make_one_step(tree, heard):
    require_service(
        settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql",
        "only PostgreSQL has real row locks",
    )
    from tests.members.factories import make_account, make_member

    author = make_member(
        unit=tree.vnpt_hn, full_name="Đặng Văn Bốn", email="bon@example.vn"
    )
    make_account(author)
    author.refresh_from_db()
    initiative = make_initiative(member=author, title="Sáng kiến tranh chấp")
    services.initiative_decide(
        initiative=initiative,
        to_status=Status.UNDER_REVIEW,
        actor=tree.upper_officer,
        review_round=make_round(unit=tree.vnpt),
    )

    outcomes = _concurrently(
        *(
            lambda officer=officer, amount=amount: services.initiative_decide(
                initiative=Initiative.objects.get(pk=initiative.pk),
                to_status=Status.RECOGNISED,
                actor=officer,
                evaluated_benefit_vnd=amount,
            )
            for officer, amount in (
                (tree.upper_officer, 10_000_000),
                (tree.sector_officer, 20_000_000),
                (tree.upper_officer, 30_000_000),
            )
        )
    )

    assert sorted(o == "done" for o in outcomes) == [False, False, True]
    assert all(isinstance(o, ValidationError) for o in outcomes if o != "done")
    initiative.refresh_from_db()
    assert initiative.status == Status.RECOGNISED
    assert _steps(initiative)[-1] == (Status.UNDER_REVIEW, Status.RECOGNISED)
    assert len(_steps(initiative)) == 3
    assert heard == [(initiative.pk, author.pk, initiative.evaluated_benefit_vnd)]
    assert BenefitFollowUp.objects.filter(initiative=initiative).count() == 2
    assert Notification.objects.filter(dedupe_key__contains=":recognised:").count() == 1


# Scores --------------------------------------------------------------------------


def test_reviewers_score_on_the_rounds_criteria(tree, initiative, council):
    officer = tree.grassroots_officer
    novelty, effect = council.criteria.order_by("order")
    with pytest.raises(ValidationError):  # not under review yet
        services.review_scores_record(
            initiative=initiative, reviewer=officer, scores={novelty.pk: 5}
        )
    services.initiative_decide(
        initiative=initiative,
        to_status=Status.UNDER_REVIEW,
        actor=officer,
        review_round=council,
    )

    services.review_scores_record(
        initiative=initiative, reviewer=officer, scores={novelty.pk: 7, effect.pk: 15}
    )
    services.review_scores_record(
        initiative=initiative, reviewer=officer, scores={novelty.pk: 8}
    )
    services.review_scores_record(
        initiative=initiative, reviewer=tree.upper_officer, scores={effect.pk: 20}
    )

    assert sorted(
        initiative.scores.values_list("reviewer__email", "criterion__name", "score")
    ) == sorted(
        [
            (officer.email, "Tính mới", 8),
            (officer.email, "Hiệu quả", 15),
            (tree.upper_officer.email, "Hiệu quả", 20),
        ]
    )
    other_round = make_round(unit=tree.vnpt_hn, title="Đợt khác")
    for scores in (
        {effect.pk: 21},
        {novelty.pk: -1},
        {other_round.criteria.first().pk: 5},
    ):
        with pytest.raises(ValidationError):
            services.review_scores_record(
                initiative=initiative, reviewer=officer, scores=scores
            )
    with pytest.raises(PermissionDenied):
        services.review_scores_record(
            initiative=initiative, reviewer=tree.vtc_officer, scores={novelty.pk: 1}
        )
    assert initiative.scores.count() == 3


# Actual benefit ------------------------------------------------------------------


def test_the_actual_benefit_is_recorded_once_due(tree, initiative, council):
    officer = tree.grassroots_officer
    today = timezone.localdate()
    recognise(initiative, officer=officer, review_round=council, on=today)
    six, twelve = BenefitFollowUp.objects.filter(initiative=initiative).order_by(
        "months"
    )
    with pytest.raises(ValidationError):
        services.benefit_actual_record(
            follow_up=six, actual_benefit_vnd=1, actor=officer
        )
    BenefitFollowUp.objects.filter(pk=six.pk).update(due_on=today - timedelta(days=1))
    six.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.benefit_actual_record(
            follow_up=six, actual_benefit_vnd=1, actor=tree.vtc_officer
        )

    services.benefit_actual_record(
        follow_up=six,
        actual_benefit_vnd=140_000_000,
        note="Theo báo cáo",
        actor=officer,
    )

    six.refresh_from_db()
    assert (six.actual_benefit_vnd, six.recorded_by) == (140_000_000, officer)
    assert six.recorded_at is not None
    assert twelve.recorded_at is None


@pytest.mark.django_db(transaction=True)
def test_the_same_form_posted_twice_at_once_stores_one_initiative(tree):
    require_service(
        settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql",
        "only PostgreSQL has real row locks",
    )
    from tests.members.factories import make_member

    author = make_member(unit=tree.vnpt_hn, full_name="Tạ Văn Năm")
    key = uuid.uuid4()
    stored = []

    def submit():
        stored.append(
            services.initiative_submit(
                member=author,
                title="Một sáng kiến, hai cú nhấp",
                problem="Vấn đề",
                solution="Giải pháp",
                submission_key=key,
            ).pk
        )

    outcomes = _concurrently(submit, submit, submit)

    assert outcomes == ["done", "done", "done"]
    assert len(set(stored)) == 1
    assert Initiative.objects.filter(member=author).count() == 1
    assert InitiativeStatusChange.objects.filter(initiative_id=stored[0]).count() == 1
