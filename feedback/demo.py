"""Member voice's part of ``seed_demo``: one function a topic, through the services."""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from members.models import Member, StaffRole

SURVEY_TITLE = "Khảo sát điều kiện làm việc và đời sống 2026"
_COMMENTS = (
    "Đề nghị tăng lương cơ bản cho công nhân",
    "Bữa ăn ca cần cải thiện chất lượng",
    "Nhà xưởng nóng, cần thêm quạt và điều hòa",
    "Mong có nhà trẻ cho con công nhân",
    "Tăng ca quá nhiều, công nhân mệt mỏi",
    "Xe đưa đón công nhân hay bị trễ",
    "Cần thêm chỗ để xe cho công nhân",
    "Bữa ăn ca ít thức ăn, chưa ngon",
)


def seed(*, people, today: date) -> str:
    """Make what is missing of member voice's demo; return the line printed."""
    return "Member voice: " + "; ".join([_surveys(people, today)])


def _surveys(people, today: date) -> str:
    """An open anonymous survey of the officer's union, answered by 60 members."""
    from feedback import services
    from feedback.models import Survey, SurveyAnalysisRun, SurveyQuestion
    from feedback.services.surveys import GivenAnswer

    role = StaffRole.objects.filter(user=people.officer).select_related("unit").first()
    if role is None:
        return "no survey (the officer has no unit)"
    unit = role.unit
    survey = Survey.objects.filter(title=SURVEY_TITLE, owner_unit=unit).first()
    if survey is None:
        zone = timezone.get_current_timezone()
        survey = Survey.objects.create(
            title=SURVEY_TITLE,
            intro="Ý kiến của đoàn viên giúp công đoàn đề xuất với doanh nghiệp.",
            owner_unit=unit,
            opens_at=datetime.combine(today - timedelta(days=5), time(7), tzinfo=zone),
            closes_at=datetime.combine(
                today + timedelta(days=9), time(17), tzinfo=zone
            ),
            status=Survey.Status.PUBLISHED,
            anonymous=True,
            created_by=people.officer,
        )
        survey.audience_units.add(unit)
        kind = SurveyQuestion.Kind
        questions = [
            (
                kind.SCALE,
                "Anh/chị hài lòng với điều kiện làm việc ở mức nào?",
                "",
                True,
            ),
            (
                kind.SINGLE,
                "Anh/chị làm việc theo ca nào?",
                "Ca ngày\nCa đêm\nCa xoay",
                True,
            ),
            (
                kind.MULTIPLE,
                "Công đoàn nên ưu tiên việc gì?",
                "Tiền lương\nBữa ăn ca\nNhà ở\nNhà trẻ\nAn toàn lao động",
                False,
            ),
            (kind.YES_NO, "Anh/chị có phải tăng ca quá giờ trong tháng qua?", "", True),
            (kind.LONG_TEXT, "Anh/chị có ý kiến gì gửi công đoàn?", "", False),
        ]
        made = [
            SurveyQuestion.objects.create(
                survey=survey,
                order=index,
                kind=k,
                text=text,
                choices=choices,
                required=req,
            )
            for index, (k, text, choices, req) in enumerate(questions, start=1)
        ]
        SurveyQuestion.objects.create(
            survey=survey,
            order=4 + 0,
            kind=kind.SHORT_TEXT,
            text="Mỗi tháng anh/chị tăng ca khoảng bao nhiêu giờ?",
            show_if_question=made[3],
            show_if_answer="yes",
        )
    if survey.response_count:
        return f"survey “{survey.title}” ({survey.response_count} responses)"
    questions = list(survey.questions.order_by("order", "pk"))
    chance = random.Random(2026)  # noqa: S311 (demo data, not security)
    members = (
        Member.objects.filter(
            unit__path__startswith=unit.path, status=Member.Status.ACTIVE
        )
        .exclude(pk=people.member.pk)
        .order_by("pk")[:60]
    )
    for member in members:
        given = {}
        for question in questions:
            if question.kind == SurveyQuestion.Kind.SCALE:
                given[question.pk] = GivenAnswer(
                    question.pk, number=chance.randint(2, 5)
                )
            elif question.kind == SurveyQuestion.Kind.SINGLE:
                given[question.pk] = GivenAnswer(
                    question.pk, choices=(chance.randrange(3),)
                )
            elif question.kind == SurveyQuestion.Kind.MULTIPLE:
                given[question.pk] = GivenAnswer(
                    question.pk, choices=tuple(sorted(chance.sample(range(5), 2)))
                )
            elif question.kind == SurveyQuestion.Kind.YES_NO:
                given[question.pk] = GivenAnswer(
                    question.pk, number=chance.randint(0, 1)
                )
            elif question.kind == SurveyQuestion.Kind.LONG_TEXT:
                given[question.pk] = GivenAnswer(
                    question.pk, text=chance.choice(_COMMENTS)
                )
            elif (
                question.show_if_question_id
                and given.get(question.show_if_question_id, GivenAnswer(0)).number == 1
            ):
                given[question.pk] = GivenAnswer(
                    question.pk, text=f"{chance.randint(5, 40)} giờ"
                )
        services.survey_answer(survey=survey, member=member, given=given)
    survey.refresh_from_db()
    text = survey.questions.get(kind=SurveyQuestion.Kind.LONG_TEXT)
    run = SurveyAnalysisRun.objects.create(
        question=text, total=text.answers.count(), started_by=people.officer
    )
    services.analysis_run(run_id=run.pk)
    return f"survey “{survey.title}” ({survey.response_count} responses, themes found)"
