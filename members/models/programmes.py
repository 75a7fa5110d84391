"""Care programmes: eligibility rules, eligible lists, budgets and deliveries."""

import re

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.models.accounts import User
from members.models.register import Member, Relative
from members.models.units import Unit


class ProgrammeTemplate(models.Model):
    """A ready-made programme (fields, rules, amounts) that staff copy and adjust.

    Templates are data, installed by a migration; ``definition`` holds the
    programme's fields, its ``rules`` and its amount ``bands`` in the form
    members.services.programmes.programme_create_from_template reads.
    """

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    definition = models.JSONField(_("definition"), default=dict)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("programme template")
        verbose_name_plural = _("programme templates")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CareProgramme(models.Model):
    """A care programme of a unit: a benefit for the members its rules select."""

    class Beneficiary(models.TextChoices):
        MEMBER = "member", _("Members")
        RELATIVE = "relative", _("Members' relatives")

    class Benefit(models.TextChoices):
        CASH = "cash", _("Money")
        GIFT = "gift", _("Gift")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("care programme", "Draft")
        OPEN = "open", pgettext_lazy("care programme", "Open")
        CLOSED = "closed", pgettext_lazy("care programme", "Closed")

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("organising unit"),
        on_delete=models.PROTECT,
        related_name="care_programmes",
        help_text=_("Members of this unit and of the units under it are considered."),
    )
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    beneficiary = models.CharField(
        _("who receives it"),
        max_length=16,
        choices=Beneficiary.choices,
        default=Beneficiary.MEMBER,
    )
    benefit = models.CharField(
        _("benefit"), max_length=8, choices=Benefit.choices, default=Benefit.CASH
    )
    gift = models.CharField(
        _("gift"),
        max_length=255,
        blank=True,
        help_text=_("What is given, when the benefit is a gift."),
    )
    amount = models.PositiveBigIntegerField(
        _("amount (VND)"),
        default=0,
        help_text=_("Money given to each, or the value of the gift, in đồng."),
    )
    extra_amount = models.PositiveBigIntegerField(
        _("extra for each further relative (VND)"),
        default=0,
        help_text=_(
            "Added for each relative beyond the first who meets the relative "
            "rules, e.g. each extra child of a multiple birth."
        ),
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    reference_on = models.DateField(
        _("reference date"),
        null=True,
        blank=True,
        help_text=_(
            "Ages and years of service are counted on this date; empty: the "
            "period start."
        ),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    template = models.ForeignKey(
        ProgrammeTemplate,
        verbose_name=_("made from template"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    refreshed_at = models.DateTimeField(
        _("eligible list generated"), null=True, editable=False
    )
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Staff of units under the organiser see it where their units have eligible
    # rows: through the units listed, a few hundred rows, not the list itself.
    scope_path = ("unit__path", "listed_units__unit__path")
    scope_distinct = True

    class Meta:
        verbose_name = _("care programme")
        verbose_name_plural = _("care programmes")
        ordering = ["-period_start", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="programme_period_ordered",
                violation_error_message=_("The period cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def reference_date(self):
        """Return the date on which ages are counted."""
        return self.reference_on or self.period_start


class ProgrammeUnit(models.Model):
    """A unit with rows in a programme's eligible list, kept by each refresh.

    It opens the programme (read-only) to the unit's staff without joining the
    eligible list itself, which holds tens of thousands of rows a programme.
    """

    programme = models.ForeignKey(
        CareProgramme,
        verbose_name=_("care programme"),
        on_delete=models.CASCADE,
        related_name="listed_units",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("union unit"), on_delete=models.CASCADE, related_name="+"
    )

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("unit listed")
        verbose_name_plural = _("units listed")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "unit"], name="programme_unit_once"
            ),
        ]

    def __str__(self):
        return f"{self.programme}: {self.unit}"


class ProgrammeRule(models.Model):
    """One condition of a programme's eligibility, on a register field.

    All rules must hold. The relative rules hold for one and the same relative:
    the relative who receives the benefit, or, when members receive it, at
    least one of the member's relatives.
    """

    class Field(models.TextChoices):
        GENDER = "gender", _("Member: gender")
        AGE = "age", _("Member: age on the reference date")
        UNIT = "unit", _("Member: union unit (codes)")
        STATUS = "status", _("Member: status")
        YEARS_OF_SERVICE = "years_of_service", _("Member: years of service")
        CARE_CASE = "care_case", _("Member: has an open care case of kind")
        RELATIONSHIP = "relationship", _("Relative: relationship")
        RELATIVE_AGE = "relative_age", _("Relative: age on the reference date")
        BORN_IN_PERIOD = "born_in_period", _("Relative: born in the period")

    class Operator(models.TextChoices):
        IS = "eq", _("is")
        IN = "in", _("is one of")
        NOT_IN = "not_in", _("is none of")
        LT = "lt", _("is under")
        LTE = "lte", _("is at most")
        GT = "gt", _("is over")
        GTE = "gte", _("is at least")

    programme = models.ForeignKey(
        CareProgramme,
        verbose_name=_("care programme"),
        on_delete=models.CASCADE,
        related_name="rules",
    )
    field = models.CharField(_("field"), max_length=24, choices=Field.choices)
    operator = models.CharField(_("condition"), max_length=8, choices=Operator.choices)
    value = models.CharField(
        _("value"),
        max_length=255,
        help_text=_(
            "A number of years; or values separated by commas, as the register "
            "shows them (Nữ, Đang sinh hoạt, Con, ...); unit codes; yes or no."
        ),
    )

    scope_path = "programme__unit__path"

    class Meta:
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")
        ordering = ["programme", "pk"]

    def __str__(self):
        return (
            f"{self.get_field_display()} {self.get_operator_display()} "
            f"{self.value_display()}"
        )

    def value_display(self) -> str:
        """Return the value with its codes as their labels ("female" -> "Nữ")."""
        from members.eligibility import FIELDS

        spec = FIELDS.get(self.field)
        if spec is None or spec.choices is None:
            return self.value
        labels = {str(value): str(label) for value, label in spec.choices.choices}
        parts = [part.strip() for part in re.split(r"[,;\n]", self.value)]
        return ", ".join(labels.get(part, part) for part in parts if part)

    def clean(self):
        from members.eligibility import rule_parse

        super().clean()
        rule_parse(
            {"field": self.field, "operator": self.operator, "value": self.value}
        )


class ProgrammeAmountBand(models.Model):
    """An amount that replaces the programme's from a beneficiary's age on."""

    programme = models.ForeignKey(
        CareProgramme,
        verbose_name=_("care programme"),
        on_delete=models.CASCADE,
        related_name="bands",
    )
    from_age = models.PositiveSmallIntegerField(
        _("from age"), help_text=_("Age on the reference date, in years.")
    )
    amount = models.PositiveBigIntegerField(_("amount (VND)"))

    scope_path = "programme__unit__path"

    class Meta:
        verbose_name = _("amount by age")
        verbose_name_plural = _("amounts by age")
        ordering = ["programme", "from_age"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "from_age"],
                name="programme_band_unique",
                violation_error_message=_("This age already has an amount."),
            ),
        ]

    def __str__(self):
        return f"{self.from_age}+: {self.amount}"


class ProgrammeBudget(models.Model):
    """What a unit may spend on a programme, its subtree's deliveries included."""

    programme = models.ForeignKey(
        CareProgramme,
        verbose_name=_("care programme"),
        on_delete=models.CASCADE,
        related_name="budgets",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("union unit"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.PositiveBigIntegerField(_("budget (VND)"))

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("programme budget")
        verbose_name_plural = _("programme budgets")
        ordering = ["programme", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "unit"],
                name="programme_budget_unique",
                violation_error_message=_("This unit already has a budget here."),
            ),
        ]

    def __str__(self):
        return f"{self.programme}: {self.unit}"


class ProgrammeEligibility(models.Model):
    """A row of a programme's eligible list: a member, or one of their relatives.

    Generated from the rules; one row per beneficiary (``beneficiary_key`` is
    ``m<member id>`` or ``r<relative id>``). ``unit`` is the member's current
    unit: a member who moves takes their row to the new unit's list.
    """

    programme = models.ForeignKey(
        CareProgramme,
        verbose_name=_("care programme"),
        on_delete=models.CASCADE,
        related_name="eligibilities",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="programme_eligibilities",
    )
    relative = models.ForeignKey(
        Relative,
        verbose_name=_("relative"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="programme_eligibilities",
    )
    beneficiary_key = models.CharField(max_length=24, editable=False)
    unit = models.ForeignKey(
        Unit, verbose_name=_("union unit"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    created_at = models.DateTimeField(_("listed since"))
    updated_at = models.DateTimeField(_("updated"))

    scope_path = "unit__path"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("eligible beneficiary")
        verbose_name_plural = _("eligible lists")
        ordering = ["programme", "unit__path", "member__full_name_folded", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "beneficiary_key"],
                name="programme_eligibility_once",
            ),
        ]
        indexes = [models.Index(fields=["programme", "unit"])]

    def __str__(self):
        if self.relative_id:
            return f"{self.relative.full_name} ({self.member.full_name})"
        return self.member.full_name


class ProgrammeDelivery(models.Model):
    """A benefit given to, or declined by, one beneficiary: at most once a programme.

    ``unit`` is where it was delivered, whose budget it counts against.
    """

    class Outcome(models.TextChoices):
        GIVEN = "given", _("Given")
        DECLINED = "declined", _("Declined")

    programme = models.ForeignKey(
        CareProgramme,
        verbose_name=_("care programme"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="programme_deliveries",
    )
    relative = models.ForeignKey(
        Relative,
        verbose_name=_("relative"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="programme_deliveries",
    )
    beneficiary_key = models.CharField(max_length=24, editable=False)
    beneficiary_name = models.CharField(_("beneficiary"), max_length=255)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("delivered by unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    amount = models.PositiveBigIntegerField(_("amount (VND)"), default=0)
    delivered_on = models.DateField(_("date"))
    delivered_by = models.CharField(
        _("by whom"), max_length=255, help_text=_("Names of those who delivered it.")
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    over_budget = models.BooleanField(
        _("over budget"),
        default=False,
        help_text=_("Recorded after a warning that it exceeds a budget."),
    )
    recorded_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    # The unit that delivered it and the member's unit now both see it.
    scope_path = ("unit__path", "member__unit__path")
    owner_path = "member__user"

    class Meta:
        verbose_name = _("programme delivery")
        verbose_name_plural = _("programme deliveries")
        ordering = ["-delivered_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "beneficiary_key"],
                name="programme_delivery_once",
                violation_error_message=_(
                    "This beneficiary's delivery is already recorded."
                ),
            ),
        ]
        indexes = [models.Index(fields=["programme", "unit"])]

    def __str__(self):
        return f"{self.beneficiary_name}, {self.programme}"
