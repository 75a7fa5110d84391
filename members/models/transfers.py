"""Transfers of members between units."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models.accounts import User
from members.models.register import Member
from members.models.units import Unit


class Transfer(models.Model):
    """A member moving to another unit: one side proposes, the other confirms.

    The sending unit releases a member the receiving unit asked for (an HRM
    file that brought the member's CCCD); the receiving unit accepts a member
    the sending unit offered. Who may act on which side is decided in
    members.services.transfers.
    """

    class Side(models.TextChoices):
        SENDING = "sending", _("The sending unit")
        RECEIVING = "receiving", _("The receiving unit")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the other unit")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    from_unit = models.ForeignKey(
        Unit, verbose_name=_("from unit"), on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        Unit, verbose_name=_("to unit"), on_delete=models.PROTECT, related_name="+"
    )
    # Moving to another employer (proposed by an HRM import): the new natural key.
    to_employer = models.ForeignKey(
        Unit,
        verbose_name=_("new employer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_employee_code = models.CharField(
        _("new employee code"), max_length=64, blank=True
    )
    transfer_on = models.DateField(_("transfer date"))
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    proposer_side = models.CharField(
        _("proposed by"),
        max_length=16,
        choices=Side.choices,
        default=Side.SENDING,
        editable=False,
    )
    requested_by = models.ForeignKey(
        User,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    # Both ends see a transfer: the sending unit and the receiving unit.
    scope_path = ("from_unit__path", "to_unit__path")
    owner_path = "member__user"

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(state="pending"),
                name="transfer_one_pending_per_member",
            ),
        ]

    def __str__(self):
        # No member and no sending unit: the receiving side may not know them yet.
        return _("Transfer %(number)s to %(unit)s") % {
            "number": self.pk or "",
            "unit": self.to_unit,
        }
