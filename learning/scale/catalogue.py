"""The full-size seed's catalogue: courses, their lessons and quizzes, and staff's rows.

Courses (published, for all members) of ``MODULES`` modules of the lessons
``MODULE_LESSONS``, each module with a question category of ``QUESTIONS``
multiple-choice questions from which its quiz draws ``DRAWN``; assignments of
courses to grassroots unions; unit quests; a year of feed posts. Small
tables: written with COPY row by row, with every timestamp taken from the
seed's clock (``Clock``), never from now().
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection

from learning.models import (
    Answer,
    Assignment,
    Course,
    FeedPost,
    Lesson,
    Module,
    Quest,
    Question,
    QuestionCategory,
    Quiz,
    QuizSlot,
)

SLUG_PREFIX = "scale-"
MODULES = 3
# Each module's lessons, in order.
MODULE_LESSONS = ("video", "video", "text", "quiz")
QUESTIONS = 5  # a module's question category
DRAWN = 4  # questions a quiz draws from it
ANSWERS = 4  # options of a question, one right
LAYOUTS = 6  # drawn layouts of each quiz the attempts reuse
PASS_MARK = 50
# The last quiz of every LIMITED_EVERY-th course allows LIMITED_ATTEMPTS.
LIMITED_EVERY = 4
LIMITED_ATTEMPTS = 3
TOPICS = (
    ("digital", "An toàn thông tin trên điện thoại"),
    ("digital", "Dịch vụ công trực tuyến"),
    ("digital", "Thanh toán không dùng tiền mặt"),
    ("digital", "Làm việc với bảng tính"),
    ("digital", "Thư điện tử và lịch công việc"),
    ("digital", "Nhận diện tin giả trên mạng xã hội"),
    ("digital", "Chữ ký số và hoá đơn điện tử"),
    ("digital", "Trí tuệ nhân tạo trong công việc"),
    ("vocational", "Chăm sóc khách hàng qua tổng đài"),
    ("vocational", "An toàn lao động khi làm việc trên cao"),
    ("vocational", "Kỹ năng giao dịch tại quầy"),
    ("vocational", "Bảo dưỡng thiết bị viễn thông"),
    ("vocational", "Giao nhận bưu phẩm an toàn"),
    ("vocational", "Kỹ năng bán hàng dịch vụ số"),
    ("officer", "Nghiệp vụ công tác công đoàn cơ sở"),
    ("officer", "Tổ chức đối thoại tại nơi làm việc"),
    ("officer", "Thương lượng thoả ước lao động tập thể"),
    ("officer", "Công tác kiểm tra, giám sát công đoàn"),
    ("officer", "Quản lý tài chính công đoàn"),
    ("law", "Bộ luật Lao động 2019: những điều cần biết"),
    ("law", "Bảo hiểm xã hội và bảo hiểm y tế"),
    ("law", "Luật Công đoàn 2024"),
    ("law", "Phòng chống quấy rối tình dục tại nơi làm việc"),
    ("law", "Chế độ thai sản và nghỉ ốm"),
)
LESSON_TITLES = {
    "video": ("Video: tổng quan", "Video: thực hành"),
    "text": ("Bài đọc: ghi nhớ",),
    "quiz": ("Bài kiểm tra",),
}
FEED_ENGAGING = (
    ("entertainment", "Giải bóng đá công nhân viên chức mở rộng"),
    ("entertainment", "Hội thi ảnh đẹp Nơi tôi làm việc"),
    ("entertainment", "Ngày hội gia đình công đoàn"),
    ("learning", "Khoá học mới trên cổng học tập"),
    ("learning", "Mẹo an toàn số của tuần"),
    ("learning", "Chia sẻ kinh nghiệm học trực tuyến"),
)
FEED_MESSAGING = (
    "Thông báo của Ban Chấp hành Công đoàn",
    "Hướng dẫn đóng đoàn phí năm mới",
    "Kế hoạch tháng công nhân",
)
# Of each audience's posts, one in MESSAGING_EVERY is union messaging: 17%.
MESSAGING_EVERY = 6


@dataclass
class CourseRow:
    """A seeded course as the activity needs it."""

    pk: int
    title: str
    # Lessons in order: (lesson id, kind, quiz id or 0, title, video seconds).
    lessons: list[tuple[int, str, int, str, int]] = field(default_factory=list)
    # Quiz id: (attempts allowed, [(layout JSON, [responses JSON by right answers])]).
    quizzes: dict[int, tuple[int, list[tuple[str, list[str]]]]] = field(
        default_factory=dict
    )


def rows_copy(model, columns: list[str], rows) -> None:
    """COPY ``rows`` (value lists in ``columns`` order) into ``model``'s table."""
    statement = "COPY {} ({}) FROM STDIN".format(
        model._meta.db_table if not isinstance(model, str) else model,
        ", ".join(columns),
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def ids_take(model, count: int) -> list[int]:
    """Take ``count`` primary keys of ``model`` in one step of its sequence."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'),"
            " nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
            [model._meta.db_table, model._meta.db_table, count],
        )
        last = cursor.fetchone()[0]
    return list(range(last - count + 1, last + 1))


def courses_seed(*, rng, count: int, owner_id: int, clock) -> list[CourseRow]:
    """Write the courses, modules, lessons, question banks and quizzes."""
    course_ids = ids_take(Course, count)
    created = clock.start - timedelta(days=30)
    courses, modules, lessons, categories = [], [], [], []
    questions, answers, quizzes, slots = [], [], [], []
    result = []
    module_ids = iter(ids_take(Module, count * MODULES))
    lesson_ids = iter(ids_take(Lesson, count * MODULES * len(MODULE_LESSONS)))
    category_ids = iter(ids_take(QuestionCategory, count * MODULES))
    question_ids = iter(ids_take(Question, count * MODULES * QUESTIONS))
    answer_ids = iter(ids_take(Answer, count * MODULES * QUESTIONS * ANSWERS))
    quiz_ids = iter(ids_take(Quiz, count * MODULES))
    for number, course_id in enumerate(course_ids, start=1):
        category, topic = TOPICS[(number - 1) % len(TOPICS)]
        part = (number - 1) // len(TOPICS)
        title = topic + (f" (phần {part + 1})" if part else "")
        slug = f"{SLUG_PREFIX}{number:03d}"
        course = CourseRow(pk=course_id, title=title)
        courses.append(
            [
                course_id,
                title,
                slug,
                f"Khoá học ngắn, học qua video và bài kiểm tra: {topic.lower()}.",
                "",
                category,
                Course.Audience.ALL,
                Course.Status.PUBLISHED,
                None,
                owner_id,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                1,
                None,
                None,
                created,
                created,
            ]
        )
        for module_order in range(1, MODULES + 1):
            module_id = next(module_ids)
            modules.append(
                [module_id, course_id, f"Chương {module_order}", module_order]
            )
            category_id = next(category_ids)
            categories.append([category_id, course_id, f"Chương {module_order}", ""])
            bank = []
            for q in range(1, QUESTIONS + 1):
                question_id = next(question_ids)
                options = [next(answer_ids) for _ in range(ANSWERS)]
                right = options[0]
                questions.append(
                    [
                        question_id,
                        category_id,
                        Question.Type.MULTICHOICE,
                        True,
                        f"Câu {module_order}.{q}",
                        f"{title}: câu hỏi {q} của chương {module_order}?",
                        Question.TextFormat.PLAIN,
                        "",
                        Question.TextFormat.PLAIN,
                        "1.00",
                        created,
                        created,
                    ]
                )
                for order, answer_id in enumerate(options):
                    answers.append(
                        [
                            answer_id,
                            question_id,
                            order,
                            "Đáp án đúng"
                            if answer_id == right
                            else f"Phương án {order}",
                            "100" if answer_id == right else "0",
                            "",
                            "",
                            Question.TextFormat.PLAIN,
                            None,
                            "0",
                            "",
                        ]
                    )
                bank.append((question_id, options, right))
            for order, kind in enumerate(MODULE_LESSONS, start=1):
                lesson_id = next(lesson_ids)
                names = LESSON_TITLES[kind]
                lesson_title = (
                    f"Bài {module_order}.{order}. {names[(order - 1) % len(names)]}"
                )
                seconds = rng.randrange(180, 601, 30) if kind == "video" else 0
                lessons.append(
                    [
                        lesson_id,
                        module_id,
                        lesson_title,
                        kind,
                        order,
                        True,
                        f"Nội dung bài đọc của {title}." if kind == "text" else "",
                        "",
                        f"https://video.congdoan.example.vn/{slug}/{lesson_id}.mp4"
                        if kind == "video"
                        else "",
                        seconds or None,
                        "",
                        "",
                        "",
                    ]
                )
                quiz_id = 0
                if kind == "quiz":
                    quiz_id = next(quiz_ids)
                    limited = number % LIMITED_EVERY == 0 and module_order == MODULES
                    allowed = LIMITED_ATTEMPTS if limited else 0
                    quizzes.append(
                        [quiz_id, lesson_id, PASS_MARK, allowed, None, True, True]
                    )
                    slots.append([quiz_id, 1, None, category_id, DRAWN])
                    course.quizzes[quiz_id] = (allowed, _layouts(rng, bank))
                course.lessons.append((lesson_id, kind, quiz_id, lesson_title, seconds))
        result.append(course)
    rows_copy(
        Course,
        [
            "id",
            "title",
            "slug",
            "summary",
            "cover",
            "category",
            "audience",
            "status",
            "deadline",
            "owner_unit_id",
            "lineage",
            "version",
            "copied_from_id",
            "created_by_id",
            "created_at",
            "updated_at",
        ],
        courses,
    )
    rows_copy(Module, ["id", "course_id", "title", '"order"'], modules)
    rows_copy(
        Lesson,
        [
            "id",
            "module_id",
            "title",
            "kind",
            '"order"',
            "required",
            "body",
            "video_file",
            "video_url",
            "duration_seconds",
            "transcript",
            "captions",
            "low_bitrate_file",
        ],
        lessons,
    )
    rows_copy(QuestionCategory, ["id", "course_id", "name", "description"], categories)
    rows_copy(
        Question,
        [
            "id",
            "category_id",
            "type",
            "single",
            "name",
            "text",
            "text_format",
            "general_feedback",
            "general_feedback_format",
            "mark",
            "created_at",
            "updated_at",
        ],
        questions,
    )
    rows_copy(
        Answer,
        [
            "id",
            "question_id",
            '"order"',
            "text",
            "fraction",
            "text_format",
            "feedback",
            "feedback_format",
            "value",
            "tolerance",
            "match_text",
        ],
        answers,
    )
    rows_copy(
        Quiz,
        [
            "id",
            "lesson_id",
            "pass_mark",
            "attempts_allowed",
            "time_limit_minutes",
            "shuffle_questions",
            "shuffle_answers",
        ],
        quizzes,
    )
    rows_copy(
        QuizSlot,
        ["quiz_id", '"order"', "question_id", "category_id", "draw_count"],
        slots,
    )
    return result


def _layouts(rng, bank) -> list[tuple[str, list[str]]]:
    """Draw a quiz's layouts as attempt_layout does, and answers scoring 0 to DRAWN."""
    result = []
    for _ in range(LAYOUTS):
        drawn = rng.sample(bank, DRAWN)
        layout, right, wrong = [], [], []
        for question_id, options, correct in drawn:
            shown = list(options)
            rng.shuffle(shown)
            layout.append({"question": question_id, "mark": "1.00", "answers": shown})
            right.append((question_id, correct))
            wrong.append((question_id, next(o for o in shown if o != correct)))
        responses = [
            json.dumps(
                {str(q): a for q, a in right[:score] + wrong[score:]},
                separators=(", ", ": "),
            )
            for score in range(DRAWN + 1)
        ]
        result.append((json.dumps(layout), responses))
    return result


def assignments_seed(*, rng, count: int, courses, units, clock) -> list[tuple]:
    """Assign courses to grassroots unions: [(id, course id, path, deadline, at)]."""
    grassroots = [(pk, path) for pk, path, level in units if level == "grassroots"]
    picked = set()
    rows, result = [], []
    ids = iter(ids_take(Assignment, count))
    while len(result) < min(count, len(grassroots) * len(courses)):
        unit_id, path = rng.choice(grassroots)
        course = rng.choice(courses)
        if (course.pk, unit_id) in picked:
            continue
        picked.add((course.pk, unit_id))
        at = clock.start + timedelta(
            days=rng.randint(0, clock.days - 30), seconds=rng.randint(28800, 61200)
        )
        deadline = clock.local_date(at) + timedelta(days=rng.choice((30, 60, 90)))
        pk = next(ids)
        rows.append([pk, course.pk, unit_id, deadline, None, at, at])
        result.append((pk, course.pk, path, deadline, at))
    rows_copy(
        Assignment,
        [
            "id",
            "course_id",
            "unit_id",
            "deadline",
            "assigned_by_id",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    return result


def quests_seed(*, rng, count: int, courses, units, clock) -> int:
    """Unit quests of the upper unions and the sector: past ones and running ones."""
    tops = [(pk, path) for pk, path, level in units if level in ("sector", "upper")]
    rows = []
    for number in range(count):
        unit_id, _path = rng.choice(tops)
        course = rng.choice(courses)
        running = number % 2 == 0
        ends = (
            clock.today + timedelta(days=rng.randint(10, 60))
            if running
            else (clock.today - timedelta(days=rng.randint(10, clock.days - 60)))
        )
        starts = ends - timedelta(days=rng.choice((30, 45, 60)))
        created = clock.aware(starts) - timedelta(days=3)
        rows.append(
            [
                unit_id,
                f"Thử thách: 80% đoàn viên hoàn thành «{course.title}»",
                course.pk,
                80,
                starts,
                ends,
                None,
                50,
                None,
                created,
                None,
                0,
                None,
            ]
        )
    rows_copy(
        Quest,
        [
            "unit_id",
            "title",
            "course_id",
            "target_percent",
            "starts_on",
            "ends_on",
            "badge_id",
            "points",
            "created_by_id",
            "created_at",
            "reached_at",
            "rewarded",
            "rewarded_at",
        ],
        rows,
    )
    return len(rows)


def feed_seed(*, rng, count: int, courses, units, clock) -> int:
    """Publish a year of feed posts: the sector's and each upper union's.

    One post in ``MESSAGING_EVERY`` of each audience is union messaging (some
    asking members to confirm), so that the 20/80 rule lets them into feeds
    soon after their release; the others entertain or link to a course.
    """
    sector = [(pk, path) for pk, path, level in units if level == "sector"]
    uppers = [(pk, path) for pk, path, level in units if level == "upper"]
    audiences = sector + uppers
    # The sector posts as much as all upper unions together.
    weights = [len(uppers)] + [1] * len(uppers) if sector else [1] * len(uppers)
    per = [0] * len(audiences)
    for _ in range(count):
        per[rng.choices(range(len(audiences)), weights=weights)[0]] += 1
    ids = iter(ids_take(FeedPost, count))
    posts, audience_rows = [], []
    span = clock.days * 86400
    for (unit_id, _path), total in zip(audiences, per, strict=True):
        moments = sorted(rng.randrange(3600, span) for _ in range(total))
        for index, offset in enumerate(moments):
            at = clock.start + timedelta(seconds=offset)
            messaging = index % MESSAGING_EVERY == MESSAGING_EVERY - 1
            confirm = messaging and rng.random() < 0.3
            link_course = None
            if messaging:
                category = FeedPost.Category.MESSAGING
                title = rng.choice(FEED_MESSAGING)
            else:
                category, title = rng.choice(FEED_ENGAGING)
                if category == FeedPost.Category.LEARNING:
                    link_course = rng.choice(courses).pk
            pk = next(ids)
            created = at - timedelta(hours=2)
            posts.append(
                [
                    pk,
                    title,
                    f"{title}. Mời đoàn viên xem chi tiết trên cổng thông tin.",
                    "",
                    "",
                    category,
                    FeedPost.LinkKind.COURSE if link_course else "",
                    link_course,
                    "",
                    unit_id,
                    at,
                    at,
                    FeedPost.Status.PUBLISHED,
                    confirm,
                    clock.local_date(at) + timedelta(days=7) if confirm else None,
                    None,
                    created,
                    at,
                ]
            )
            audience_rows.append([pk, unit_id])
    rows_copy(
        FeedPost,
        [
            "id",
            "title",
            "body",
            "image",
            "video",
            "category",
            "link_kind",
            "course_id",
            "link_path",
            "owner_unit_id",
            "publish_at",
            "released_at",
            "status",
            "confirm_required",
            "confirm_by",
            "created_by_id",
            "created_at",
            "updated_at",
        ],
        posts,
    )
    rows_copy(
        FeedPost.audience_units.through, ["feedpost_id", "unit_id"], audience_rows
    )
    return len(posts)
