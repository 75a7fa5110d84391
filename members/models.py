"""Models of the register: login accounts, the units tree and members."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

national_id_validator = RegexValidator(
    r"^\d{12}$", _("A national ID (CCCD) has exactly 12 digits.")
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A login account: a member, a union officer, or both."""

    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Whether the user can log into the admin site."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    # Staff see the accounts of members and staff of their units (members.scope).
    scope_path = ("member__unit__path", "staff_roles__unit__path")
    scope_distinct = True
    owner_path = "pk"

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user account")
        verbose_name_plural = _("user accounts")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return self.name.split()[-1] if self.name else self.email


class Unit(MP_Node):
    """A union unit; its subtree is every unit whose path starts with its path."""

    class Level(models.TextChoices):
        SECTOR = "sector", _("Sector union")
        UPPER = "upper", _("Upper-grassroots union")
        GRASSROOTS = "grassroots", _("Grassroots union")
        GROUP = "group", _("Union group")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    is_active = models.BooleanField(_("active"), default=True)
    is_employer = models.BooleanField(
        _("employer"),
        default=False,
        help_text=_("Receives an HRM file for the members it employs."),
    )

    node_order_by = ["code"]
    scope_path = "path"

    class Meta:
        verbose_name = _("union unit")
        verbose_name_plural = _("union units")

    def __str__(self):
        return self.name


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
    union_joined_on = models.DateField(_("union join date"), null=True, blank=True)
    card_number = models.CharField(_("card number"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
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


class StaffRole(models.Model):
    """A staff member's role in a unit; it opens the unit's whole subtree to them."""

    class Role(models.TextChoices):
        OFFICER = "officer", _("Union officer")
        CARE_OFFICER = "care_officer", _("Care officer")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(
        User,
        verbose_name=_("user account"),
        on_delete=models.CASCADE,
        related_name="staff_roles",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("union unit"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"], name="staffrole_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user}, {self.get_role_display()}, {self.unit}"


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


class Transfer(models.Model):
    """A member moving to another unit, confirmed by the receiving unit."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the receiving unit")
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
    transfer_on = models.DateField(_("transfer date"))
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
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
        return f"{self.member}: {self.from_unit} → {self.to_unit}"
