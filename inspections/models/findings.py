"""Findings of an activity, and the recommendations followed until acted on."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Finding(models.Model):
    """Something the team found; ``repeated_of`` a finding on the same topic, earlier.

    ``topic_key`` is the topic folded (case and diacritics), so that
    "Thu, nộp đoàn phí" and "thu nop doan phi" are the same topic.
    """

    activity = models.ForeignKey(
        "inspections.Activity",
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        related_name="findings",
    )
    inspected_unit = models.ForeignKey(
        "members.Unit",
        verbose_name=_("inspected unit"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    item = models.ForeignKey(
        "inspections.ChecklistItem",
        verbose_name=_("checklist item"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    topic = models.CharField(_("topic"), max_length=255)
    topic_key = models.CharField(max_length=255, editable=False, db_index=True)
    description = models.TextField(_("description"))
    repeated_of = models.ForeignKey(
        "self",
        verbose_name=_("repeats the finding"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    scope_path = "inspected_unit__path"

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "item"],
                condition=models.Q(item__isnull=False),
                name="finding_one_per_item",
            ),
        ]

    def __str__(self):
        return self.topic

    @property
    def repeated(self) -> bool:
        return self.repeated_of_id is not None


class Recommendation(models.Model):
    """What the inspected unit must do, by when; its response; its acceptance."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESPONDED = "responded", _("Response sent")
        RETURNED = "returned", _("Returned for more")
        ACCEPTED = "accepted", _("Accepted")

    WAITING_ON_UNIT = (Status.OPEN, Status.RETURNED)

    finding = models.ForeignKey(
        Finding,
        verbose_name=_("finding"),
        on_delete=models.CASCADE,
        related_name="recommendations",
    )
    inspected_unit = models.ForeignKey(
        "members.Unit",
        verbose_name=_("inspected unit"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    inspecting_unit = models.ForeignKey(
        "members.Unit",
        verbose_name=_("inspecting unit"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    text = models.TextField(_("recommendation"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner in the inspected unit"),
        on_delete=models.PROTECT,
        related_name="inspection_recommendations",
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    response = models.TextField(_("the unit's response"), blank=True)
    response_evidence = models.FileField(
        _("evidence of the response"),
        upload_to="inspections/recommendations/",
        blank=True,
    )
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    review_note = models.TextField(_("note of the inspecting unit"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    scope_path = "inspected_unit__path"
    owner_path = "owner"

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="recommendation_due_idx"),
            # The overdue list: the ones waiting on the unit, oldest due first.
            models.Index(
                fields=["due_date", "id"],
                condition=models.Q(status__in=["open", "returned"]),
                name="recommendation_waiting_idx",
            ),
        ]

    def __str__(self):
        return self.text[:80]
