"""Unit quests: a collective goal staff set for a unit, rewarded once when reached."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from learning.models.badges import Badge
from learning.models.courses import Course
from members.models import Unit


class Quest(models.Model):
    """ "70% of the unit's members finish a course by a date": progress and reward.

    Reaching it is claimed once (``reached_at`` set by one conditional
    update); the members of the unit then each get the badge and the points.
    """

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="quests"
    )
    title = models.CharField(_("title"), max_length=200)
    course = models.ForeignKey(
        Course,
        verbose_name=_("course to finish"),
        on_delete=models.PROTECT,
        related_name="quests",
    )
    target_percent = models.PositiveSmallIntegerField(
        _("target (percent of members)"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    badge = models.ForeignKey(
        Badge,
        verbose_name=_("badge awarded"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quests",
    )
    points = models.PositiveSmallIntegerField(_("points for each member"), default=50)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    reached_at = models.DateTimeField(_("reached"), null=True, blank=True)
    rewarded = models.PositiveIntegerField(_("members rewarded"), default=0)
    # Set once every member has their reward; a reward cut short is resumed.
    rewarded_at = models.DateTimeField(_("all rewarded"), null=True, blank=True)

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("unit quest")
        verbose_name_plural = _("unit quests")
        ordering = ["ends_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="quest_ends_after_start",
                violation_error_message=_("A quest ends on or after its start."),
            ),
            models.CheckConstraint(
                condition=Q(target_percent__gte=1, target_percent__lte=100),
                name="quest_target_percent_range",
                violation_error_message=_("The target is between 1 and 100%."),
            ),
        ]

    def __str__(self):
        return self.title
