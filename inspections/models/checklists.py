"""Checklist templates (versioned), their items, and an activity's answers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChecklistTemplate(models.Model):
    """A version of a checklist; a version in use by an activity never changes.

    Editing a template used by an activity makes a new version with the same
    ``code`` (``checklist_template_revise``), so that old activities keep the
    questions they were answered against.
    """

    code = models.SlugField(_("code"), max_length=64)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=255)
    topic = models.CharField(_("topic"), max_length=255)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="checklist_code_version_unique"
            ),
        ]

    def __str__(self):
        return f"{self.title} (v{self.version})"


class ChecklistItem(models.Model):
    """One question of a template: yes/no/not applicable, a score, or text."""

    class AnswerType(models.TextChoices):
        YES_NO = "yes_no", _("Compliant / not compliant / not applicable")
        SCORE = "score", _("Score")
        TEXT = "text", _("Text")

    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("checklist template"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=500)
    answer_type = models.CharField(
        _("answer type"), max_length=8, choices=AnswerType.choices
    )
    max_score = models.PositiveSmallIntegerField(_("highest score"), default=10)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text


class Verdict(models.TextChoices):
    COMPLIANT = "yes", _("Compliant")
    NOT_COMPLIANT = "no", _("Not compliant")
    NOT_APPLICABLE = "na", _("Not applicable")


def evidence_path(instance, filename: str) -> str:
    return f"inspections/{instance.activity_id}/answers/{filename}"


class ChecklistAnswer(models.Model):
    """The current answer to one item of an activity's checklist.

    ``revision`` counts the answers applied: a device sends the revision it
    last saw, and an answer based on an older one is a conflict, kept in
    ``AnswerSubmission`` for the lead rather than written over this.
    """

    activity = models.ForeignKey(
        "inspections.Activity",
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    item = models.ForeignKey(
        ChecklistItem,
        verbose_name=_("checklist item"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    verdict = models.CharField(
        _("verdict"), max_length=3, choices=Verdict.choices, blank=True
    )
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    text = models.TextField(_("answer"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to=evidence_path, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"))
    revision = models.PositiveIntegerField(_("revision"), default=1)

    scope_path = "activity__inspected_unit__path"

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        ordering = ["item__order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "item"], name="answer_activity_item_unique"
            ),
        ]

    def __str__(self):
        return f"{self.item}: {self.get_verdict_display() or self.score or self.text}"


class AnswerSubmission(models.Model):
    """Every answer anybody sent, applied or not: who answered what, when, from where.

    ``client_key`` is the sending device's id for this edit: the same edit
    synced twice (a retry after a lost response) is recorded once.
    """

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        CONFLICT = "conflict", _("Conflict: waiting for the lead")
        KEPT = "kept", _("Conflict: the other answer kept")
        TAKEN = "taken", _("Conflict: this answer taken")

    class Source(models.TextChoices):
        PORTAL = "portal", _("Portal, online")
        OFFLINE = "offline", _("Answered offline, synced later")

    activity = models.ForeignKey(
        "inspections.Activity",
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        related_name="submissions",
    )
    item = models.ForeignKey(
        ChecklistItem,
        verbose_name=_("checklist item"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    verdict = models.CharField(
        _("verdict"), max_length=3, choices=Verdict.choices, blank=True
    )
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    text = models.TextField(_("answer"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to=evidence_path, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered on the device"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    device = models.CharField(_("device"), max_length=64, blank=True)
    client_key = models.CharField(max_length=64)
    base_revision = models.PositiveIntegerField(_("revision seen"), default=0)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    scope_path = "activity__inspected_unit__path"
    owner_path = ("activity__lead", "activity__team", "activity__contacts")
    scope_distinct = True

    class Meta:
        verbose_name = _("answer submission")
        verbose_name_plural = _("answer submissions")
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "submitted_by", "client_key"],
                name="submission_client_key_unique",
            ),
        ]

    def __str__(self):
        return f"{self.item} ({self.get_outcome_display()})"
