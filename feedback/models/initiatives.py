"""Initiatives: members' ideas, their review, benefits and the programme's targets."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models import Member, Unit

__all__ = [
    "BenefitFollowUp",
    "Initiative",
    "InitiativeAttachment",
    "InitiativeCoauthor",
    "InitiativeStatusChange",
    "InitiativeTarget",
    "ReviewCriterion",
    "ReviewRound",
    "ReviewScore",
]


class Initiative(models.Model):
    """A member's initiative, from submission to recognition and application."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under council review")
        RECOGNISED = "recognised", _("Recognised")
        REJECTED = "rejected", _("Rejected")
        APPLIED = "applied", _("Applied")

    member = models.ForeignKey(
        Member,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="initiatives",
    )
    # The author's grassroots unit when submitted: the staff who review it.
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("grassroots unit"),
        on_delete=models.PROTECT,
        related_name="initiatives",
    )
    title = models.CharField(_("title"), max_length=255)
    problem = models.TextField(_("problem"))
    solution = models.TextField(_("solution"))
    applied_where = models.TextField(_("where it is applied"), blank=True)
    expected_benefit_vnd = models.BigIntegerField(
        _("expected money benefit (VND a year)"), null=True, blank=True
    )
    other_benefits = models.TextField(_("other benefits"), blank=True)
    # Folded (no diacritics, no case) title and text: the duplicates check.
    title_folded = models.CharField(max_length=255, editable=False)
    text_folded = models.TextField(editable=False)
    # The form's one-time key: a double click on "submit" stores one initiative.
    submission_key = models.UUIDField(editable=False)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.SUBMITTED,
        db_index=True,
    )
    review_round = models.ForeignKey(
        "feedback.ReviewRound",
        verbose_name=_("review round"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="initiatives",
    )
    decision_reason = models.TextField(_("reasons of the decision"), blank=True)
    evaluated_benefit_vnd = models.BigIntegerField(
        _("evaluated money benefit (VND a year)"), null=True, blank=True
    )
    recognised_on = models.DateField(_("recognised on"), null=True, blank=True)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_path = "unit__path"
    owner_path = ("member__user", "coauthors__member__user")
    scope_distinct = True

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "submission_key"],
                name="initiative_submission_once",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "recognised_on"]),
            models.Index(fields=["unit", "status"]),
        ]

    def __str__(self):
        return self.title


class InitiativeCoauthor(models.Model):
    """A member named by the author as one of the initiative's team."""

    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiative"),
        on_delete=models.CASCADE,
        related_name="coauthors",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("co-author"),
        on_delete=models.PROTECT,
        related_name="coauthored_initiatives",
    )

    scope_path = "initiative__unit__path"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("co-author")
        verbose_name_plural = _("co-authors")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "member"], name="initiative_coauthor_once"
            ),
        ]

    def __str__(self):
        return str(self.member)


def attachment_path(instance, filename: str) -> str:
    return f"feedback/initiatives/{instance.initiative_id}/{filename}"


class InitiativeAttachment(models.Model):
    """A file the author attached: drawings, calculations, photographs."""

    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiative"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    scope_path = "initiative__unit__path"
    owner_path = ("initiative__member__user", "initiative__coauthors__member__user")
    scope_distinct = True

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.name


class InitiativeStatusChange(models.Model):
    """One step of an initiative's history: who moved it, from what, to what, why."""

    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiative"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    from_status = models.CharField(
        _("from"), max_length=16, choices=Initiative.Status.choices, blank=True
    )
    to_status = models.CharField(
        _("to"), max_length=16, choices=Initiative.Status.choices
    )
    reason = models.TextField(_("reasons"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    scope_path = "initiative__unit__path"

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["at", "pk"]
        constraints = [
            # A step is taken once: a second click cannot record it again.
            models.UniqueConstraint(
                fields=["initiative", "to_status"], name="initiative_step_once"
            ),
        ]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class ReviewRound(models.Model):
    """A council's review round, with the criteria its reviewers score on."""

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("council's unit"),
        on_delete=models.PROTECT,
        related_name="initiative_review_rounds",
    )
    title = models.CharField(_("title"), max_length=255)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        ordering = ["-opens_on", "pk"]

    def __str__(self):
        return self.title


class ReviewCriterion(models.Model):
    """One criterion of a round, scored from 0 to its maximum."""

    review_round = models.ForeignKey(
        ReviewRound,
        verbose_name=_("review round"),
        on_delete=models.CASCADE,
        related_name="criteria",
    )
    name = models.CharField(_("criterion"), max_length=255)
    max_score = models.PositiveSmallIntegerField(_("maximum score"), default=10)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    scope_path = "review_round__unit__path"

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_score__gte=1), name="criterion_max_positive"
            ),
        ]

    def __str__(self):
        return self.name


class ReviewScore(models.Model):
    """A reviewer's score of an initiative on one criterion of its round."""

    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiative"),
        on_delete=models.CASCADE,
        related_name="scores",
    )
    criterion = models.ForeignKey(
        ReviewCriterion,
        verbose_name=_("criterion"),
        on_delete=models.PROTECT,
        related_name="scores",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    score = models.PositiveSmallIntegerField(_("score"))
    note = models.TextField(_("note"), blank=True)
    scored_at = models.DateTimeField(_("scored"), auto_now=True)

    scope_path = "initiative__unit__path"

    class Meta:
        verbose_name = _("review score")
        verbose_name_plural = _("review scores")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "criterion", "reviewer"],
                name="review_score_once",
            ),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.score}"


class BenefitFollowUp(models.Model):
    """The actual benefit of a recognised initiative, 6 or 12 months on."""

    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiative"),
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    months = models.PositiveSmallIntegerField(_("months after recognition"))
    due_on = models.DateField(_("due on"), db_index=True)
    actual_benefit_vnd = models.BigIntegerField(
        _("actual money benefit (VND)"), null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(_("recorded"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    scope_path = "initiative__unit__path"

    class Meta:
        verbose_name = _("benefit follow-up")
        verbose_name_plural = _("benefit follow-ups")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "months"], name="benefit_follow_up_once"
            ),
        ]

    def __str__(self):
        return f"{self.initiative} · {self.months}"


class InitiativeTarget(models.Model):
    """A unit's programme target for a year: initiatives recognised and benefit."""

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("union unit"),
        on_delete=models.PROTECT,
        related_name="initiative_targets",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    recognised_count = models.PositiveIntegerField(_("initiatives recognised"))
    benefit_vnd = models.BigIntegerField(_("money benefit (VND)"), default=0)

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("initiatives target")
        verbose_name_plural = _("initiatives targets")
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"], name="initiative_target_once"
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.year}"
