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
    gender = models.CharField(
        _("gender"), max_length=8, choices=Gender.choices, blank=True
    )
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
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

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "employee_code"], name="member_employer_code_unique"
            ),
            models.UniqueConstraint(
                fields=["national_id"],
                condition=models.Q(national_id__isnull=False),
                name="member_national_id_unique",
            ),
        ]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self):
        return f"{self.full_name} ({self.employee_code})"
