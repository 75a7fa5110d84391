"""Inspection and supervision activities, their team and their files."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from inspections.models.targets import Kind, Mode


class Activity(models.Model):
    """One inspection or supervision of a unit, online or in person.

    ``inspecting_unit`` and ``year`` repeat the plan's, for the split's
    counts; ``original_start`` keeps the date first planned, so that an
    activity moved to another quarter shows as moved.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        CONCLUDED = "concluded", _("Concluded")
        CLOSED = "closed", _("Follow-up closed")
        CANCELLED = "cancelled", _("Cancelled")

    DONE = (Status.CONCLUDED, Status.CLOSED)

    plan = models.ForeignKey(
        "inspections.Plan",
        verbose_name=_("plan"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    inspecting_unit = models.ForeignKey(
        "members.Unit",
        verbose_name=_("inspecting unit"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    inspected_unit = models.ForeignKey(
        "members.Unit",
        verbose_name=_("inspected unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices)
    topic = models.CharField(_("topic"), max_length=255)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    original_start = models.DateField(
        _("first planned start"), editable=False, null=True
    )
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team lead"),
        on_delete=models.PROTECT,
        related_name="inspections_led",
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team members"),
        related_name="inspections_on_team",
        blank=True,
    )
    contacts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contacts of the inspected unit"),
        related_name="inspections_answering",
        blank=True,
        help_text=_(
            "People of the inspected unit who upload documents and answer the "
            "checklist in the portal."
        ),
    )
    checklist = models.ForeignKey(
        "inspections.ChecklistTemplate",
        verbose_name=_("checklist"),
        on_delete=models.PROTECT,
        related_name="activities",
        null=True,
        blank=True,
    )
    minutes = models.TextField(_("minutes"), blank=True)
    cancelled_reason = models.CharField(
        _("reason cancelled"), max_length=255, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # The inspected unit lies in the inspecting unit's subtree (a rule of the
    # services), so its path opens the activity to the staff of both.
    scope_path = "inspected_unit__path"
    owner_path = ("lead", "team", "contacts")
    scope_distinct = True

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["planned_start", "pk"]
        indexes = [
            models.Index(
                fields=["year", "inspecting_unit", "kind"], name="activity_split_idx"
            ),
            models.Index(fields=["status", "planned_start"], name="activity_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end__gte=models.F("planned_start")),
                name="activity_planned_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.topic}"

    @property
    def done_on(self):
        """The day the activity counts as done on: its end, else its start."""
        return self.actual_end or self.actual_start or self.planned_end


def document_path(instance, filename: str) -> str:
    return f"inspections/{instance.activity_id}/{filename}"


class ActivityDocument(models.Model):
    """A file of an activity: the minutes, evidence, or a document the unit sent."""

    class Kind(models.TextChoices):
        MINUTES = "minutes", pgettext_lazy("meeting", "Minutes")
        EVIDENCE = "evidence", _("Evidence")
        UNIT_DOCUMENT = "unit_document", _("Document from the inspected unit")

    class Review(models.TextChoices):
        PENDING = "pending", _("Not reviewed")
        ACCEPTED = "accepted", _("Accepted")
        MORE_NEEDED = "more_needed", _("More needed")

    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255)
    file = models.FileField(_("file"), upload_to=document_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    review = models.CharField(
        _("review"), max_length=16, choices=Review.choices, default=Review.PENDING
    )
    review_note = models.TextField(_("review note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    scope_path = "activity__inspected_unit__path"
    # Everyone on the activity (the team, the unit's contacts) reads its files.
    owner_path = ("activity__lead", "activity__team", "activity__contacts")
    scope_distinct = True

    class Meta:
        verbose_name = _("activity document")
        verbose_name_plural = _("activity documents")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.title


class CalendarFeed(models.Model):
    """A staff member's private calendar address: the token is the key."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.CASCADE,
        related_name="inspection_calendar",
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    owner_path = "user"

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.user)
