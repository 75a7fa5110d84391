"""Learning's part of ``seed_demo``: courses, an assignment and a member's progress.

Called by ``seed_demo`` through ``LearningConfig.demo_seed``. Idempotent: a
course whose slug exists is left as it is, and every step below goes through
the services, which do nothing the second time.
"""

import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction

from learning import services
from learning.models import (
    Assignment,
    Badge,
    BadgeAward,
    Course,
    Lesson,
    Module,
    Quest,
    Quiz,
    QuizSlot,
)
from learning.question_formats.gift import parse_gift
from learning.services.videos import ffmpeg_exe
from members.models import Unit

CLIP_SECONDS = 12

SAFETY_QUESTIONS = """\
$CATEGORY: An toàn trên điện thoại

::Mã OTP::Ngân hàng gọi điện xin mã OTP để "xác minh tài khoản". Bạn nên làm gì? {
=Không cung cấp, gọi lại tổng đài in trên thẻ ngân hàng
~Đọc mã OTP cho nhân viên để được hỗ trợ nhanh#Ngân hàng không bao giờ hỏi mã OTP.
~Gửi mã OTP qua tin nhắn thay vì đọc
}

::Mật khẩu::Mật khẩu nào an toàn nhất? {
~123456
~Ngày sinh của bạn
=Một cụm từ dài, khó đoán, không dùng lại ở nơi khác
}

::Cập nhật::Cập nhật hệ điều hành điện thoại giúp vá các lỗ hổng bảo mật. {T}

::Đường link lạ::Nhận tin nhắn có đường link "nhận quà", bạn nên {
=xoá tin nhắn, không bấm vào link
~bấm thử để xem quà gì
~chuyển cho đồng nghiệp cùng xem
}
"""

LAW_QUESTIONS = """\
$CATEGORY: Hợp đồng lao động

::Hình thức hợp đồng::Hợp đồng lao động có thời hạn trên 1 tháng
phải được giao kết bằng văn bản. {T}

::Thử việc::Thời gian thử việc tối đa đối với công việc
cần trình độ cao đẳng trở lên là bao nhiêu ngày? {
~30 ngày
=60 ngày
~90 ngày
}

::Nghỉ hằng năm::Người làm việc đủ 12 tháng trong điều kiện bình thường
được nghỉ hằng năm bao nhiêu ngày làm việc? {#12}
"""

SAFETY_TEXT = (
    "Kẻ gian thường giả danh ngân hàng, cơ quan công an hoặc nhà mạng để lấy "
    "mã OTP và mật khẩu. Hãy nhớ ba điều: không cung cấp mã OTP cho bất kỳ ai; "
    "không bấm vào đường link lạ; khi nghi ngờ, gọi lại số tổng đài chính thức.\n\n"
    "Bật xác thực hai bước cho tài khoản ngân hàng, thư điện tử và mạng xã hội. "
    "Dùng mật khẩu khác nhau cho mỗi dịch vụ."
)

CAPTIONS = (
    "WEBVTT\n\n"
    "00:00:00.000 --> 00:00:04.000\n"
    "Không bao giờ đọc mã OTP cho người gọi điện.\n\n"
    "00:00:04.000 --> 00:00:08.000\n"
    "Ngân hàng không hỏi mã OTP qua điện thoại.\n\n"
    "00:00:08.000 --> 00:00:12.000\n"
    "Khi nghi ngờ, hãy gọi lại tổng đài chính thức.\n"
)

CONTRACT_TEXT = (
    "Hợp đồng lao động là sự thoả thuận giữa người lao động và người sử dụng "
    "lao động về việc làm có trả công, tiền lương, điều kiện lao động, quyền và "
    "nghĩa vụ của mỗi bên (Điều 13 Bộ luật Lao động 2019).\n\n"
    "Hợp đồng phải được giao kết bằng văn bản, trừ hợp đồng dưới 1 tháng trong "
    "một số trường hợp; người lao động được giữ một bản."
)

LEAVE_TEXT = (
    "Người lao động làm việc đủ 12 tháng được nghỉ hằng năm, hưởng nguyên "
    "lương: 12 ngày làm việc với công việc trong điều kiện bình thường; số "
    "ngày nghỉ tăng thêm theo thâm niên, cứ đủ 05 năm được thêm 01 ngày."
)

OFFICER_TEXT = (
    "Cán bộ công đoàn cơ sở đại diện, bảo vệ quyền và lợi ích hợp pháp của "
    "đoàn viên: tham gia xây dựng quy chế dân chủ, thương lượng tập thể, "
    "giám sát việc thực hiện chế độ, chính sách và chăm lo đời sống đoàn viên."
)


