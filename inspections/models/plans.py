"""A yearly plan of an inspecting unit: its inspection and supervision activities."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Plan(models.Model):
    """The year's plan of one inspecting unit (its inspection committee)."""

    inspecting_unit = models.ForeignKey(
        "members.Unit",
        verbose_name=_("inspecting unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=255)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    scope_path = "inspecting_unit__path"

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-year", "inspecting_unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspecting_unit", "year"], name="plan_unit_year_unique"
            ),
        ]

    def __str__(self):
        return self.title
