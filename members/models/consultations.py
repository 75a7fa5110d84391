"""Consultations a member asks for: health or policy advice, scheduled by care staff."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models.accounts import User
from members.models.register import Member


class ConsultationRequest(models.Model):
    """A member's request for a consultation, its appointment and its outcome.

    The outcome is only whether it was held, referred or missed: no medical
    details are stored.
    """

    class Topic(models.TextChoices):
        HEALTH = "health", _("Health")
        POLICY = "policy", _("Policies: labour law, social insurance, union rights")

    class Mode(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for an appointment")
        SCHEDULED = "scheduled", _("Appointment made")
        HELD = "held", _("Held")
        REFERRED = "referred", _("Referred")
        NO_SHOW = "no_show", _("Did not take place (no-show)")
        CANCELLED = "cancelled", _("Cancelled")

    # The statuses that close a consultation which took place or was missed.
    OUTCOMES = (Status.HELD, Status.REFERRED, Status.NO_SHOW)

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    topic = models.CharField(_("topic"), max_length=8, choices=Topic.choices)
    subject = models.CharField(
        _("what about"),
        max_length=255,
        help_text=_("A few words; leave medical details for the adviser."),
    )
    mode = models.CharField(_("how"), max_length=16, choices=Mode.choices)
    preferred_times = models.CharField(
        _("preferred times"),
        max_length=255,
        help_text=_("For example: weekday evenings, Saturday morning."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.REQUESTED,
    )
    scheduled_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    adviser = models.CharField(_("adviser"), max_length=255, blank=True)
    place = models.CharField(
        _("place or link"),
        max_length=500,
        blank=True,
        help_text=_("The address, or the link of the online meeting."),
    )
    scheduled_by = models.ForeignKey(
        User,
        verbose_name=_("scheduled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    outcome_recorded_by = models.ForeignKey(
        User,
        verbose_name=_("outcome recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_path = "member__unit__path"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("consultation request")
        verbose_name_plural = _("consultation requests")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "scheduled_at"])]

    def __str__(self):
        return f"{self.get_topic_display()}: {self.subject}"