def seed(*, people, today: date) -> str:
    """Make what is missing of learning's demo; return the line seed_demo prints."""
    sector = Unit.objects.get(depth=1)
    member = people.member
    safety = _course(
        slug="an-toan-so-tren-dien-thoai",
        title="An toàn số trên điện thoại",
        summary="Nhận diện lừa đảo qua điện thoại, bảo vệ mã OTP và mật khẩu.",
        category=Course.Category.DIGITAL,
        owner=sector,
        build=_build_safety,
    )
    law = _course(
        slug="hop-dong-lao-dong-co-ban",
        title="Hợp đồng lao động: những điều cần biết",
        summary="Giao kết hợp đồng, thử việc và nghỉ hằng năm theo Bộ luật Lao động.",
        category=Course.Category.LAW,
        owner=sector,
        build=_build_law,
    )
    _course(
        slug="ky-nang-can-bo-cong-doan-co-so",
        title="Kỹ năng cán bộ công đoàn cơ sở",
        summary="Vai trò đại diện, thương lượng tập thể và chăm lo đoàn viên.",
        category=Course.Category.OFFICER,
        owner=sector,
        build=_build_officers,
        audience=Course.Audience.OFFICERS,
    )
    _course(
        slug="chuyen-doi-so-cho-nguoi-lao-dong",
        title="Chuyển đổi số cho người lao động",
        summary="Bản nháp: chưa mở cho đoàn viên.",
        category=Course.Category.VOCATIONAL,
        owner=sector,
        build=_build_draft,
        status=Course.Status.DRAFT,
    )
    # The member's grassroots union is assigned the safety course (once: a
    # second run would record the assignment again in the audit trail).
    if not Assignment.objects.filter(course=safety, unit=member.unit).exists():
        services.course_assign(
            course=safety,
            units=[member.unit],
            deadline=today + timedelta(days=10),
            actor=people.admin,
        )
    # The member read the first lesson of it, and finished the law course.
    reading = Lesson.objects.get(module__course=safety, kind=Lesson.Kind.TEXT)
    services.lesson_complete(member=member, lesson=reading)
    services.course_enrol(course=law, member=member)
    _finish_law(member=member, course=law)
    game = _gamification(people=people, today=today, safety=safety)
    courses = Course.objects.filter(
        slug__in=[
            "an-toan-so-tren-dien-thoai",
            "hop-dong-lao-dong-co-ban",
            "ky-nang-can-bo-cong-doan-co-so",
            "chuyen-doi-so-cho-nguoi-lao-dong",
        ]
    ).count()
    return (
        f"Demo learning: {courses} courses, the safety course assigned to "
        f"{member.unit.name}, the member's certificate of the law course; {game}."
    )


def _course(*, slug, title, summary, category, owner, build, **fields) -> Course:
    course = Course.objects.filter(slug=slug).first()
    if course is not None:
        return course
    with transaction.atomic():
        course = Course.objects.create(
            slug=slug,
            title=title,
            summary=summary,
            category=category,
            owner_unit=owner,
            audience=fields.get("audience", Course.Audience.ALL),
            status=fields.get("status", Course.Status.PUBLISHED),
        )
        build(course)
    return course


def _quiz(course: Course, module: Module, gift: str, *, order: int) -> Quiz:
    services.questions_import(course=course, result=parse_gift(gift), actor=None)
    lesson = Lesson.objects.create(
        module=module, title="Bài kiểm tra", kind=Lesson.Kind.QUIZ, order=order
    )
    quiz = Quiz.objects.create(lesson=lesson, attempts_allowed=3)
    questions = course.question_categories.get().questions.order_by("pk")
    for slot, question in enumerate(questions, start=1):
        QuizSlot.objects.create(quiz=quiz, order=slot, question=question)
    return quiz


def _build_safety(course: Course) -> None:
    module = Module.objects.create(course=course, title="Chương 1: OTP", order=1)
    video = Lesson.objects.create(
        module=module,
        title="Video: cuộc gọi giả danh ngân hàng",
        kind=Lesson.Kind.VIDEO,
        order=1,
        duration_seconds=CLIP_SECONDS,
    )
    with tempfile.TemporaryDirectory(prefix="demo-clip-") as work:
        clip = Path(work) / "otp.webm"
        _make_clip(clip)
        with clip.open("rb") as handle:
            video.video_file.save("otp.webm", File(handle), save=False)
    video.captions.save("otp.vtt", ContentFile(CAPTIONS.encode()), save=False)
    video.save()
    services.lesson_video_changed(lesson=video)
    Lesson.objects.create(
        module=module,
        title="Ba nguyên tắc giữ an toàn",
        kind=Lesson.Kind.TEXT,
        order=2,
        body=SAFETY_TEXT,
    )
    _quiz(course, module, SAFETY_QUESTIONS, order=3)


