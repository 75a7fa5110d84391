"""Member voice's full-size seed, at a small factor over the benchmark's register."""

import hashlib
import uuid
from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from benchmarks.members_seed import register_get
from feedback import scale as feedback_scale
from feedback.models import (
    AssistantHandover,
    AssistantQuestion,
    BenefitFollowUp,
    CuratedAnswer,
    Initiative,
    InitiativeStatusChange,
    LegalArticle,
    LegalDocument,
    ReviewRound,
    ReviewScore,
    Survey,
    SurveyAnswer,
    SurveyParticipation,
    SurveyResponse,
)
from feedback.scale import assistant as scale_assistant
from feedback.scale.rows import Register
from feedback.scale.surveys import NEEDS_TITLE, OPEN_TITLE
from feedback.selectors.assistant import assistant_settings
from feedback.selectors.surveys import ANSWERING_STATUSES
from feedback.services import assistant as assistant_services
from feedback.services import initiatives as initiative_services
from feedback.services import surveys as survey_services
from feedback.services.assistant import grassroots_unit
from feedback.services.initiatives import STEPS
from feedback.services.surveys import GivenAnswer
from members.management.demo_activity import DemoPeople
from members.management.scale import Scale
from members.models import Member, Unit, User
from members.services import member_save
from tests.conftest import require_service
from tests.feedback.conftest import KB_DIR

# Today: the open survey is open now, as the services check it.
TODAY = timezone.localdate()
FACTOR = 0.01
ACCOUNTS = 20
Status = Initiative.Status


