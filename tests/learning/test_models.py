"""Learning models hold their rules: NFC text, one row an occasion, valid lessons."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from learning.models import (
    Attempt,
    Course,
    Enrolment,
    Lesson,
    LessonCompletion,
    Question,
    VideoProgress,
)
from learning.models.courses import captions_validator
from tests.learning.factories import make_category, make_question, make_quiz_lesson

pytestmark = pytest.mark.django_db


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_text_is_stored_in_nfc_whichever_form_was_typed(union, module):
    course = Course.objects.create(
        title=nfd("  Kỹ năng   số cho người lao động "),
        slug="ky-nang-so",
        summary=nfd("Học cách dùng điện thoại.\r\nDòng thứ hai."),
        category=Course.Category.DIGITAL,
        owner_unit=union.vnpt,
    )
    question = make_question(
        category=make_category(course=course),
        qtype=Question.Type.SHORTANSWER,
        text=nfd("Thủ đô của Việt Nam?"),
        answers=[{"text": nfd("Hà Nội"), "fraction": 100}],
    )

    course.refresh_from_db()
    question.refresh_from_db()
    assert course.title == "Kỹ năng số cho người lao động"
    assert course.summary == "Học cách dùng điện thoại.\nDòng thứ hai."
    assert unicodedata.is_normalized("NFC", question.text)
    assert question.answers.get().text == "Hà Nội"
    # A lookup typed in NFD finds the NFC row.
    assert Course.objects.filter(title=nfd("Kỹ năng số cho người lao động")).exists()


def test_a_member_has_one_enrolment_per_course(union, course):
    Enrolment.objects.create(
        member=union.member_a, course=course, source=Enrolment.Source.SELF
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            member=union.member_a, course=course, source=Enrolment.Source.ASSIGNED
        )


def test_an_attempt_number_is_taken_once_and_one_attempt_is_open(union, module):
    quiz = make_quiz_lesson(module=module)
    now = timezone.now()
    Attempt.objects.create(
        member=union.member_a, quiz=quiz, number=1, started_at=now, submitted_at=now
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(
            member=union.member_a, quiz=quiz, number=1, started_at=now
        )
    Attempt.objects.create(member=union.member_a, quiz=quiz, number=2, started_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(
            member=union.member_a, quiz=quiz, number=3, started_at=now
        )


def test_a_video_lesson_needs_one_source_and_a_duration(module):
    lesson = Lesson(module=module, title="Video", kind=Lesson.Kind.VIDEO)
    with pytest.raises(ValidationError) as refused:
        lesson.full_clean()
    assert set(refused.value.message_dict) >= {"video_file", "duration_seconds"}

    lesson.video_url = "https://video.example.vn/a.mp4"
    lesson.duration_seconds = 90
    lesson.video_file.save("a.mp4", ContentFile(b"\x00"), save=False)
    with pytest.raises(ValidationError):
        lesson.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        lesson.save()


def test_an_uploaded_video_must_be_mp4_or_webm(module):
    lesson = Lesson(
        module=module, title="Video", kind=Lesson.Kind.VIDEO, duration_seconds=60
    )
    lesson.video_file.save("bai.avi", ContentFile(b"\x00"), save=False)
    with pytest.raises(ValidationError) as refused:
        lesson.full_clean()
    assert "video_file" in refused.value.message_dict


def test_captions_must_be_webvtt():
    captions_validator(ContentFile(b"\xef\xbb\xbfWEBVTT\n\n00:00.000 --> 00:01.000\nA"))
    with pytest.raises(ValidationError):
        captions_validator(ContentFile(b"1\n00:00:00,000 --> 00:00:01,000\nSRT"))


def test_learners_records_keep_their_lesson_from_being_deleted(union, video):
    VideoProgress.objects.create(member=union.member_a, lesson=video)
    LessonCompletion.objects.create(
        member=union.member_a, lesson=video, completed_at=timezone.now()
    )
    with pytest.raises(ProtectedError):
        video.delete()
    with pytest.raises(ProtectedError):
        video.module.course.delete()


def test_a_draft_course_without_learners_deletes_with_its_bank(union, module):
    category = make_category(course=module.course)
    question = make_question(
        category=category,
        qtype=Question.Type.TRUEFALSE,
        answers=[{"text": "true", "fraction": 100}, {"text": "false"}],
    )
    make_quiz_lesson(module=module, questions=(question,))

    module.course.delete()

    assert not Question.objects.exists()


def test_only_multiple_choice_takes_a_negative_fraction(module):
    category = make_category(course=module.course)
    question = make_question(
        category=category,
        qtype=Question.Type.SHORTANSWER,
        answers=[{"text": "Hà Nội", "fraction": 100}],
    )
    answer = question.answers.get()
    answer.fraction = -50
    with pytest.raises(ValidationError):
        answer.full_clean()