def _build_law(course: Course) -> None:
    module = Module.objects.create(course=course, title="Chương 1", order=1)
    for order, (title, body) in enumerate(
        (("Hợp đồng lao động là gì", CONTRACT_TEXT), ("Nghỉ hằng năm", LEAVE_TEXT)),
        start=1,
    ):
        Lesson.objects.create(
            module=module, title=title, kind=Lesson.Kind.TEXT, order=order, body=body
        )
    _quiz(course, module, LAW_QUESTIONS, order=3)


def _build_officers(course: Course) -> None:
    module = Module.objects.create(course=course, title="Chương 1", order=1)
    Lesson.objects.create(
        module=module,
        title="Vai trò của cán bộ công đoàn cơ sở",
        kind=Lesson.Kind.TEXT,
        order=1,
        body=OFFICER_TEXT,
    )


def _build_draft(course: Course) -> None:
    module = Module.objects.create(course=course, title="Chương 1", order=1)
    Lesson.objects.create(
        module=module,
        title="Làm việc với tài liệu trên điện toán đám mây",
        kind=Lesson.Kind.TEXT,
        order=1,
        body="Nội dung đang được biên soạn.",
    )


def _finish_law(*, member, course: Course) -> None:
    """Read the law course's lessons and pass its quiz with every answer right."""
    if course.enrolments.filter(member=member, completed_at__isnull=False).exists():
        return
    for lesson in Lesson.objects.filter(
        module__course=course, kind=Lesson.Kind.TEXT
    ).order_by("order"):
        services.lesson_complete(member=member, lesson=lesson)
    quiz = Quiz.objects.get(lesson__module__course=course)
    attempt = services.attempt_start(quiz=quiz, member=member)
    services.attempt_submit(
        attempt=attempt, member=member, responses=_right_answers(attempt)
    )


def _right_answers(attempt) -> dict:
    """The right answer of each question drawn, as the quiz page would send it."""
    from learning.models import Question

    responses = {}
    for entry in attempt.layout:
        question = Question.objects.get(pk=entry["question"])
        best = question.answers.order_by("-fraction", "order").first()
        if question.type == Question.Type.NUMERICAL:
            responses[str(question.pk)] = str(best.value.normalize())
        else:
            responses[str(question.pk)] = best.pk
    return responses


def _make_clip(path: Path) -> None:
    """A short test-pattern clip made by the ffmpeg the project installs."""
    subprocess.run(  # noqa: S603 (a fixed command, no user input)
        [
            ffmpeg_exe(),
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size=640x360:rate=15:duration={CLIP_SECONDS}",
            "-c:v",
            "libvpx",
            "-b:v",
            "600k",
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _gamification(*, people, today: date, safety: Course) -> str:
    """A badge staff award by hand, a quest for the member's union, a daily goal."""
    member = people.member
    services.daily_goal_set(member_id=member.pk, goal=30)
    badge, _created = Badge.objects.get_or_create(
        slug="doan-vien-tich-cuc",
        defaults={
            "name": "Đoàn viên tích cực",
            "description": "Nhiệt tình tham gia hoạt động Công đoàn.",
            "criteria": "Được cán bộ Công đoàn cơ sở ghi nhận.",
            "rule": Badge.Rule.MANUAL,
            "colour": Badge.Colour.GREEN,
        },
    )
    if not BadgeAward.objects.filter(badge=badge, member=member).exists():
        services.badge_award_manual(
            badge=badge,
            member=member,
            reason="Hướng dẫn đồng nghiệp cài đặt xác thực hai bước.",
            actor=people.admin,
        )
    quest_badge, _created = Badge.objects.get_or_create(
        slug="don-vi-an-toan-so",
        defaults={
            "name": "Đơn vị An toàn số",
            "description": "Cả đơn vị cùng hoàn thành khoá An toàn số.",
            "criteria": "70% đoàn viên của công đoàn cơ sở hoàn thành khoá học.",
            "rule": Badge.Rule.QUEST,
            "colour": Badge.Colour.GOLD,
        },
    )
    if not Quest.objects.filter(unit=member.unit, course=safety).exists():
        services.quest_save(
            quest=Quest(
                unit=member.unit,
                title="70% đoàn viên hoàn thành An toàn số",
                course=safety,
                target_percent=70,
                starts_on=today,
                ends_on=today + timedelta(days=30),
                badge=quest_badge,
                points=50,
            ),
            actor=people.admin,
        )
    total = member.xp_profile.total if hasattr(member, "xp_profile") else 0
    return f"{total} XP for the member, a badge, a quest for {member.unit.name}"
