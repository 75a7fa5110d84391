"""Quizzes scored on the server: each type, attempts, the time limit, tampering."""

import contextlib
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from learning import services
from learning.models import Attempt, LessonCompletion, Question
from learning.selectors.quizzes import quiz_grade
from learning.services import quizzes as quiz_service
from tests.learning.factories import (
    make_category,
    make_question,
    make_quiz_lesson,
    truefalse,
)

pytestmark = pytest.mark.django_db

START = "2025-03-10 09:00 +0700"


@pytest.fixture
def bank(course):
    return make_category(course=course)


@pytest.fixture
def enrolled(union, course):
    return services.course_enrol(course=course, member=union.member_a)


def answer_ids(question: Question) -> dict[str, int]:
    """Return the ids of a question's answers by their text (or match)."""
    return {a.text or a.match_text: a.pk for a in question.answers.all()}


def score_of(member, quiz, responses: dict) -> Decimal:
    attempt = services.attempt_start(quiz=quiz, member=member)
    return services.attempt_submit(
        attempt=attempt, member=member, responses=responses
    ).score


# Scoring, type by type --------------------------------------------------------


def test_single_choice_scores_the_chosen_answer_and_never_below_zero(
    union, module, bank, enrolled
):
    question = make_question(
        category=bank,
        qtype=Question.Type.MULTICHOICE,
        answers=[
            {"text": "Hà Nội", "fraction": 100},
            {"text": "Huế", "fraction": 0},
            {"text": "Đà Nẵng", "fraction": -50},
        ],
    )
    quiz = make_quiz_lesson(module=module, questions=(question,))
    ids, key = answer_ids(question), str(question.pk)
    member = union.member_a

    assert score_of(member, quiz, {key: ids["Hà Nội"]}) == 100
    assert score_of(member, quiz, {key: str(ids["Hà Nội"])}) == 100
    assert score_of(member, quiz, {key: ids["Huế"]}) == 0
    assert score_of(member, quiz, {key: ids["Đà Nẵng"]}) == 0
    assert score_of(member, quiz, {key: [ids["Hà Nội"]]}) == 0


def test_several_choices_add_their_weights_and_floor_at_zero(
    union, module, bank, enrolled
):
    question = make_question(
        category=bank,
        qtype=Question.Type.MULTICHOICE,
        single=False,
        answers=[
            {"text": "Điện thoại", "fraction": 50},
            {"text": "Máy tính", "fraction": 50},
            {"text": "Tủ lạnh", "fraction": -100},
            {"text": "Quạt", "fraction": -100},
        ],
    )
    quiz = make_quiz_lesson(module=module, questions=(question,))
    ids, key = answer_ids(question), str(question.pk)
    member = union.member_a

    assert score_of(member, quiz, {key: [ids["Điện thoại"], ids["Máy tính"]]}) == 100
    assert score_of(member, quiz, {key: [ids["Điện thoại"]]}) == 50
    # The same right answer twice counts once.
    assert score_of(member, quiz, {key: [ids["Điện thoại"]] * 2}) == 50
    assert score_of(member, quiz, {key: [ids["Điện thoại"], ids["Tủ lạnh"]]}) == 0
    assert score_of(member, quiz, {key: list(ids.values())}) == 0
    assert score_of(member, quiz, {key: ids["Điện thoại"]}) == 0


def test_true_false_scores_the_right_choice(union, module, bank, enrolled):
    question = truefalse(bank, right=False)
    quiz = make_quiz_lesson(module=module, questions=(question,))
    ids, key = answer_ids(question), str(question.pk)

    assert score_of(union.member_a, quiz, {key: ids["false"]}) == 100
    assert score_of(union.member_a, quiz, {key: ids["true"]}) == 0


def test_short_answer_ignores_case_spacing_and_unicode_form_and_takes_wildcards(
    union, module, bank, enrolled
):
    question = make_question(
        category=bank,
        qtype=Question.Type.SHORTANSWER,
        answers=[
            {"text": "Hà Nội", "fraction": 100},
            {"text": "*Chí Minh", "fraction": 50},
            {"text": "5\\* sao", "fraction": 100},
        ],
    )
    quiz = make_quiz_lesson(module=module, questions=(question,))
    key, member = str(question.pk), union.member_a
    nfd = "Ha\u0300 No\u0302\u0323i"

    assert score_of(member, quiz, {key: "  hà   NỘI "}) == 100
    assert score_of(member, quiz, {key: nfd}) == 100
    assert score_of(member, quiz, {key: "TP. Hồ Chí Minh"}) == 50
    assert score_of(member, quiz, {key: "5* sao"}) == 100
    assert score_of(member, quiz, {key: "5 sao"}) == 0
    assert score_of(member, quiz, {key: "Hà Nội cũ"}) == 0
    assert score_of(member, quiz, {key: ""}) == 0


