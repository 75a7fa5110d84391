"""Who must sign in with a second factor before the admin, and from when."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.utils import timezone

from members.models import User

# The records that hold members' personal data (national IDs, phones, dates of
# birth, addresses, relatives, care, files of the HRM register). Staff who may
# view or change any of them need a second factor: this is the one list, kept
# in step with docs/privacy.md; another app's model joins it here by label.
PERSONAL_DATA_MODELS = (
    "members.member",
    "members.relative",
    "members.carecase",
    "members.carevisit",
    "members.transfer",
    "members.consultationrequest",
    "members.datarightsrequest",
    "members.consent",
    "members.importrun",  # its held rows' workbook
    "members.importheldrow",
    "members.importchange",
    "members.programmeeligibility",
    "members.programmedelivery",
    "members.user",
    "account.emailaddress",
)
# Changing a record shows it too (the admin's change view).
PERSONAL_DATA_PERMISSIONS = frozenset(
    f"{label.split('.')[0]}.{action}_{label.split('.')[1]}"
    for label in PERSONAL_DATA_MODELS
    for action in ("view", "change")
)
# What counts as a second factor: recovery codes alone do not.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def second_factor_required(user: User) -> bool:
    """Return whether the account must use a second factor for the admin.

    Superusers, and active staff whose permissions (their own or their
    groups') open any record of PERSONAL_DATA_MODELS.
    """
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    return not PERSONAL_DATA_PERMISSIONS.isdisjoint(user.get_all_permissions())


@dataclass(frozen=True)
class SecondFactorDue:
    """Whether a staff account still lacks a second factor, and until when it may."""

    missing: bool
    # When the grace period ends; None for superusers, who get none.
    deadline: datetime | None
    now: datetime

    @property
    def overdue(self) -> bool:
        return self.missing and (self.deadline is None or self.now >= self.deadline)

    @property
    def in_grace(self) -> bool:
        return self.missing and not self.overdue

    @property
    def days_left(self) -> int:
        """Whole days left, counting a started day (1 on the last day)."""
        if not self.in_grace:
            return 0
        return math.ceil((self.deadline - self.now) / timedelta(days=1))


def second_factor_due(user: User, *, now: datetime | None = None) -> SecondFactorDue:
    """Return whether ``user`` lacks a required second factor, and the deadline.

    The grace period (MFA_STAFF_GRACE_DAYS) counts from the account's
    ``second_factor_grace_from``, or from ``now`` if it has not started.
    """
    now = now or timezone.now()
    missing = second_factor_required(user) and not is_mfa_enabled(
        user, list(SECOND_FACTORS)
    )
    deadline = None
    if missing and not user.is_superuser:
        start = user.second_factor_grace_from or now
        deadline = start + timedelta(days=settings.MFA_STAFF_GRACE_DAYS)
    return SecondFactorDue(missing=missing, deadline=deadline, now=now)


def second_factor_grace_on_login(sender, request, user, **kwargs) -> None:
    """Start the grace period at the first staff login that needs a second factor.

    Connected to Django's user_logged_in (members.apps), which every way of
    signing in sends; the admin middleware starts it too, for an account that
    was signed in before it needed one.
    """
    from members.services.accounts import second_factor_grace_start

    if (
        user.is_staff
        and not user.is_superuser
        and user.second_factor_grace_from is None
        and second_factor_due(user).missing
    ):
        second_factor_grace_start(user=user)
