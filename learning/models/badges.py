"""Badges: what earns them, and each award published as an Open Badges assertion."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from learning.models.courses import Course
from members.models import Member


class Badge(models.Model):
    """A badge class: awarded by a rule, by a quest, or by staff with a reason."""

    class Rule(models.TextChoices):
        MANUAL = "manual", _("Awarded by staff")
        COURSE_COMPLETED = "course", _("Course completed")
        QUIZ_PERFECT = "quiz_perfect", _("Perfect quiz at the first try")
        STREAK = "streak", _("Streak of days")
        LEVEL = "level", _("Level reached")
        INITIATIVE = "initiative", _("Initiative recognised")
        QUEST = "quest", _("Unit quest reached")

    class Colour(models.TextChoices):
        BLUE = "#1d4ed8", _("Blue")
        GREEN = "#15803d", _("Green")
        RED = "#b91c1c", _("Red")
        GOLD = "#a16207", _("Gold")
        PURPLE = "#6d28d9", _("Purple")

    slug = models.SlugField(_("short name"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=128)
    description = models.TextField(_("description"))
    criteria = models.TextField(
        _("how to earn it"), help_text=_("Published with the badge.")
    )
    rule = models.CharField(_("rule"), max_length=16, choices=Rule.choices)
    threshold = models.PositiveIntegerField(
        _("threshold"),
        null=True,
        blank=True,
        help_text=_("Days of streak, or the level, for those rules."),
    )
    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="badges",
        help_text=_("For a course rule: this course only; empty for any course."),
    )
    colour = models.CharField(
        _("colour"), max_length=7, choices=Colour.choices, default=Colour.BLUE
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        ordering = ["name"]

    def __str__(self):
        return self.name


class BadgeAward(models.Model):
    """A badge awarded to a member: an Open Badges 2.0 hosted assertion.

    ``source`` says what earned it (``course:12``, ``quest:3``, ``manual:...``),
    unique with the badge and the member, so that a rule firing twice awards
    once. The recipient's e-mail is published only hashed with ``salt``.
    """

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True)
    badge = models.ForeignKey(
        Badge, verbose_name=_("badge"), on_delete=models.PROTECT, related_name="awards"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="badge_awards",
    )
    source = models.CharField(_("earned by"), max_length=64)
    reason = models.TextField(_("reason"), blank=True)
    awarded_at = models.DateTimeField(_("awarded"))
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("awarded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recipient_email = models.EmailField(_("recipient e-mail"), blank=True)
    salt = models.CharField(_("salt"), max_length=32)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)

    scope_path = "member__unit__path"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("badge award")
        verbose_name_plural = _("badge awards")
        ordering = ["-awarded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["badge", "member", "source"],
                name="badgeaward_once_per_source",
                violation_error_message=_(
                    "This member already holds this badge for this."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.badge} - {self.member}"
