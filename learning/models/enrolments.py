"""Who learns what: courses assigned to units, and members' enrolments."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learning.models.courses import Course
from members.models import Member, Unit


class Assignment(models.Model):
    """A course staff assigned to a unit: its members, and later joiners, learn it."""

    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("union unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Its members and the members of the units under it."),
    )
    deadline = models.DateField(_("deadline"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("course assignment")
        verbose_name_plural = _("course assignments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "unit"],
                name="assignment_course_unit_unique",
                violation_error_message=_(
                    "This course is already assigned to this unit."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.course} → {self.unit}"


class Enrolment(models.Model):
    """A member learning a course, by their own choice or by an assignment."""

    class Source(models.TextChoices):
        SELF = "self", _("Enrolled themselves")
        ASSIGNED = "assigned", _("Assigned")

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrolments",
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # Kept by the services as the learner goes, so that the course report is
    # one GROUP BY over enrolments: the first time the learner read, watched
    # or submitted something of the course, and their best submitted score at
    # any of its quizzes.
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    best_score = models.DecimalField(
        _("best score"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    scope_path = "member__unit__path"
    # The member reaches their own in the portal (members.scope, portal=True).
    owner_path = "member__user"

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-enrolled_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "course"],
                name="enrolment_member_course_unique",
                violation_error_message=_(
                    "This member is already enrolled in this course."
                ),
            ),
        ]
        indexes = [
            # Reminders look for unfinished enrolments by their deadline.
            models.Index(
                fields=["deadline"],
                condition=Q(completed_at__isnull=True, deadline__isnull=False),
                name="enrolment_deadline_open_idx",
            ),
            models.Index(fields=["course", "completed_at"]),
        ]

    def __str__(self):
        return f"{self.member} - {self.course}"
