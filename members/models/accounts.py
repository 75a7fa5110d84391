"""Login accounts: one per person, e-mail as the login."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.text import given_name


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
    # members.second_factor: the grace period to set up a second factor counts
    # from the first admin visit that needed one.
    second_factor_grace_from = models.DateTimeField(
        _("two-step sign-in required since"), null=True, blank=True, editable=False
    )

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
        """Return the name to greet the person by.

        A member's given name (the last word of their full name, in Vietnamese
        order); for an account without a member, such as a staff account, its
        display name whole, which may be a title ("Quản trị hệ thống") whose
        last word is nobody's name.
        """
        try:
            member = self.member
        except ObjectDoesNotExist:
            member = None
        if member is not None and given_name(member.full_name):
            return given_name(member.full_name)
        return self.name or self.email
