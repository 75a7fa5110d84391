"""Points: the append-only XP ledger, its rules, levels, and each member's profile."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import Member


class XpReason(models.TextChoices):
    LESSON_COMPLETED = "lesson", _("Lesson completed")
    QUIZ_PASSED = "quiz_passed", _("Quiz passed")
    QUIZ_PERFECT = "quiz_perfect", _("Perfect quiz at the first try")
    COURSE_COMPLETED = "course", _("Course completed")
    PRACTICE = "practice", _("Practice replay")
    INITIATIVE = "initiative", _("Initiative recognised")
    SURVEY = "survey", _("Survey answered")
    QUEST = "quest", _("Unit quest reached")


class XpRule(models.Model):
    """The points one reason earns; staff edit them in the admin."""

    reason = models.CharField(
        _("reason"), max_length=16, choices=XpReason.choices, unique=True
    )
    points = models.PositiveSmallIntegerField(
        _("points"),
        help_text=_(
            "For practice replays: the first replay of a quiz in a day earns "
            "these points, the second half of them, later ones none."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("XP rule")
        verbose_name_plural = _("XP rules")
        ordering = ["reason"]

    def __str__(self):
        return f"{self.get_reason_display()}: {self.points}"


class XpEvent(models.Model):
    """One line of the ledger: never changed, never deleted.

    The key (member, reason, source, period) is unique, so that a lesson
    completed twice, a quiz passed again or an event heard twice adds
    nothing. An event the cheat guard refused is kept with 0 points and the
    reason the member sees in their history.
    """

    class Blocked(models.TextChoices):
        RATE = "rate", _("More than 10 point events in one minute")
        REPEAT = "repeat", _("The same activity again within 3 minutes")
        DAILY = "daily", _("Practice points for this quiz are used up today")

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="xp_events",
    )
    reason = models.CharField(_("reason"), max_length=16, choices=XpReason.choices)
    source_type = models.CharField(_("source type"), max_length=16)
    source_id = models.BigIntegerField(_("source id"))
    period = models.CharField(_("period"), max_length=16, blank=True, default="")
    points = models.PositiveSmallIntegerField(_("points"))
    blocked = models.CharField(
        _("not credited because"),
        max_length=8,
        choices=Blocked.choices,
        blank=True,
        default="",
    )
    created_at = models.DateTimeField(_("time"))
    day = models.DateField(_("local day"))
    title = models.CharField(_("what"), max_length=255, blank=True)

    scope_path = "member__unit__path"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("XP event")
        verbose_name_plural = _("XP events")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "reason", "source_type", "source_id", "period"],
                name="xpevent_one_per_source_period",
            ),
        ]
        indexes = [
            models.Index(
                fields=["member", "-created_at"], name="xpevent_member_recent"
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.get_reason_display()} +{self.points}"


class XpDay(models.Model):
    """A member's points of one local day: the daily goal, streaks and weekly boards."""

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="xp_days",
    )
    day = models.DateField(_("day"))
    points = models.PositiveIntegerField(_("points"), default=0)

    scope_path = "member__unit__path"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("XP of a day")
        verbose_name_plural = _("XP of days")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "day"], name="xpday_one_per_member_day"
            ),
        ]
        indexes = [models.Index(fields=["day", "member"], name="xpday_day_member")]

    def __str__(self):
        return f"{self.member} {self.day:%d/%m/%Y}: {self.points}"


class Level(models.Model):
    """A level and the total XP that reaches it; staff edit the table."""

    number = models.PositiveSmallIntegerField(
        _("level"), unique=True, validators=[MinValueValidator(1)]
    )
    threshold = models.PositiveIntegerField(_("XP needed"), unique=True)
    title = models.CharField(_("title"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("level")
        verbose_name_plural = _("levels")
        ordering = ["number"]

    def __str__(self):
        return f"{self.number}: {self.threshold}"


class XpProfile(models.Model):
    """A member's cached total and level, daily goal, streak and leaderboard choice.

    The total and level are rebuilt from the ledger by ``manage.py rebuild_xp``.
    """

    GOAL_CHOICES = (10, 20, 30, 50)
    FREEZES_MAX = 2
    FREEZE_EVERY = 7

    member = models.OneToOneField(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="xp_profile",
    )
    total = models.PositiveIntegerField(_("total XP"), default=0)
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    daily_goal = models.PositiveSmallIntegerField(
        _("daily goal"), default=20, choices=[(n, n) for n in GOAL_CHOICES]
    )
    streak = models.PositiveIntegerField(_("streak (days)"), default=0)
    streak_best = models.PositiveIntegerField(_("best streak (days)"), default=0)
    # The last local day the streak counted: a goal met or a freeze used.
    streak_day = models.DateField(_("streak counted to"), null=True, blank=True)
    freezes = models.PositiveSmallIntegerField(_("streak freezes held"), default=0)
    freezes_used = models.PositiveIntegerField(_("streak freezes used"), default=0)
    leaderboard_hidden = models.BooleanField(
        _("hidden from leaderboards"), default=False
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_path = "member__unit__path"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("XP profile")
        verbose_name_plural = _("XP profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(freezes__lte=2), name="xpprofile_freezes_at_most_two"
            ),
        ]

    def __str__(self):
        return f"{self.member}: {self.total} XP"