def _scale(**changes) -> Scale:
    return Scale(today=TODAY, factor=FACTOR, seed=7, **changes)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The register (820 members, 20 with accounts), the corpus, a seed; then flush.

    Outside a transaction: the benchmark's register seeder vacuums its tables.
    """
    require_service(
        connection.vendor == "postgresql", "the full-size seed writes with COPY"
    )
    require_service(KB_DIR.is_dir(), f"the shared knowledge base is missing: {KB_DIR}")
    with django_db_blocker.unblock():
        try:
            register = register_get(
                members=820,
                units=40,
                relatives=300,
                open_cases=20,
                seed=1,
                reseed=True,
            )
            from feedback.services.assistant import corpus_load

            corpus_load(path=KB_DIR)
            members = list(
                Member.objects.filter(status__in=ANSWERING_STATUSES)
                .exclude(email="")
                .order_by("pk")[::10][:ACCOUNTS]
            )
            # Accounts without a password: hashing 20 would take seconds.
            for member in members:
                member.user = User.objects.create_user(
                    member.email, None, name=member.full_name
                )
                member_save(member=member)
            admin = User.objects.create_superuser("admin@example.vn", "x", name="Ad")
            member = Member.objects.get(pk=members[0].pk)
            people = DemoPeople(
                admin=admin,
                member_user=member.user,
                member=member,
                officer=register.sector_user,
                carer=register.grassroots_user,
            )
            line = feedback_scale.seed(scale=_scale(), people=people)
            yield people, line
        finally:
            call_command("flush", interactive=False, verbosity=0)


def test_counts_follow_the_factor(seeded, db):
    _people, line = seeded
    scale = _scale()
    assert Initiative.objects.count() == scale.count("initiatives") == 200
    assert AssistantQuestion.objects.count() == scale.count("assistant_questions")
    needs = Survey.objects.get(title=NEEDS_TITLE.format(year=TODAY.year))
    answering = Member.objects.filter(
        status__in=ANSWERING_STATUSES, erased_at__isnull=True
    ).count()
    assert needs.response_count == answering
    assert needs.responses.count() == needs.participations.count() == answering
    # Every question kind is answered, free text from members' phrases.
    kinds = set(
        SurveyAnswer.objects.filter(response__survey=needs).values_list(
            "question__kind", flat=True
        )
    )
    assert kinds == {"single", "multiple", "scale", "yes_no", "short_text", "long_text"}
    assert needs.closes_at.date() < TODAY
    assert "Member voice at scale" in line
    # Nothing happened later than the day before today.
    midnight = timezone.make_aware(datetime.combine(TODAY, time(0)))
    for model, field in (
        (Initiative, "submitted_at"),
        (InitiativeStatusChange, "at"),
        (ReviewScore, "scored_at"),
        (BenefitFollowUp, "recorded_at"),
        (AssistantQuestion, "created_at"),
        (AssistantHandover, "answered_at"),
    ):
        assert not model.objects.filter(**{f"{field}__gte": midnight}).exists()
    assert not SurveyResponse.objects.filter(submitted_on__gt=TODAY).exists()


def test_responses_cannot_be_tied_to_members(seeded, db):
    response_fields = {f.name for f in SurveyResponse._meta.get_fields()}
    assert not response_fields & {"member", "user", "created_at", "ip"}
    for survey in Survey.objects.all():
        participations = SurveyParticipation.objects.filter(survey=survey)
        assert participations.count() == survey.responses.count()
        assert survey.response_count == survey.responses.count()
        assert not participations.filter(response__isnull=False).exists()
    assert str(SurveyResponse.objects.values_list("pk", flat=True).first())[14] == "4"


def test_open_survey_is_unanswered_by_every_account_member(seeded, db):
    survey = Survey.objects.get(title=OPEN_TITLE.format(year=TODAY.year))
    assert survey.opens_at.date() <= TODAY < survey.closes_at.date()
    assert survey.status == Survey.Status.PUBLISHED
    assert survey.response_count > 0
    accounts = Member.objects.filter(user__isnull=False)
    assert accounts.count() >= ACCOUNTS
    assert not SurveyParticipation.objects.filter(
        survey=survey, member__in=accounts
    ).exists()
    # The needs survey, closed, was answered by them.
    needs = Survey.objects.get(title=NEEDS_TITLE.format(year=TODAY.year))
    assert (
        SurveyParticipation.objects.filter(survey=needs, member__in=accounts).count()
        == accounts.filter(status__in=ANSWERING_STATUSES).count()
    )


def test_initiatives_walk_the_workflow_one_step_at_a_time(seeded, db):
    states = set(Initiative.objects.values_list("status", flat=True))
    assert states == set(Status.values)
    for initiative in Initiative.objects.prefetch_related(
        "status_changes", "follow_ups", "coauthors"
    ):
        changes = sorted(initiative.status_changes.all(), key=lambda c: c.at)
        assert changes[0].from_status == ""
        assert changes[0].to_status == Status.SUBMITTED
        for change in changes[1:]:
            assert STEPS[change.to_status] == change.from_status
        assert changes[-1].to_status == initiative.status
        assert changes[0].at == initiative.submitted_at
        assert initiative.updated_at == changes[-1].at
        reached = {c.to_status for c in changes}
        assert (initiative.review_round_id is not None) == (
            Status.UNDER_REVIEW in reached
        )
        if initiative.review_round_id:
            assert initiative.unit.path.startswith(initiative.review_round.unit.path)
        recognised = Status.RECOGNISED in reached
        assert (initiative.recognised_on is not None) == recognised
        assert (initiative.evaluated_benefit_vnd is not None) == recognised
        assert len(initiative.follow_ups.all()) == (2 if recognised else 0)
        if initiative.status == Status.REJECTED:
            assert initiative.decision_reason
        assert initiative.member_id not in {
            c.member_id for c in initiative.coauthors.all()
        }
        assert initiative.unit.level == Unit.Level.GRASSROOTS
    # Scores only where a council reviewed; benefits recorded only once due.
    assert not ReviewScore.objects.filter(initiative__review_round__isnull=True)
    assert ReviewScore.objects.exists()
    assert not BenefitFollowUp.objects.filter(
        recorded_at__isnull=False, due_on__gt=TODAY
    ).exists()
    assert BenefitFollowUp.objects.filter(actual_benefit_vnd__gt=0).exists()


def test_questions_cite_articles_and_tickets_go_to_the_grassroots_union(seeded, db):
    questions = AssistantQuestion.objects.select_related("member__unit", "unit")
    answered = questions.filter(outcome=AssistantQuestion.Outcome.ANSWERED)
    assert answered.count() > questions.count() / 2
    articles = set(LegalArticle.objects.values_list("pk", flat=True))
    for question in answered[:200]:
        assert question.passages
        assert {p["article"] for p in question.passages} <= articles
    for question in questions:
        lineage = Unit.lineage_paths(question.member.unit.path)
        assert question.unit.path in lineage
        assert question.unit.level == Unit.Level.GRASSROOTS
    tickets = AssistantHandover.objects.select_related("question")
    assert tickets.count() == questions.exclude(outcome="answered").count() > 0
    assert not tickets.exclude(unit_id=F("question__unit_id")).exists()
    assert tickets.filter(answered_at__isnull=False).exists()
    assert tickets.filter(answered_at__isnull=True).exists()
    assert not answered.filter(handover__isnull=False).exists()
    assert answered.filter(helpful__isnull=False).exists()


def _digest() -> str:
    """The seeded rows of feedback, by their keys rather than their serial ids."""
    queries = (
        "SELECT s.title, p.member_id FROM feedback_surveyparticipation p"
        " JOIN feedback_survey s ON s.id = p.survey_id ORDER BY 1, 2",
        "SELECT r.id, s.title, r.unit_id, r.submitted_on FROM feedback_surveyresponse r"
        " JOIN feedback_survey s ON s.id = r.survey_id ORDER BY 1",
        "SELECT a.id, a.response_id, q.text, a.choice, a.number, a.text"
        " FROM feedback_surveyanswer a JOIN feedback_surveyquestion q"
        " ON q.id = a.question_id ORDER BY 1",
        "SELECT submission_key, member_id, unit_id, title, status, submitted_at,"
        " updated_at, recognised_on, applied_on, evaluated_benefit_vnd,"
        " expected_benefit_vnd FROM feedback_initiative ORDER BY 1",
        "SELECT i.submission_key, c.to_status, c.at, c.actor_id"
        " FROM feedback_initiativestatuschange c JOIN feedback_initiative i"
        " ON i.id = c.initiative_id ORDER BY 1, 2",
        "SELECT i.submission_key, c.member_id FROM feedback_initiativecoauthor c"
        " JOIN feedback_initiative i ON i.id = c.initiative_id ORDER BY 1, 2",
        "SELECT i.submission_key, f.months, f.actual_benefit_vnd, f.recorded_at"
        " FROM feedback_benefitfollowup f JOIN feedback_initiative i"
        " ON i.id = f.initiative_id ORDER BY 1, 2",
        "SELECT i.submission_key, c.name, s.reviewer_id, s.score"
        " FROM feedback_reviewscore s JOIN feedback_initiative i"
        " ON i.id = s.initiative_id JOIN feedback_reviewcriterion c"
        " ON c.id = s.criterion_id ORDER BY 1, 2, 3",
        "SELECT submit_token, member_id, unit_id, text, outcome, confidence,"
        " passages::text, helpful, created_at FROM feedback_assistantquestion"
        " ORDER BY 1",
        "SELECT q.submit_token, h.unit_id, h.due_on, h.answered_at, h.answered_by_id"
        " FROM feedback_assistanthandover h JOIN feedback_assistantquestion q"
        " ON q.id = h.question_id ORDER BY 1",
    )
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for query in queries:
            cursor.execute(query)
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
    return digest.hexdigest()


def _wipe() -> None:
    with connection.cursor() as cursor:
        # The seed's deferred foreign keys are checked first, as at a commit.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "TRUNCATE feedback_assistanthandover, feedback_assistantquestion,"
            " feedback_benefitfollowup, feedback_reviewscore,"
            " feedback_initiativestatuschange, feedback_initiativecoauthor,"
            " feedback_initiative, feedback_initiativetarget,"
            " feedback_surveyanswer, feedback_surveyparticipation,"
            " feedback_surveyresponse, feedback_surveyquestion,"
            " feedback_survey_audience_units, feedback_survey CASCADE"
        )


def test_the_same_seed_gives_the_same_rows(seeded, db):
    people, _line = seeded
    first = _digest()
    _wipe()
    feedback_scale.seed(scale=_scale(), people=people)
    assert _digest() == first
    _wipe()
    feedback_scale.seed(scale=Scale(today=TODAY, factor=FACTOR, seed=8), people=people)
    assert _digest() != first


def test_a_second_run_writes_nothing(seeded, db):
    people, _line = seeded
    before = _digest()
    counts = [
        model.objects.count()
        for model in (Survey, Initiative, InitiativeStatusChange, AssistantQuestion)
    ]
    line = feedback_scale.seed(scale=_scale(), people=people)
    assert line.count("reused") == 3
    assert _digest() == before
    assert counts == [
        model.objects.count()
        for model in (Survey, Initiative, InitiativeStatusChange, AssistantQuestion)
    ]


def test_seeded_rows_are_what_the_services_store(seeded, db):
    """A service call on the seeded data stores the same and takes the next step."""
    people, _line = seeded
    member = people.member
    # The assistant: the same wording gets the same plan, unit and ticket.
    for outcome in AssistantQuestion.Outcome.values:
        seeded_question = AssistantQuestion.objects.filter(outcome=outcome).first()
        asked = assistant_services.question_ask(
            member=member, text=seeded_question.text, submit_token=uuid.uuid4()
        )
        fields = ("topic_id", "outcome", "reason", "confidence", "curated_id")
        for name in (*fields, "passages", "retrieved"):
            assert getattr(asked, name) == getattr(seeded_question, name), name
        assert asked.unit_id == grassroots_unit(member).pk
        if outcome == AssistantQuestion.Outcome.HANDED_OVER:
            days = assistant_settings().answer_days
            ticket = seeded_question.handover
            asked_on = timezone.localtime(seeded_question.created_at).date()
            assert ticket.due_on == asked_on + timedelta(days=days)
            assert ticket.unit_id == seeded_question.unit_id
    # Surveys: an account member answers the open survey once, not twice.
    survey = Survey.objects.get(title=OPEN_TITLE.format(year=TODAY.year))
    given = {}
    for question in survey.questions.all():
        if question.kind in ("scale", "yes_no"):
            given[question.pk] = GivenAnswer(question.pk, number=1)
        elif question.kind in ("single", "multiple"):
            given[question.pk] = GivenAnswer(question.pk, choices=(0,))
    before = survey.response_count
    survey_services.survey_answer(survey=survey, member=member, given=given)
    survey.refresh_from_db()
    assert survey.response_count == before + 1 == survey.responses.count()
    with pytest.raises(ValidationError) as refused:
        survey_services.survey_answer(survey=survey, member=member, given=given)
    assert refused.value.messages == [gettext("You have already answered this survey.")]
    # Initiatives: the workflow takes the next step from the seeded states.
    officer = people.officer
    waiting = Initiative.objects.filter(status=Status.SUBMITTED).first()
    review_round = ReviewRound.objects.filter(
        unit__path=waiting.unit.path[: 2 * Unit.steplen]
    ).first()
    initiative_services.initiative_decide(
        initiative=waiting,
        to_status=Status.UNDER_REVIEW,
        actor=officer,
        review_round=review_round,
    )
    reviewed = Initiative.objects.filter(status=Status.UNDER_REVIEW).first()
    initiative_services.initiative_decide(
        initiative=reviewed,
        to_status=Status.RECOGNISED,
        actor=officer,
        evaluated_benefit_vnd=50_000_000,
    )
    assert reviewed.follow_ups.count() == 2
    recognised = Initiative.objects.filter(status=Status.RECOGNISED).first()
    initiative_services.initiative_decide(
        initiative=recognised, to_status=Status.APPLIED, actor=officer
    )
    with pytest.raises(ValidationError):
        initiative_services.initiative_decide(
            initiative=Initiative.objects.filter(status=Status.APPLIED).first(),
            to_status=Status.RECOGNISED,
            actor=officer,
            evaluated_benefit_vnd=1,
        )


def test_without_the_corpus_every_question_goes_to_an_officer(
    seeded, db, monkeypatch, tmp_path
):
    people, _line = seeded
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "TRUNCATE feedback_assistanthandover, feedback_assistantquestion CASCADE"
        )
    CuratedAnswer.objects.all().delete()
    LegalDocument.objects.all().delete()
    monkeypatch.setattr(scale_assistant, "KB_DIR", tmp_path / "kb")
    line = scale_assistant.seed_assistant(
        scale=_scale(),
        register=Register.read(admin_id=people.admin.pk),
        people=people,
    )
    assert "absent" in line
    assert not LegalArticle.objects.exists()
    questions = AssistantQuestion.objects.all()
    assert questions.count() == _scale().count("assistant_questions")
    assert not questions.filter(outcome=AssistantQuestion.Outcome.ANSWERED).exists()
    assert AssistantHandover.objects.count() == questions.count()
    assert not questions.exclude(passages=[]).exists()
