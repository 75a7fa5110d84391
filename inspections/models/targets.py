"""The split's targets: the share of each kind's activities to be done online."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    SUPERVISION = "supervision", _("Supervision")


class Mode(models.TextChoices):
    ONLINE = "online", _("Online")
    IN_PERSON = "in_person", _("In person")


class SplitTarget(models.Model):
    """The share of a kind's activities to be done online; the rest in person.

    Rows, not constants: the union's plan changes them (supervision 100%
    online, inspections 70% online and 30% in person in 2024).
    """

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, unique=True)
    online_percent = models.PositiveSmallIntegerField(
        _("online share (%)"), validators=[MaxValueValidator(100)]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("split target")
        verbose_name_plural = _("split targets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(online_percent__lte=100),
                name="splittarget_percent_max_100",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.online_percent}%"

    @property
    def in_person_percent(self) -> int:
        return 100 - self.online_percent
