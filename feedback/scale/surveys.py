"""Surveys at full size: the sector's needs survey answered by every member, and more.

Moved from benchmarks/surveys.py, which seeds its survey with
``needs_survey_seed``.
"""

import io
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.utils import timezone

from feedback.models import Survey, SurveyParticipation, SurveyQuestion
from feedback.scale.rows import Register, copy_rows, copy_text, uuid4_hex
from members.models import Unit

__all__ = ["ENDINGS", "PHRASES", "needs_survey_seed", "seed_surveys", "survey_seed"]

NEEDS_TITLE = "Khảo sát nhu cầu đoàn viên toàn ngành năm {year}"
OPEN_TITLE = "Khảo sát ý kiến đoàn viên về bữa ăn ca và nhà ở năm {year}"
UPPER_TITLE = "Khảo sát điều kiện làm việc {code} năm {year}"
UPPER_SURVEYS = 3
# Share of the members without a portal account who answered the open survey.
OPEN_ANSWERED = 0.35
UPPER_ANSWERED = 0.5
# What members write, in pieces: an answer is one to three of them.
PHRASES = (
    "đề nghị tăng lương cơ bản",
    "lương chưa đủ sống",
    "tăng phụ cấp độc hại",
    "bữa ăn ca cần cải thiện",
    "suất ăn ca ít thức ăn",
    "nhà ăn nóng và chật",
    "mong có nhà trẻ cho con công nhân",
    "cần chỗ gửi con gần công ty",
    "tăng ca quá nhiều",
    "làm thêm giờ liên tục mệt mỏi",
    "nhà xưởng nóng cần thêm quạt",
    "thiếu điều hòa ở xưởng may",
    "xe đưa đón hay bị trễ",
    "cần thêm tuyến xe đưa đón",
    "nhà trọ công nhân xuống cấp",
    "giá thuê phòng trọ tăng cao",
    "khám sức khỏe định kỳ sơ sài",
    "cần khám chuyên khoa cho lao động nữ",
    "bảo hộ lao động không đủ",
    "găng tay khẩu trang phát chậm",
    "quản lý hay quát mắng công nhân",
    "tổ trưởng ép làm thêm",
    "thưởng tết chưa rõ ràng",
    "muốn được đào tạo nâng cao tay nghề",
)
ENDINGS = ("", "", " ạ", " nhé", ", mong công đoàn quan tâm", ", cảm ơn công đoàn")
_K = SurveyQuestion.Kind
# (kind, text, choices, required); the first long text is the analysed one.
NEEDS_QUESTIONS = (
    (_K.SINGLE, "Anh/chị làm ca nào?", "Ca ngày\nCa đêm\nCa xoay", True),
    (_K.SCALE, "Mức hài lòng với tiền lương?", "", True),
    (
        _K.MULTIPLE,
        "Công đoàn nên ưu tiên gì?",
        "Lương\nBữa ăn\nNhà ở\nNhà trẻ\nAn toàn",
        False,
    ),
    (_K.YES_NO, "Có tăng ca quá giờ trong tháng?", "", True),
    (_K.SCALE, "Mức hài lòng với bữa ăn ca?", "", True),
    (_K.LONG_TEXT, "Anh/chị mong công đoàn làm gì?", "", False),
    (_K.SINGLE, "Anh/chị ở đâu?", "Nhà riêng\nNhà trọ\nKý túc xá", True),
    (_K.YES_NO, "Có con dưới 6 tuổi?", "", True),
    (
        _K.MULTIPLE,
        "Phúc lợi cần thêm?",
        "Khám sức khỏe\nDu lịch\nQuà tết\nHọc bổng",
        False,
    ),
    (_K.SHORT_TEXT, "Một điều cần sửa ngay?", "", False),
)
OPEN_QUESTIONS = (
    (_K.SCALE, "Anh/chị hài lòng với bữa ăn ca ở mức nào?", "", True),
    (_K.SINGLE, "Anh/chị đang ở đâu?", "Nhà riêng\nNhà trọ\nKý túc xá", True),
    (
        _K.MULTIPLE,
        "Bữa ăn ca cần cải thiện điều gì?",
        "Lượng thức ăn\nVệ sinh\nNhà ăn\nThực đơn",
        False,
    ),
    (_K.YES_NO, "Anh/chị có cần hỗ trợ tiền thuê nhà?", "", True),
    (_K.LONG_TEXT, "Anh/chị có ý kiến gì gửi công đoàn?", "", False),
)
UPPER_QUESTIONS = (
    (_K.SCALE, "Anh/chị hài lòng với điều kiện làm việc ở mức nào?", "", True),
    (_K.YES_NO, "Anh/chị có phải tăng ca quá giờ trong tháng qua?", "", True),
    (
        _K.MULTIPLE,
        "Công đoàn nên ưu tiên việc gì?",
        "Tiền lương\nBữa ăn ca\nNhà ở\nNhà trẻ\nAn toàn lao động",
        False,
    ),
    (_K.SHORT_TEXT, "Một điều cần sửa ngay?", "", False),
)


