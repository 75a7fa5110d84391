"""The demo of member voice: what ``seed_demo`` adds, one function a topic."""

import random
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from feedback import services
from feedback.models import Initiative, InitiativeTarget, ReviewCriterion, ReviewRound
from members.models import Member, StaffRole, Unit

# One namespace for the demo's form keys: the same title, the same key, so that
# running the demo again finds what it stored.
_DEMO_KEYS = uuid.UUID("6f1c2d1e-5b7a-4c84-9a5e-1d2f3c4b5a69")
Status = Initiative.Status

# (title, problem, solution, benefit in đồng, where it ends, days ago decided)
_INITIATIVES = [
    (
        "Tối ưu hóa quy trình xử lý sự cố cáp quang",
        "Sự cố cáp quang được giao việc qua điện thoại, mất trung bình 40 phút.",
        "Ứng dụng giao việc tự động theo vị trí tổ kỹ thuật gần nhất.",
        1_200_000_000,
        Status.APPLIED,
        230,
    ),
    (
        "Tiết kiệm điện cho trạm BTS bằng pin mặt trời",
        "Trạm BTS vùng sâu tốn nhiều tiền điện và máy phát dự phòng.",
        "Lắp pin mặt trời kết hợp ắc quy lithium cho 40 trạm thí điểm.",
        860_000_000,
        Status.RECOGNISED,
        150,
    ),
    (
        "Số hóa biên bản nghiệm thu công trình",
        "Biên bản giấy thất lạc, ký duyệt chậm nhiều ngày.",
        "Biểu mẫu điện tử có chữ ký số và lưu trữ tập trung.",
        320_000_000,
        Status.RECOGNISED,
        60,
    ),
    (
        "Tái sử dụng thùng carton đóng gói thiết bị đầu cuối",
        "Thùng carton mới được mua cho mỗi lô modem.",
        "Thu hồi thùng từ khách hàng, phân loại và dùng lại.",
        95_000_000,
        Status.RECOGNISED,
        20,
    ),
    (
        "Chatbot trả lời cước phí cho khách hàng",
        "Tổng đài quá tải vào đầu tháng khi khách hỏi cước.",
        "Chatbot trên ứng dụng trả lời các câu hỏi cước thường gặp.",
        None,
        Status.UNDER_REVIEW,
        None,
    ),
    (
        "Lịch bảo dưỡng máy phát điện theo giờ chạy",
        "Máy phát được bảo dưỡng theo lịch cố định, có máy hỏng giữa kỳ.",
        "Bảo dưỡng theo giờ chạy đo từ xa.",
        None,
        Status.REJECTED,
        40,
    ),
    (
        "Bảng giao ca điện tử cho trung tâm điều hành",
        "Giao ca bằng sổ tay mất 30 phút và dễ sót việc.",
        "Bảng giao ca dùng chung trên máy tính bảng.",
        None,
        Status.SUBMITTED,
        None,
    ),
]
_PATH = {
    Status.SUBMITTED: (),
    Status.UNDER_REVIEW: (Status.UNDER_REVIEW,),
    Status.REJECTED: (Status.UNDER_REVIEW, Status.REJECTED),
    Status.RECOGNISED: (Status.UNDER_REVIEW, Status.RECOGNISED),
    Status.APPLIED: (Status.UNDER_REVIEW, Status.RECOGNISED, Status.APPLIED),
}


def seed(*, people, today: date) -> str:
    """Make what is missing of member voice's demo; return the line to print."""
    lines = [
        seed_initiatives(people, today),
        seed_surveys(people, today),
        seed_assistant(people, today),
    ]
    return "Member voice: " + "; ".join(lines)


