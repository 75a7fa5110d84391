"""Learning's demo: what seed_demo makes of it for the demo accounts, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from learning.models import (
    Assignment,
    BadgeAward,
    Certificate,
    Course,
    Enrolment,
    Lesson,
    Quest,
    Question,
    XpEvent,
)
from members.management.commands.seed_demo import MEMBER_EMAIL
from tests.members.test_register_seed_demo import (  # noqa: F401 (an autouse fixture)
    _programme_templates,
)

pytestmark = pytest.mark.django_db


def _state():
    return (
        Course.objects.count(),
        Lesson.objects.count(),
        Question.objects.count(),
        Assignment.objects.count(),
        Enrolment.objects.count(),
        Certificate.objects.count(),
        XpEvent.objects.count(),
        BadgeAward.objects.count(),
        Quest.objects.count(),
    )


def test_the_demo_has_courses_an_assignment_and_the_members_certificate(
    settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo learning: 4 courses" in out.getvalue()
    first = _state()

    published = Course.objects.filter(status=Course.Status.PUBLISHED)
    assert published.count() == 3
    video = Lesson.objects.get(kind=Lesson.Kind.VIDEO)
    assert video.video_file.size > 0
    assert video.captions.read().startswith(b"WEBVTT")
    # The questions came in through the GIFT importer, with their answers.
    assert Question.objects.filter(answers__isnull=True).count() == 0
    assert Question.objects.filter(type=Question.Type.NUMERICAL).count() == 1

    mine = Enrolment.objects.filter(member__user__email=MEMBER_EMAIL)
    assigned = mine.get(course__slug="an-toan-so-tren-dien-thoai")
    assert assigned.source == Enrolment.Source.ASSIGNED
    assert assigned.started_at is not None
    assert assigned.completed_at is None
    law = mine.get(course__slug="hop-dong-lao-dong-co-ban")
    assert law.completed_at is not None
    assert law.best_score == 100
    assert Certificate.objects.get(enrolment=law).revoked_at is None
    # The law course earned XP and badges; staff gave one by hand; a quest runs.
    profile = law.member.xp_profile
    assert profile.total > 0
    assert profile.daily_goal == 30
    slugs = set(law.member.badge_awards.values_list("badge__slug", flat=True))
    assert {"hoan-thanh-khoa-hoc", "diem-tuyet-doi", "doan-vien-tich-cuc"} <= slugs
    assert Quest.objects.get().unit == law.member.unit

    call_command("seed_demo", stdout=StringIO())
    assert _state() == first