# Surveys ---------------------------------------------------------------------------


def seed_surveys(*, scale, register: Register, people) -> str:
    """The sector's needs survey answered by all, its open survey, upper unions'."""
    today = scale.today
    sector = register.level(Unit.Level.SECTOR)[0]
    title = NEEDS_TITLE.format(year=today.year)
    if Survey.objects.filter(title=title, owner_unit_id=sector).exists():
        counted = Survey.objects.count()
        return f"surveys reused ({counted} surveys)"
    zone = timezone.get_current_timezone()
    needs = needs_survey_seed(
        title=title,
        owner_unit_id=sector,
        opens_at=datetime.combine(today - timedelta(days=75), clock(7), tzinfo=zone),
        closes_at=datetime.combine(today - timedelta(days=45), clock(17), tzinfo=zone),
        members=[(pk, unit) for pk, unit, _user in register.members],
        rng=scale.rng("feedback.surveys.needs"),
        created_by_id=people.admin.pk,
    )
    rng = scale.rng("feedback.surveys.open")
    # No member with a portal account has answered it: the load test's do.
    without_account = [
        (pk, unit) for pk, unit, user in register.members if user is None
    ]
    open_survey = survey_seed(
        title=OPEN_TITLE.format(year=today.year),
        owner_unit_id=sector,
        questions=OPEN_QUESTIONS,
        opens_at=datetime.combine(today - timedelta(days=10), clock(7), tzinfo=zone),
        closes_at=datetime.combine(today + timedelta(days=90), clock(17), tzinfo=zone),
        members=[m for m in without_account if rng.random() < OPEN_ANSWERED],
        rng=rng,
        created_by_id=people.admin.pk,
        last_day=today,
    )
    made = [needs, open_survey]
    for number, upper in enumerate(register.level(Unit.Level.UPPER)[:UPPER_SURVEYS]):
        rng = scale.rng(f"feedback.surveys.upper.{number}")
        path = register.units[upper][0]
        closes = today - timedelta(days=120 + 60 * number)
        audience = [
            (pk, unit)
            for pk, unit, _user in register.members
            if register.units[unit][0].startswith(path)
        ]
        made.append(
            survey_seed(
                title=UPPER_TITLE.format(
                    code=Unit.objects.get(pk=upper).code, year=closes.year
                ),
                owner_unit_id=upper,
                questions=UPPER_QUESTIONS,
                opens_at=datetime.combine(
                    closes - timedelta(days=21), clock(7), tzinfo=zone
                ),
                closes_at=datetime.combine(closes, clock(17), tzinfo=zone),
                members=[m for m in audience if rng.random() < UPPER_ANSWERED],
                rng=rng,
                created_by_id=people.admin.pk,
            )
        )
    counts = ", ".join(f"{s.response_count:,}" for s in made)
    return f"surveys: {len(made)} with {counts} responses"


def needs_survey_seed(
    *,
    title: str,
    owner_unit_id: int,
    opens_at: datetime,
    closes_at: datetime,
    members: list[tuple[int, int]],
    rng,
    created_by_id: int | None = None,
    last_day: date | None = None,
) -> Survey:
    """The needs survey of the owner's members: ten questions, answered by ``members``.

    ``members`` are (member id, unit id). Every one of them answers the
    analysed free-text question (6), one to three phrases members write.
    Responses are dated from the opening to the closing or ``last_day``.
    """
    return survey_seed(
        title=title,
        owner_unit_id=owner_unit_id,
        questions=NEEDS_QUESTIONS,
        opens_at=opens_at,
        closes_at=closes_at,
        members=members,
        rng=rng,
        created_by_id=created_by_id,
        last_day=last_day,
    )