def _council(people, today: date) -> ReviewRound:
    employer = Unit.objects.get(pk=people.officer.staff_roles.first().unit_id)
    review_round, created = ReviewRound.objects.get_or_create(
        unit=employer,
        title=f"Hội đồng sáng kiến {employer.code} năm {today.year}",
        defaults={
            "opens_on": date(today.year, 1, 1),
            "closes_on": date(today.year, 12, 31),
        },
    )
    if created:
        for order, (name, most) in enumerate(
            (("Tính mới", 30), ("Khả năng áp dụng", 30), ("Hiệu quả kinh tế", 40)),
            start=1,
        ):
            ReviewCriterion.objects.create(
                review_round=review_round, name=name, max_score=most, order=order
            )
    for year, count, benefit in (
        (today.year, 12, 5_000_000_000),
        (today.year - 1, 10, 4_000_000_000),
    ):
        InitiativeTarget.objects.get_or_create(
            unit=employer,
            year=year,
            defaults={"recognised_count": count, "benefit_vnd": benefit},
        )
    return review_round


def _authors(people) -> list[Member]:
    """The demo member first, then members of VNPT's grassroots unions, by id."""
    employer = Unit.objects.get(pk=people.officer.staff_roles.first().unit_id)
    others = list(
        Member.objects.filter(
            unit__path__startswith=employer.path,
            status=Member.Status.ACTIVE,
            erased_at__isnull=True,
        )
        .exclude(pk=people.member.pk)
        .order_by("pk")[: len(_INITIATIVES)]
    )
    return [people.member, *others]


@transaction.atomic
def seed_initiatives(people, today: date) -> str:
    """The demo member's initiatives in every state, and their colleagues'."""
    review_round = _council(people, today)
    authors = _authors(people)
    for index, (title, problem, solution, benefit, status, ago) in enumerate(
        _INITIATIVES
    ):
        # The demo member writes the applied, the rejected and the submitted
        # ones; colleagues the rest, with the demo member as a co-author once.
        mine = status in (Status.APPLIED, Status.REJECTED, Status.SUBMITTED)
        author = authors[0] if mine or len(authors) == 1 else authors[index]
        coauthors = (
            [authors[0].employee_code]
            if not mine and index == 1 and author != authors[0]
            else []
        )
        key = uuid.uuid5(_DEMO_KEYS, title)
        if Initiative.objects.filter(member=author, submission_key=key).exists():
            continue
        initiative = services.initiative_submit(
            member=author,
            title=title,
            problem=problem,
            solution=solution,
            applied_where=f"{author.unit.name}",
            expected_benefit_vnd=benefit,
            other_benefits="Giảm thời gian chờ của khách hàng",
            coauthors=coauthors,
            submission_key=key,
        )
        for step in _PATH[status]:
            services.initiative_decide(
                initiative=initiative,
                to_status=step,
                actor=people.officer,
                review_round=review_round,
                evaluated_benefit_vnd=benefit,
                reason=(
                    "Trùng với giải pháp bảo dưỡng đang áp dụng toàn tập đoàn"
                    if step == Status.REJECTED
                    else "Có tính mới và hiệu quả rõ rệt"
                ),
                on=today - timedelta(days=ago or 0),
            )
        for follow_up in initiative.follow_ups.filter(due_on__lte=today):
            # The officer measured the benefit when it fell due.
            services.benefit_actual_record(
                follow_up=follow_up,
                actual_benefit_vnd=(benefit or 0) * follow_up.months // 12,
                note="Theo báo cáo của phòng Kế toán",
                actor=people.officer,
            )
        if status == Status.UNDER_REVIEW:
            services.review_scores_record(
                initiative=initiative,
                reviewer=people.officer,
                scores={
                    c.pk: c.max_score * 3 // 4 for c in review_round.criteria.all()
                },
            )
    total = Initiative.objects.count()
    recognised = Initiative.objects.filter(
        status__in=(Status.RECOGNISED, Status.APPLIED)
    ).count()
    return f"initiatives: {total}, {recognised} recognised"


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


def seed_surveys(people, today: date) -> str:
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
        return _surveys_line(survey)
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
    return _surveys_line(survey)


def _surveys_line(survey) -> str:
    from feedback.models import SurveyTheme

    themes = SurveyTheme.objects.filter(question__survey=survey).count()
    return (
        f"survey “{survey.title}” ({survey.response_count} responses, {themes} themes)"
    )


# The shared knowledge base beside the repository, as the tests read it.
KB_DIR = Path(settings.BASE_DIR).parent / "shared" / "kb"