def test_numerical_takes_a_tolerance_a_range_and_partial_answers(
    union, module, bank, enrolled
):
    born = make_question(
        category=bank,
        qtype=Question.Type.NUMERICAL,
        answers=[
            {"text": "1822", "value": 1822, "tolerance": 0, "fraction": 100},
            {"text": "1822:2", "value": 1822, "tolerance": 2, "fraction": 50},
        ],
    )
    pi = make_question(
        category=bank,
        qtype=Question.Type.NUMERICAL,
        # Moodle reads {#3.141..3.142} as 3.1415 with a tolerance of 0.0005.
        answers=[{"value": "3.1415", "tolerance": "0.0005", "fraction": 100}],
    )
    member = union.member_a
    quiz = make_quiz_lesson(module=module, questions=(born,), title="Năm sinh")
    key = str(born.pk)
    assert score_of(member, quiz, {key: "1822"}) == 100
    assert score_of(member, quiz, {key: 1822}) == 100
    assert score_of(member, quiz, {key: "1824"}) == 50
    assert score_of(member, quiz, {key: "1825"}) == 0
    assert score_of(member, quiz, {key: "một nghìn"}) == 0

    quiz = make_quiz_lesson(module=module, questions=(pi,), title="Số pi", order=4)
    key = str(pi.pk)
    assert score_of(member, quiz, {key: "3,1416"}) == 100
    assert score_of(member, quiz, {key: " 3.142 "}) == 100
    assert score_of(member, quiz, {key: "3.1425"}) == 0
    assert score_of(member, quiz, {key: "1.234,5"}) == 0


def test_matching_scores_each_pair_and_an_extra_match_answers_nothing(
    union, module, bank, enrolled
):
    question = make_question(
        category=bank,
        qtype=Question.Type.MATCHING,
        answers=[
            {"text": "Canada", "match_text": "Ottawa"},
            {"text": "Italy", "match_text": "Rome"},
            {"text": "Japan", "match_text": "Tokyo"},
            {"text": "", "match_text": "Paris"},
        ],
    )
    quiz = make_quiz_lesson(module=module, questions=(question,))
    member, key = union.member_a, str(question.pk)
    ids = answer_ids(question)
    attempt = services.attempt_start(quiz=quiz, member=member)
    entry = attempt.layout[0]
    pairs = sorted(ids[country] for country in ("Canada", "Italy", "Japan"))
    assert sorted(entry["answers"]) == pairs
    assert len(entry["choices"]) == 4

    right = {
        str(ids["Canada"]): ids["Canada"],
        str(ids["Italy"]): ids["Italy"],
        str(ids["Japan"]): ids["Paris"],
    }
    attempt = services.attempt_submit(
        attempt=attempt, member=member, responses={key: right}
    )
    assert attempt.score == Decimal("66.66")


# Attempts ----------------------------------------------------------------------


def test_an_attempt_past_the_number_allowed_is_refused(union, module, bank, enrolled):
    quiz = make_quiz_lesson(
        module=module, questions=(truefalse(bank),), attempts_allowed=2
    )
    member = union.member_a
    for _ in range(2):
        score_of(member, quiz, {})

    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        services.attempt_start(quiz=quiz, member=member)

    with translation.override("vi"):
        expected = translation.ngettext(
            "You have used the %(count)s attempt this quiz allows.",
            "You have used all %(count)s attempts this quiz allows.",
            2,
        ) % {"count": 2}
    assert refused.value.messages == [expected]
    assert "attempt" not in expected
    assert Attempt.objects.filter(member=member, quiz=quiz).count() == 2


def test_starting_again_returns_the_attempt_in_progress(union, module, bank, enrolled):
    quiz = make_quiz_lesson(module=module, questions=(truefalse(bank),))
    first = services.attempt_start(quiz=quiz, member=union.member_a)
    again = services.attempt_start(quiz=quiz, member=union.member_a)

    assert again.pk == first.pk
    assert again.layout == first.layout