def survey_seed(
    *,
    title: str,
    owner_unit_id: int,
    questions,
    opens_at: datetime,
    closes_at: datetime,
    members: list[tuple[int, int]],
    rng,
    created_by_id: int | None = None,
    last_day: date | None = None,
) -> Survey:
    """A published anonymous survey of the owner's unit and its answers, with COPY.

    As ``survey_answer`` stores them: a participation a member (no response
    linked), a response with a random key, the respondent's unit and the day
    only, and its answers with random keys. Participations go in the members'
    order and responses in another: nothing ties one to the other.
    """
    survey = Survey.objects.create(
        title=title,
        owner_unit_id=owner_unit_id,
        opens_at=opens_at,
        closes_at=closes_at,
        status=Survey.Status.PUBLISHED,
        anonymous=True,
        created_by_id=created_by_id,
    )
    survey.audience_units.add(owner_unit_id)
    made = [
        SurveyQuestion.objects.create(
            survey=survey,
            order=order,
            kind=kind,
            text=text,
            choices=choices,
            required=required,
        )
        for order, (kind, text, choices, required) in enumerate(questions, start=1)
    ]
    analysed = next((q.pk for q in made if q.kind == _K.LONG_TEXT), None)
    plan = [(q.pk, q.kind, len(q.choice_list), q.pk == analysed) for q in made]
    first_day = timezone.localtime(opens_at).date()
    last_day = min(last_day or date.max, timezone.localtime(closes_at).date())
    days = (last_day - first_day).days + 1
    _answers_write(survey.pk, plan, members, rng, first_day, days)
    Survey.objects.filter(pk=survey.pk).update(response_count=len(members))
    survey.refresh_from_db()
    return survey


def _answers_write(survey_id, plan, members, rng, first_day: date, days: int) -> None:
    """COPY the participations, then the responses and answers in another order."""
    copy_rows(
        SurveyParticipation._meta.db_table,
        ("survey_id", "member_id", "response_id"),
        ((survey_id, member, None) for member, _unit in members),
    )
    shuffled = members[:]
    rng.shuffle(shuffled)
    responses, answers = io.StringIO(), io.StringIO()
    for _member, unit_id in shuffled:
        response = uuid4_hex(rng)
        submitted = first_day + timedelta(days=rng.randrange(days))
        responses.write(f"{response}\t{survey_id}\t{unit_id}\t{submitted}\n")
        for question, kind, choices, always in plan:
            for choice, number, text in _answers_of(kind, choices, always, rng):
                answers.write(
                    f"{uuid4_hex(rng)}\t{response}\t{question}\t{choice}\t{number}"
                    f"\t{text}\t\\N\n"
                )
    copy_text(
        "feedback_surveyresponse",
        ("id", "survey_id", "unit_id", "submitted_on"),
        responses,
    )
    copy_text(
        "feedback_surveyanswer",
        ("id", "response_id", "question_id", "choice", "number", "text", "theme_id"),
        answers,
    )


def _answers_of(kind: str, choices: int, always: bool, rng) -> list[tuple]:
    """One member's answer rows to a question: (choice, number, text), \\N for null."""
    if kind == _K.SINGLE:
        return [(str(rng.randrange(choices)), "\\N", "")]
    if kind == _K.MULTIPLE:
        chosen = rng.sample(range(choices), rng.randint(1, min(3, choices)))
        return [(str(c), "\\N", "") for c in sorted(chosen)]
    if kind == _K.SCALE:
        return [("\\N", str(rng.choices(range(1, 6), weights=(1, 2, 4, 5, 3))[0]), "")]
    if kind == _K.YES_NO:
        return [("\\N", str(rng.randint(0, 1)), "")]
    # Every member answers the analysed question; some leave the others empty.
    if not always and rng.random() < 0.1:
        return []
    parts = rng.sample(PHRASES, rng.choice((1, 1, 2, 2, 3)))
    text = (", ".join(parts) + rng.choice(ENDINGS)).capitalize()
    return [("\\N", "\\N", text)]
