"""Builders of learning test data: a small union, courses, lessons, question banks."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile

from learning.models import (
    Answer,
    Course,
    Lesson,
    Module,
    Question,
    QuestionCategory,
    Quiz,
    QuizSlot,
)
from members.models import Member, StaffRole, Unit, User
from tests.members.factories import (
    make_account,
    make_member,
    make_staff,
    make_unit,
    next_serial,
    reloaded,
)


@dataclass(frozen=True)
class SmallUnion:
    """A sector, VNPT with two grassroots unions (A: Hà Nội, B: TP. HCM), staff.

    ``member_a`` and ``member_b`` have portal accounts; ``officer_a`` is staff
    of union A only, ``officer_vnpt`` of VNPT (both unions), ``officer_b`` of B,
    each with the permissions of the officer role and no more.
    """

    sector: Unit
    vnpt: Unit
    unit_a: Unit
    group_a: Unit
    unit_b: Unit
    member_a: Member
    member_b: Member
    officer_a: User
    officer_b: User
    officer_vnpt: User


def make_learner(*, unit: Unit, full_name: str) -> Member:
    """Create a member of ``unit`` with a portal account."""
    serial = next_serial()
    member = make_member(
        unit=unit, full_name=full_name, email=f"hocvien{serial}@example.vn"
    )
    make_account(member)
    return Member.objects.select_related("unit", "user").get(pk=member.pk)


def make_small_union() -> SmallUnion:
    grassroots = Unit.Level.GRASSROOTS
    sector = make_unit(code="CDTT", name="Công đoàn TT&TT Việt Nam", level="sector")
    vnpt = make_unit(
        code="VNPT",
        name="Công đoàn VNPT",
        level=Unit.Level.UPPER,
        parent=sector,
        is_employer=True,
    )
    unit_a = make_unit(
        code="VNPT-HN", name="CĐCS VNPT Hà Nội", level=grassroots, parent=vnpt
    )
    group_a = make_unit(
        code="VNPT-HN-KT",
        name="Tổ công đoàn Kỹ thuật",
        level=Unit.Level.GROUP,
        parent=unit_a,
    )
    unit_b = make_unit(
        code="VNPT-HCM", name="CĐCS VNPT TP. Hồ Chí Minh", level=grassroots, parent=vnpt
    )
    sector, vnpt, unit_a, group_a, unit_b = (
        reloaded(unit) for unit in (sector, vnpt, unit_a, group_a, unit_b)
    )
    return SmallUnion(
        sector=sector,
        vnpt=vnpt,
        unit_a=unit_a,
        group_a=group_a,
        unit_b=unit_b,
        member_a=make_learner(unit=unit_a, full_name="Nguyễn Văn An"),
        member_b=make_learner(unit=unit_b, full_name="Trần Thị Bình"),
        officer_a=make_staff(
            email="canbo.a@example.vn",
            name="Đỗ Thị Cán Bộ",
            unit=unit_a,
            role=StaffRole.Role.OFFICER,
        ),
        officer_b=make_staff(
            email="canbo.b@example.vn",
            name="Võ Văn Sài Gòn",
            unit=unit_b,
            role=StaffRole.Role.OFFICER,
        ),
        officer_vnpt=make_staff(
            email="canbo.vnpt@example.vn",
            name="Bùi Văn Tập Đoàn",
            unit=vnpt,
            role=StaffRole.Role.OFFICER,
        ),
    )


def make_course(
    *,
    owner_unit: Unit,
    title: str = "Kỹ năng số cơ bản",
    slug: str = "",
    status: str = Course.Status.PUBLISHED,
    audience: str = Course.Audience.ALL,
    audience_units: tuple[Unit, ...] = (),
    category: str = Course.Category.DIGITAL,
    **fields,
) -> Course:
    course = Course.objects.create(
        title=title,
        slug=slug or f"khoa-hoc-{next_serial()}",
        owner_unit=owner_unit,
        status=status,
        audience=audience,
        category=category,
        **fields,
    )
    course.audience_units.set(audience_units)
    return course


def make_module(*, course: Course, title: str = "Chương 1", order: int = 1) -> Module:
    return Module.objects.create(course=course, title=title, order=order)


def make_video_lesson(
    *,
    module: Module,
    duration: int = 100,
    title: str = "Bài giảng video",
    order: int = 1,
    required: bool = True,
    uploaded: bool = False,
) -> Lesson:
    lesson = Lesson(
        module=module,
        title=title,
        kind=Lesson.Kind.VIDEO,
        order=order,
        required=required,
        duration_seconds=duration,
    )
    if uploaded:
        lesson.video_file.save("bai-giang.mp4", ContentFile(b"\x00" * 64), save=False)
    else:
        lesson.video_url = "https://video.example.vn/bai-giang.mp4"
    lesson.full_clean()
    lesson.save()
    return lesson


def make_text_lesson(
    *, module: Module, title: str = "Bài đọc", order: int = 2, required: bool = True
) -> Lesson:
    return Lesson.objects.create(
        module=module,
        title=title,
        kind=Lesson.Kind.TEXT,
        order=order,
        required=required,
        body="Nội dung bài đọc.",
    )


def make_category(*, course: Course, name: str = "Ngân hàng chung") -> QuestionCategory:
    return QuestionCategory.objects.get_or_create(course=course, name=name)[0]


def make_question(
    *,
    category: QuestionCategory,
    qtype: str,
    answers: list[dict],
    text: str = "Câu hỏi?",
    single: bool = True,
    mark: str = "1",
) -> Question:
    """Create a question with answers given as dicts of Answer fields."""
    question = Question.objects.create(
        category=category,
        type=qtype,
        single=single,
        text=text,
        mark=Decimal(mark),
    )
    for order, answer in enumerate(answers):
        fields = {"fraction": Decimal("0"), **answer}
        if "fraction" in answer:
            fields["fraction"] = Decimal(str(answer["fraction"]))
        for key in ("value", "tolerance"):
            if key in fields and fields[key] is not None:
                fields[key] = Decimal(str(fields[key]))
        Answer.objects.create(question=question, order=order, **fields)
    return question


def make_quiz_lesson(
    *,
    module: Module,
    questions: tuple[Question, ...] = (),
    draws: tuple[tuple[QuestionCategory, int], ...] = (),
    title: str = "Bài kiểm tra",
    order: int = 3,
    required: bool = True,
    **quiz_fields,
) -> Quiz:
    """Create a quiz lesson holding the questions, then the random draws."""
    lesson = Lesson.objects.create(
        module=module,
        title=title,
        kind=Lesson.Kind.QUIZ,
        order=order,
        required=required,
    )
    quiz = Quiz.objects.create(lesson=lesson, **quiz_fields)
    slot = 0
    for question in questions:
        slot += 1
        QuizSlot.objects.create(quiz=quiz, order=slot, question=question)
    for category, count in draws:
        slot += 1
        QuizSlot.objects.create(
            quiz=quiz, order=slot, category=category, draw_count=count
        )
    return quiz


def truefalse(category: QuestionCategory, *, right: bool = True, **kw) -> Question:
    return make_question(
        category=category,
        qtype=Question.Type.TRUEFALSE,
        answers=[
            {"text": "true", "fraction": 100 if right else 0},
            {"text": "false", "fraction": 0 if right else 100},
        ],
        **kw,
    )