def test_a_member_not_enrolled_cannot_start(union, module, bank):
    quiz = make_quiz_lesson(module=module, questions=(truefalse(bank),))
    with pytest.raises(ValidationError):
        services.attempt_start(quiz=quiz, member=union.member_b)
    assert not Attempt.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_starts_at_once_cannot_pass_the_attempts_allowed(
    postgresql, monkeypatch, union, module, bank, enrolled
):
    """Two tabs start the last attempt at once: one attempt, both are given it.

    Each start is held after counting the attempts used until both have
    counted, or 2 s passed: under the enrolment lock the second cannot count
    before the first committed, so it finds the first's attempt in progress.
    """
    quiz = make_quiz_lesson(
        module=module, questions=(truefalse(bank),), attempts_allowed=2
    )
    member = union.member_a
    score_of(member, quiz, {})
    barrier = threading.Barrier(2, timeout=2)
    count = quiz_service._attempts_used

    def count_then_wait(**kwargs):
        used = count(**kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return used

    monkeypatch.setattr(quiz_service, "_attempts_used", count_then_wait)
    started, errors = [], []

    def start():
        try:
            started.append(services.attempt_start(quiz=quiz, member=member).pk)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert errors == []
    assert Attempt.objects.filter(member=member, quiz=quiz).count() == 2
    assert len(set(started)) == 1


# Time limit ----------------------------------------------------------------------


@pytest.fixture
def timed(module, bank, enrolled, time_machine):
    time_machine.move_to(START, tick=False)
    question = truefalse(bank)
    quiz = make_quiz_lesson(module=module, questions=(question,), time_limit_minutes=10)
    return quiz, question


def test_answers_sent_after_the_time_limit_are_not_counted(union, timed, time_machine):
    quiz, question = timed
    ids, key, member = answer_ids(question), str(question.pk), union.member_a
    attempt = services.attempt_start(quiz=quiz, member=member)
    time_machine.shift(5 * 60)
    services.attempt_save(attempt=attempt, member=member, responses={key: ids["false"]})

    time_machine.shift(6 * 60)
    with pytest.raises(ValidationError):
        services.attempt_save(
            attempt=attempt, member=member, responses={key: ids["true"]}
        )
    submitted = services.attempt_submit(
        attempt=attempt, member=member, responses={key: ids["true"]}
    )

    assert submitted.late is True
    assert submitted.score == 0
    assert submitted.responses == {key: ids["false"]}


def test_answers_within_the_grace_after_the_limit_count(union, timed, time_machine):
    quiz, question = timed
    ids, key, member = answer_ids(question), str(question.pk), union.member_a
    attempt = services.attempt_start(quiz=quiz, member=member)
    time_machine.shift(10 * 60 + 20)

    submitted = services.attempt_submit(
        attempt=attempt, member=member, responses={key: ids["true"]}
    )

    assert submitted.late is False
    assert submitted.score == 100


def test_an_attempt_left_past_its_time_is_closed_when_the_next_starts(
    union, timed, time_machine
):
    quiz, question = timed
    ids, key, member = answer_ids(question), str(question.pk), union.member_a
    first = services.attempt_start(quiz=quiz, member=member)
    services.attempt_save(attempt=first, member=member, responses={key: ids["true"]})
    time_machine.shift(3600)

    second = services.attempt_start(quiz=quiz, member=member)

    first.refresh_from_db()
    assert second.number == 2
    assert first.submitted_at is not None
    assert first.late is True
    assert first.score == 100


# Tampering -----------------------------------------------------------------------


def test_a_posted_score_and_answers_to_other_questions_are_ignored(
    union, module, bank, enrolled
):
    asked = truefalse(bank, text="Câu được hỏi")
    other = truefalse(bank, text="Câu không có trong bài")
    quiz = make_quiz_lesson(module=module, questions=(asked,))
    member = union.member_a
    attempt = services.attempt_start(quiz=quiz, member=member)

    submitted = services.attempt_submit(
        attempt=attempt,
        member=member,
        responses={
            "score": 100,
            "passed": True,
            str(other.pk): answer_ids(other)["true"],
            # The right answer's id of another question, posted for this one.
            str(asked.pk): answer_ids(other)["true"],
        },
    )

    assert submitted.score == 0
    assert submitted.passed is False
    assert set(submitted.responses) == {str(asked.pk)}


def test_another_members_attempt_is_refused_and_left_alone(
    union, module, bank, enrolled, course
):
    question = truefalse(bank)
    quiz = make_quiz_lesson(module=module, questions=(question,))
    services.course_enrol(course=course, member=union.member_b)
    attempt = services.attempt_start(quiz=quiz, member=union.member_a)
    key, right = str(question.pk), answer_ids(question)["true"]

    with pytest.raises(PermissionDenied):
        services.attempt_save(
            attempt=attempt, member=union.member_b, responses={key: right}
        )
    with pytest.raises(PermissionDenied):
        services.attempt_submit(
            attempt=attempt, member=union.member_b, responses={key: right}
        )

    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert attempt.responses == {}


def test_a_submitted_attempt_cannot_be_submitted_again(union, module, bank, enrolled):
    question = truefalse(bank)
    quiz = make_quiz_lesson(module=module, questions=(question,))
    attempt = services.attempt_start(quiz=quiz, member=union.member_a)
    services.attempt_submit(attempt=attempt, member=union.member_a, responses={})

    with pytest.raises(ValidationError):
        services.attempt_submit(
            attempt=attempt,
            member=union.member_a,
            responses={str(question.pk): answer_ids(question)["true"]},
        )
    attempt.refresh_from_db()
    assert attempt.score == 0


FIVE_OPTIONS = [{"text": f"Ý {n}", "fraction": 100 * (n == 0)} for n in range(5)]


# Drawing, shuffling, grades --------------------------------------------------------


def test_a_quiz_draws_n_questions_of_a_category_besides_its_fixed_ones(
    union, module, course, enrolled
):
    pool = make_category(course=course, name="Pháp luật lao động")
    questions = [truefalse(pool, text=f"Câu {n}") for n in range(5)]
    quiz = make_quiz_lesson(
        module=module, questions=(questions[0],), draws=((pool, 3),)
    )

    layout = services.attempt_start(quiz=quiz, member=union.member_a).layout

    drawn = [entry["question"] for entry in layout]
    assert len(drawn) == len(set(drawn)) == 4
    assert questions[0].pk in drawn
    assert set(drawn) <= {q.pk for q in questions}


def test_a_category_too_small_for_its_draw_refuses_to_start(
    union, module, course, enrolled
):
    pool = make_category(course=course, name="Ít câu")
    truefalse(pool)
    quiz = make_quiz_lesson(module=module, draws=((pool, 2),))

    with pytest.raises(ValidationError):
        services.attempt_start(quiz=quiz, member=union.member_a)
    assert not Attempt.objects.exists()


def test_options_are_shuffled_per_attempt_and_kept_with_it(
    union, module, bank, enrolled
):
    question = make_question(
        category=bank,
        qtype=Question.Type.MULTICHOICE,
        answers=FIVE_OPTIONS,
    )
    quiz = make_quiz_lesson(module=module, questions=(question,))
    member, orders = union.member_a, set()
    for _ in range(12):
        attempt = services.attempt_start(quiz=quiz, member=member)
        orders.add(tuple(attempt.layout[0]["answers"]))
        attempt.refresh_from_db()
        assert tuple(attempt.layout[0]["answers"]) in orders
        services.attempt_submit(attempt=attempt, member=member, responses={})

    assert len(orders) > 1
    ids = sorted(answer_ids(question).values())
    assert all(sorted(order) == ids for order in orders)


def test_options_keep_the_bank_order_when_shuffling_is_off(
    union, module, bank, enrolled
):
    question = make_question(
        category=bank,
        qtype=Question.Type.MULTICHOICE,
        answers=FIVE_OPTIONS,
    )
    quiz = make_quiz_lesson(module=module, questions=(question,), shuffle_answers=False)
    attempt = services.attempt_start(quiz=quiz, member=union.member_a)

    assert attempt.layout[0]["answers"] == list(
        question.answers.order_by("order").values_list("pk", flat=True)
    )


def test_the_grade_is_the_best_attempt_and_a_pass_completes_the_lesson_for_good(
    union, module, bank, enrolled
):
    questions = [truefalse(bank, text=f"Câu {n}") for n in range(4)]
    quiz = make_quiz_lesson(module=module, questions=tuple(questions), pass_mark=75)
    member = union.member_a

    def right(count):
        return {str(q.pk): answer_ids(q)["true"] for q in questions[:count]}

    assert score_of(member, quiz, right(2)) == 50
    assert not LessonCompletion.objects.filter(lesson=quiz.lesson).exists()
    assert score_of(member, quiz, right(3)) == 75
    assert score_of(member, quiz, right(1)) == 25

    assert quiz_grade(member=member, quiz=quiz) == 75
    assert LessonCompletion.objects.filter(member=member, lesson=quiz.lesson).exists()
    enrolled.refresh_from_db()
    # The quiz was the course's only required lesson.
    assert enrolled.completed_at is not None
