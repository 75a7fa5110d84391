"""Enrolments keep when the learner started and their best score.

The course report counts from these two columns instead of probing every
learner's progress rows. Existing enrolments are filled from those rows: the
earliest lesson completed, video heartbeat or quiz submitted (a video whose
heartbeat time was never stored counts from the enrolment), and the best
submitted score at any of the course's quizzes.
"""

from django.db import migrations, models
from django.db.models import Exists, F, Max, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce, Least


def _first(queryset, field):
    return Subquery(
        queryset.order_by()
        .values("member_id")
        .annotate(first=Min(field))
        .values("first")[:1]
    )


def backfill(apps, schema_editor):
    Enrolment = apps.get_model("learning", "Enrolment")
    LessonCompletion = apps.get_model("learning", "LessonCompletion")
    VideoProgress = apps.get_model("learning", "VideoProgress")
    Attempt = apps.get_model("learning", "Attempt")
    member, course = OuterRef("member_id"), OuterRef("course_id")
    completions = LessonCompletion.objects.filter(
        member_id=member, lesson__module__course_id=course
    )
    videos = VideoProgress.objects.filter(
        member_id=member, lesson__module__course_id=course
    )
    attempts = Attempt.objects.filter(
        member_id=member,
        quiz__lesson__module__course_id=course,
        submitted_at__isnull=False,
    )
    sources = (
        (completions, _first(completions, "completed_at")),
        (videos, Coalesce(_first(videos, "last_heartbeat_at"), F("enrolled_at"))),
        (attempts, _first(attempts, "submitted_at")),
    )
    for rows, first in sources:
        Enrolment.objects.filter(Exists(rows)).update(
            started_at=Least(Coalesce("started_at", first), first)
        )
    best = (
        attempts.order_by()
        .values("member_id")
        .annotate(best=Max("score"))
        .values("best")[:1]
    )
    Enrolment.objects.filter(Exists(attempts)).update(best_score=Subquery(best))


class Migration(migrations.Migration):

    dependencies = [
        ("learning", "0002_certificates_question_formats"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrolment",
            name="best_score",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=5,
                null=True,
                verbose_name="best score",
            ),
        ),
        migrations.AddField(
            model_name="enrolment",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="started"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
