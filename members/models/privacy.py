"""Data-subject rights: members' requests (access, correction, erasure, objection)
and their consents to optional processing (Law 91/2025/QH15, Decree 356/2025).
"""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models.accounts import User
from members.models.register import Member


class DataRightsRequest(models.Model):
    """A member's request about their personal data, and how staff handled it.

    Acknowledged within 2 working days (Monday to Friday, Vietnam time) and
    done within 15 days of receipt: ``acknowledge_by`` and ``complete_by``
    are the last days allowed (members.services.data_rights).
    """

    class Kind(models.TextChoices):
        ACCESS = "access", _("A copy of my data")
        CORRECTION = "correction", _("Correct my data")
        ERASURE = "erasure", _("Erase my data")
        OBJECTION = "objection", _("Object to a use of my data")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")

    OPEN = (Status.RECEIVED, Status.ACKNOWLEDGED)
    # A deadline this close is shown in amber in the admin and told again.
    DUE_SOON_DAYS = 3

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="data_rights_requests",
    )
    kind = models.CharField(_("request"), max_length=16, choices=Kind.choices)
    details = models.TextField(
        _("details"),
        blank=True,
        help_text=_("What to correct, erase or stop, and why."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    acknowledge_by = models.DateField(_("acknowledge by"))
    complete_by = models.DateField(_("complete by"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    response = models.TextField(
        _("answer to the member"),
        blank=True,
        help_text=_("What was done, or why the request is refused."),
    )
    submitted_by = models.ForeignKey(
        User,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    handled_by = models.ForeignKey(
        User,
        verbose_name=_("handled by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )

    scope_path = "member__unit__path"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("data-rights request")
        verbose_name_plural = _("data-rights requests")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["status", "complete_by"])]
        constraints = [
            # One open request of a kind a member: two sent at the same moment
            # (a double tap, two tabs) cannot both pass the service's check.
            models.UniqueConstraint(
                fields=["member", "kind"],
                condition=Q(status__in=["received", "acknowledged"]),
                name="data_rights_request_one_open",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    def overdue(self, today) -> bool:
        """Return whether a deadline passed with the request not handled."""
        if self.status == self.Status.RECEIVED and today > self.acknowledge_by:
            return True
        return self.status in self.OPEN and today > self.complete_by


class Consent(models.Model):
    """A member's consent to one optional processing, given and perhaps withdrawn.

    A new consent is a new row; withdrawing stamps ``withdrawn_at``. At most
    one row a member and purpose is in force.
    """

    class Purpose(models.TextChoices):
        RELATIVES = "relatives", _("Care for my relatives")
        LEADERBOARD = "leaderboard", _("My name on learning leaderboards")

    # The wording's version each purpose is consented to; raise it when the
    # text the portal shows changes.
    VERSIONS = {Purpose.RELATIVES: "2025-1", Purpose.LEADERBOARD: "2025-1"}
    # In force without a record: relatives' details are declared by the member
    # for the union's care (until withdrawn); leaderboards need a yes.
    DEFAULTS = {Purpose.RELATIVES: True, Purpose.LEADERBOARD: False}

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="consents",
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    version = models.CharField(_("version"), max_length=16)
    # Empty where a consent in force by default was withdrawn, never given.
    given_at = models.DateTimeField(_("given"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    scope_path = "member__unit__path"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["member", "purpose", "-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_in_force",
            ),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} ({self.version})"


def relatives_allowed_q(member: str = "member") -> Q:
    """Return the filter of rows whose member has not withdrawn relatives' consent.

    ``member`` is the path to the member from the filtered model ("member"
    for relatives, "pk" for members themselves).
    """
    withdrawn = Consent.objects.filter(
        member=OuterRef(member),
        purpose=Consent.Purpose.RELATIVES,
        withdrawn_at__isnull=False,
    )
    in_force = Consent.objects.filter(
        member=OuterRef(member),
        purpose=Consent.Purpose.RELATIVES,
        withdrawn_at__isnull=True,
    )
    return ~Exists(withdrawn) | Exists(in_force)
