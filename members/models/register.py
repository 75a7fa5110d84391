"""Members, one per person, and their relatives."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models.accounts import User
from members.models.units import Unit

national_id_validator = RegexValidator(
    r"^\d{12}$", _("A national ID (CCCD) has exactly 12 digits.")
)


class Member(models.Model):
    """A union member, one per person, known to the employer by an employee code."""

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TRANSFERRED = "transferred", _("Transferred")
        LEFT = "left", _("Left")
        RETIRED = "retired", _("Retired")
        DUES_EXEMPT = "dues_exempt", _("Dues-exempt")

    employer = models.ForeignKey(
        Unit,
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="employees",
    )
    employee_code = models.CharField(_("employee code"), max_length=64)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("grassroots unit"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    # NULL, not "", where absent: the uniqueness constraint skips NULLs.
    national_id = models.CharField(  # noqa: DJ001
        _("national ID (CCCD)"),
        max_length=12,
        null=True,
        blank=True,
        validators=[national_id_validator],
    )
    full_name = models.CharField(_("full name"), max_length=255)
    full_name_folded = models.CharField(max_length=255, editable=False, db_index=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    # month * 100 + day of the birthday, indexed for "birthdays in the next N days".
    birthday_key = models.PositiveSmallIntegerField(
        null=True, editable=False, db_index=True
    )
    gender = models.CharField(
        _("gender"), max_length=8, choices=Gender.choices, blank=True
    )
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    position = models.CharField(_("position"), max_length=255, blank=True)
    employment_status = models.CharField(
        _("employment status"), max_length=64, blank=True
    )
    hired_on = models.DateField(_("hire date"), null=True, blank=True)
    department_code = models.CharField(_("department code"), max_length=64, blank=True)
    # SHA-256 of the values the last HRM file gave; equal means nothing to update.
    hrm_hash = models.CharField(max_length=64, blank=True, editable=False)
    hrm_absent_since = models.DateField(
        _("missing from the HRM file since"),
        null=True,
        blank=True,
        help_text=_("Set when a newer full HRM file no longer lists the member."),
    )
    union_joined_on = models.DateField(_("union join date"), null=True, blank=True)
    card_number = models.CharField(_("card number"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    # When the status became "left": the retention period runs from it.
    left_on = models.DateField(_("left on"), null=True, blank=True, editable=False)
    # Set once the person's personal data is erased (members.services.erasure).
    erased_at = models.DateTimeField(
        _("personal data erased"), null=True, blank=True, editable=False
    )
    user = models.OneToOneField(
        User,
        verbose_name=_("login account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Where a row's unit path and owner live, for members.scope.
    scope_path = "unit__path"
    owner_path = "user"

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "employee_code"],
                name="member_employer_code_unique",
                violation_error_message=_(
                    "This employer already has a member with this employee code."
                ),
            ),
            models.UniqueConstraint(
                fields=["national_id"],
                condition=models.Q(national_id__isnull=False),
                name="member_national_id_unique",
                violation_error_message=_(
                    "Another member already has this national ID (CCCD)."
                ),
            ),
        ]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self):
        return f"{self.full_name} ({self.employee_code})"


def birthday_key(value) -> int | None:
    """Return month * 100 + day of a date, the indexed form of a birthday."""
    return value.month * 100 + value.day if value else None


class Relative(models.Model):
    """A member's relative (thân nhân), whom the union may care for too."""

    class Relationship(models.TextChoices):
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        FATHER = "father", _("Father")
        MOTHER = "mother", _("Mother")
        FATHER_IN_LAW = "father_in_law", _("Father-in-law")
        MOTHER_IN_LAW = "mother_in_law", _("Mother-in-law")
        SIBLING = "sibling", _("Brother or sister")
        OTHER = "other", _("Other")

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="relatives",
    )
    full_name = models.CharField(_("full name"), max_length=255)
    relationship = models.CharField(
        _("relationship"), max_length=16, choices=Relationship.choices
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    birthday_key = models.PositiveSmallIntegerField(
        null=True, editable=False, db_index=True
    )
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_path = "member__unit__path"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("relative")
        verbose_name_plural = _("relatives")
        ordering = ["member", "date_of_birth"]

    def __str__(self):
        return f"{self.full_name} ({self.get_relationship_display()})"
