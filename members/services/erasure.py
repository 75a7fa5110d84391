"""Erasure: a person de-identified, on request or when the retention period ends.

What goes: the name (a pseudonym "Đoàn viên đã xoá #<id>" takes its place),
national ID, phone, e-mail, card number, employee code (so that an HRM file
cannot tie the row to the person again), position, the day and month of the
dates of birth and hire, the relatives, the free text of care cases, visits,
consultations, transfers and requests, the person's own notifications, the
names in staff notifications linking to the person's records, the import
history's values, and the login account's identity (deactivated, renamed, no
password, no e-mail addresses, no authenticator, no login-failure records).

What stays, as the law lets or requires: the row and its unit, gender, birth
year, status and union join date (the register's counts), care cases' kinds
and dates, support amounts paid and programme deliveries (the union's
accounts), consents and data-rights requests without their text (proof of
how the person's rights were handled), and the audit trail.
"""

import logging
from datetime import date

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.models import (
    AuditEvent,
    CareCase,
    CareVisit,
    ConsultationRequest,
    DataRightsRequest,
    ImportChange,
    ImportHeldRow,
    Member,
    Notification,
    NotificationPreference,
    ProgrammeDelivery,
    Transfer,
    User,
)
from members.scope import require_unit_in_scope
from members.selectors.privacy import left_on_guess, retention_due, retention_undated
from members.services.audit import audit_record
from members.services.staff import staff_role_revoke
from members.text import fold

logger = logging.getLogger(__name__)


def erased_name(member_id: int) -> str:
    """Return the pseudonym of an erased member, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Erased member #%(id)s") % {"id": member_id}


def _year_only(value: date | None) -> date | None:
    return date(value.year, 1, 1) if value else None


@transaction.atomic
def member_erase(*, member: Member, actor: User | None, reason: str) -> Member:
    """De-identify a member (see the module's docstring); erasing twice is a no-op.

    ``reason`` is "request" or "retention", recorded in the audit trail.
    """
    member = (
        Member.objects.select_for_update(of=("self",))
        .select_related("unit")
        .get(pk=member.pk)
    )
    require_unit_in_scope(actor, member.unit)
    if member.erased_at is not None:
        return member
    pseudonym = erased_name(member.pk)
    old_national_id = member.national_id
    relative_names = list(member.relatives.values_list("full_name", flat=True))
    counts = {"relatives": len(relative_names)}

    # Names given in deliveries outlive the relatives they named.
    with translation.override(settings.LANGUAGE_CODE):
        relative_name = _("Relative of %(name)s") % {"name": pseudonym}
    deliveries = ProgrammeDelivery.objects.filter(member=member)
    deliveries.filter(relative__isnull=True).update(beneficiary_name=pseudonym)
    deliveries.filter(relative__isnull=False).update(beneficiary_name=relative_name)
    deliveries.update(note="")
    member.relatives.all().delete()

    with translation.override(settings.LANGUAGE_CODE):
        erased_text = _("(erased)")
    CareCase.objects.filter(member=member).update(summary=erased_text, details="")
    CareVisit.objects.filter(case__member=member).update(note="")
    ConsultationRequest.objects.filter(member=member).update(
        subject=erased_text, preferred_times="", place=""
    )
    Transfer.objects.filter(member=member).update(reason="", to_employee_code="")
    DataRightsRequest.objects.filter(member=member).update(details="", response="")
    code = f"XOA-{member.pk}"
    ImportChange.objects.filter(member=member).update(
        employee_code=code, full_name=pseudonym, changes={}
    )
    held = Q(member=member)
    if old_national_id:
        held |= Q(values__icontains=old_national_id)
    ImportHeldRow.objects.filter(held).update(values={}, code="")
    _staff_notifications_rename(
        member,
        {member.full_name: pseudonym, **dict.fromkeys(relative_names, relative_name)},
    )

    member.full_name = pseudonym
    member.full_name_folded = fold(pseudonym)
    member.national_id = None
    member.phone = ""
    member.email = ""
    member.card_number = ""
    member.employee_code = code
    member.position = ""
    member.employment_status = ""
    member.hrm_hash = ""
    member.hrm_absent_since = None
    member.date_of_birth = _year_only(member.date_of_birth)
    member.birthday_key = None
    member.hired_on = _year_only(member.hired_on)
    member.erased_at = timezone.now()
    member.save()

    if member.user_id is not None:
        _account_erase(member.user, pseudonym=pseudonym)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.ERASED,
        obj=member,
        detail={"reason": reason, **counts},
    )
    return member


def _staff_notifications_rename(member: Member, names: dict[str, str]) -> None:
    """Replace the person's and relatives' names in staff notifications about them.

    Only notifications linking to the person's records are touched, so that a
    namesake's reminders keep their names.
    """
    links = [reverse("admin:members_member_change", args=[member.pk])]
    related = (
        ("admin:members_carecase_change", CareCase.objects.filter(member=member)),
        (
            "admin:members_consultationrequest_change",
            ConsultationRequest.objects.filter(member=member),
        ),
        (
            "admin:members_datarightsrequest_change",
            DataRightsRequest.objects.filter(member=member),
        ),
    )
    for name, queryset in related:
        links += [
            reverse(name, args=[pk]) for pk in queryset.values_list("pk", flat=True)
        ]
    about = Notification.objects.filter(link__in=links)
    for old, new in names.items():
        if old:
            about.filter(Q(title__contains=old) | Q(body__contains=old)).update(
                title=Replace("title", Value(old), Value(new)),
                body=Replace("body", Value(old), Value(new)),
            )


def _account_erase(user: User, *, pseudonym: str) -> None:
    """Deactivate and anonymise a login account; its staff roles end."""
    old_email = user.email
    for role in list(user.staff_roles.all()):
        staff_role_revoke(staff_role=role, actor=None)
    user = User.objects.get(pk=user.pk)
    Notification.objects.filter(recipient=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=old_email).delete()
    user.email = f"erased-{user.pk}@invalid.invalid"
    user.name = pseudonym
    user.is_active = False
    user.is_staff = False
    user.set_unusable_password()
    user.save(update_fields=["email", "name", "is_active", "is_staff", "password"])


# Retention ---------------------------------------------------------------------


@transaction.atomic
def retention_left_on_stamp(*, today: date) -> int:
    """Date the members who left without a date; return how many were dated.

    An HRM import marks members as left in bulk, without a date: see
    ``members.selectors.privacy.left_on_guess``.
    """
    count = 0
    for member in retention_undated().only("pk").iterator(chunk_size=500):
        count += Member.objects.filter(pk=member.pk, left_on__isnull=True).update(
            left_on=left_on_guess(member=member, today=today)
        )
    return count


def retention_apply(*, today: date | None = None) -> list[int]:
    """De-identify every member whose retention period ended; return their ids.

    Each member is erased in a transaction of its own, so a failure leaves
    the others done and is retried on the next run.
    """
    today = today or timezone.localdate()
    retention_left_on_stamp(today=today)
    erased = []
    for member_id in list(retention_due(today=today).values_list("pk", flat=True)):
        try:
            member_erase(member=Member(pk=member_id), actor=None, reason="retention")
        except Exception:
            logger.exception("retention: member %s could not be erased", member_id)
        else:
            erased.append(member_id)
    return erased