def seed_assistant(people, today: date) -> str:
    """The knowledge base, a few curated answers, a question an officer answered."""
    from feedback.models import AssistantQuestion, CuratedAnswer, LegalArticle
    from feedback.services import assistant as services

    services.topics_ensure()
    if KB_DIR.is_dir() and not LegalArticle.objects.exists():
        services.corpus_load(path=KB_DIR)
    for question, variants, answer, keys in _CURATED:
        articles = list(LegalArticle.objects.filter(key__in=keys))
        if not articles or CuratedAnswer.objects.filter(question=question).exists():
            continue
        entry = CuratedAnswer.objects.create(
            question=question,
            variants=variants,
            answer=answer,
            review_on=today.replace(year=today.year + 1),
        )
        entry.articles.set(articles)
        services.curated_approve(curated=entry, actor=people.admin)
    # Fixed codes: a second run finds the same questions.
    for token, text in _QUESTIONS:
        services.question_ask(
            member=people.member, text=text, submit_token=uuid.UUID(token)
        )
    waiting = AssistantQuestion.objects.filter(
        member=people.member,
        outcome=AssistantQuestion.Outcome.HANDED_OVER,
        handover__answered_at__isnull=True,
    ).select_related("handover")
    first = waiting.order_by("pk").first()
    if first is not None and first.text == _QUESTIONS[1][1]:
        services.handover_answer(
            handover=first.handover,
            actor=people.officer,
            answer=(
                "Đoàn phí công đoàn do đoàn viên đóng hằng tháng bằng 1% tiền lương "
                "làm căn cứ đóng bảo hiểm xã hội, nộp cho công đoàn cơ sở nơi bạn "
                "sinh hoạt. Bạn liên hệ tổ công đoàn của mình để biết lịch thu."
            ),
        )
    articles = LegalArticle.objects.count()
    answers = CuratedAnswer.objects.count()
    return f"assistant: {articles} articles, {answers} curated answers"


_CURATED = (
    (
        "Nghỉ việc phải báo trước bao nhiêu ngày?",
        "Muốn nghỉ việc thì báo trước mấy ngày\nXin nghỉ việc cần báo trước bao lâu",
        "Khi tự nghỉ việc (đơn phương chấm dứt hợp đồng), bạn phải báo trước ít nhất "
        "45 ngày với hợp đồng không xác định thời hạn, 30 ngày với hợp đồng từ 12 đến "
        "36 tháng, 03 ngày làm việc với hợp đồng dưới 12 tháng; một số trường hợp "
        "(không được trả lương đủ, bị ngược đãi, quấy rối...) không cần báo trước.",
        ["45/2019/QH14#Điều 35"],
    ),
    (
        "Chồng được nghỉ mấy ngày khi vợ sinh con?",
        "Vợ đẻ thì chồng được nghỉ bao lâu\nLao động nam nghỉ thai sản khi vợ sinh",
        "Lao động nam đang đóng bảo hiểm xã hội được nghỉ 05 ngày làm việc khi vợ "
        "sinh thường, 07 ngày khi vợ sinh phải phẫu thuật hoặc sinh con dưới 32 tuần "
        "tuổi, 10 ngày khi vợ sinh đôi (thêm 03 ngày cho mỗi con từ con thứ ba), "
        "trong 60 ngày kể từ ngày vợ sinh.",
        ["41/2024/QH15#Điều 53"],
    ),
)

_QUESTIONS = (
    (
        "6d1b0f1e-5a39-4c55-9d1e-0a9d2a000001",
        "Làm thêm giờ vào ngày nghỉ hằng tuần được trả lương thế nào?",
    ),
    (
        "6d1b0f1e-5a39-4c55-9d1e-0a9d2a000002",
        "Đoàn phí công đoàn mỗi tháng đóng bao nhiêu và nộp cho ai?",
    ),
    # Left waiting for an officer: the staff home's card counts it.
    (
        "6d1b0f1e-5a39-4c55-9d1e-0a9d2a000003",
        "Công ty nợ lương tôi hai tháng, tôi có nên khởi kiện không?",
    ),
)
