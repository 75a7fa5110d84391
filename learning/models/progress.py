"""Members' progress: what of a video they played, and the lessons they completed."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learning.models.courses import Lesson
from members.models import Member


class VideoProgress(models.Model):
    """What a member played of a video lesson, as the server counted it.

    ``intervals`` are the merged seconds of the video played at least once
    (``[[start, end], ...]``, sorted, not overlapping); ``covered_seconds`` is
    their total. ``active_seconds`` is the wall-clock time spent playing, as
    bounded by the server's clock. ``position_seconds`` is where to resume,
    which says nothing of what was watched. ``sessions`` maps each player
    session to the last heartbeat sequence taken from it, so that a replayed
    heartbeat adds nothing.
    """

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="video_progress",
    )
    lesson = models.ForeignKey(
        Lesson,
        verbose_name=_("lesson"),
        on_delete=models.PROTECT,
        related_name="video_progress",
    )
    intervals = models.JSONField(_("seconds played"), default=list)
    covered_seconds = models.FloatField(_("seconds covered"), default=0)
    active_seconds = models.FloatField(_("seconds spent playing"), default=0)
    position_seconds = models.FloatField(_("resume at (seconds)"), default=0)
    sessions = models.JSONField(default=dict, editable=False)
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    scope_path = "member__unit__path"
    # The member reaches their own in the portal (members.scope, portal=True).
    owner_path = "member__user"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("video progress")
        verbose_name_plural = _("video progress")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "lesson"], name="videoprogress_member_lesson_unique"
            ),
        ]

    def __str__(self):
        return f"{self.member} - {self.lesson}"


class LessonCompletion(models.Model):
    """A lesson a member completed: a video watched, a text read, a quiz passed."""

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="lesson_completions",
    )
    lesson = models.ForeignKey(
        Lesson,
        verbose_name=_("lesson"),
        on_delete=models.PROTECT,
        related_name="completions",
    )
    completed_at = models.DateTimeField(_("completed"), default=timezone.now)

    scope_path = "member__unit__path"
    # The member reaches their own in the portal (members.scope, portal=True).
    owner_path = "member__user"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("completed lesson")
        verbose_name_plural = _("completed lessons")
        ordering = ["-completed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "lesson"],
                name="lessoncompletion_member_lesson_unique",
            ),
        ]

    def __str__(self):
        return f"{self.member} - {self.lesson}"
