"""Care cases (chăm lo) and the visits and support logged in them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models.accounts import User
from members.models.register import Member, Relative


class CareCase(models.Model):
    """A care case (chăm lo): a member or relative who needs the union's support."""

    class Kind(models.TextChoices):
        ILLNESS = "illness", _("Illness or hospital")
        CHILDBIRTH = "childbirth", _("Childbirth")
        BEREAVEMENT = "bereavement", _("Bereavement")
        HARDSHIP = "hardship", _("Hardship")
        WEDDING = "wedding", _("Wedding")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="care_cases",
    )
    relative = models.ForeignKey(
        Relative,
        verbose_name=_("relative concerned"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="care_cases",
        help_text=_("Leave empty when the case concerns the member."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    summary = models.CharField(_("summary"), max_length=255)
    details = models.TextField(_("details"), blank=True)
    opened_on = models.DateField(_("opened on"))
    follow_up_on = models.DateField(
        _("next follow-up"),
        null=True,
        blank=True,
        help_text=_("A date to visit or call again; it shows on the care radar."),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    last_visit_on = models.DateField(_("last visit"), null=True, editable=False)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("opened by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    scope_path = "member__unit__path"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("care case")
        verbose_name_plural = _("care cases")
        ordering = ["-opened_on", "-pk"]
        indexes = [models.Index(fields=["status", "last_visit_on"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.summary}"


class CareVisit(models.Model):
    """A visit, call or support given in a care case."""

    case = models.ForeignKey(
        CareCase,
        verbose_name=_("care case"),
        on_delete=models.CASCADE,
        related_name="visits",
    )
    visited_on = models.DateField(_("date"))
    visited_by = models.CharField(
        _("by whom"), max_length=255, help_text=_("Names of those who visited.")
    )
    amount = models.PositiveBigIntegerField(
        _("amount (VND)"), default=0, help_text=_("Money given, in đồng.")
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    scope_path = "case__member__unit__path"
    owner_path = "case__member__user"

    class Meta:
        verbose_name = _("care visit")
        verbose_name_plural = _("care visits")
        ordering = ["-visited_on", "-pk"]

    def __str__(self):
        return f"{self.visited_on:%d/%m/%Y}, {self.visited_by}"
