"""Erasure: a person de-identified, on request or when the retention period ends.

What goes: the name (a pseudonym "Đoàn viên đã xoá #<id>" takes its place),
national ID, phone, e-mail, card number, employee code (so that an HRM file
cannot tie the row to the person again), position, the day and month of the
dates of birth and hire, the relatives, the free text of care cases, visits,
consultations, transfers and requests, the person's own notifications, the
person in staff notifications linking to their records and their CCCD, phone
and e-mail in any other, the person's rows in the stored HRM files (by a
task, see ``members.services.erasure_imports``), held rows and the import
history's values, Django's admin log (the records' names and change
messages), and the login account's identity (deactivated, renamed, no
password, no e-mail addresses, no authenticator, no login-failure records).

What stays, as the law lets or requires: the row and its unit, gender, birth
year, status and union join date (the register's counts), care cases' kinds
and dates, support amounts paid and programme deliveries (the union's
accounts), consents and data-rights requests without their text (proof of
how the person's rights were handled), and the audit trail.
"""

import logging
from collections.abc import Iterable
from datetime import date
from functools import reduce
from operator import or_

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.cache import REGISTER, cache_bump_on_commit
from members.models import (
    AuditEvent,
    CareCase,
    CareVisit,
    Consent,
    ConsultationRequest,
    DataRightsRequest,
    ImportChange,
    ImportHeldRow,
    Member,
    Notification,
    NotificationPreference,
    ProgrammeDelivery,
    PushSubscription,
    Relative,
    Transfer,
    User,
)
from members.scope import require_unit_in_scope
from members.selectors.privacy import left_on_guess, retention_due, retention_undated
from members.services.audit import audit_record
from members.services.erasure_imports import imports_erase
from members.services.staff import staff_role_revoke
from members.services.traces import Trace
from members.text import fold

logger = logging.getLogger(__name__)


def erased_name(member_id: int) -> str:
    """Return the pseudonym of an erased member, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Erased member #%(id)s") % {"id": member_id}


def _year_only(value: date | None) -> date | None:
    return date(value.year, 1, 1) if value else None


def _trace(member: Member, *, pseudonym: str, code: str, relative_name: str) -> Trace:
    """Return the person's identifiers, read before anything of them is erased."""
    relatives = list(member.relatives.values_list("full_name", "phone"))
    codes = {member.employee_code}
    codes |= set(
        ImportChange.objects.filter(member=member).values_list(
            "employee_code", flat=True
        )
    )
    codes |= set(
        Transfer.objects.filter(member=member).values_list(
            "to_employee_code", flat=True
        )
    )
    emails = [member.email]
    if member.user_id is not None:
        emails += [member.user.email]
        emails += member.user.emailaddress_set.values_list("email", flat=True)
    return Trace(
        pseudonym=pseudonym,
        code=code,
        names={
            member.full_name: pseudonym,
            **{name: relative_name for name, _phone in relatives if name},
        },
        codes=frozenset(c for c in codes if c and c != code),
        national_ids=tuple(filter(None, [member.national_id])),
        phones=tuple(filter(None, [member.phone, *(p for _n, p in relatives)])),
        emails=tuple(sorted({e.casefold() for e in emails if e})),
    )


@transaction.atomic
def member_erase(*, member: Member, actor: User | None, reason: str) -> Member:
    """De-identify a member (see the module's docstring); erasing twice is a no-op.

    ``reason`` is "request" or "retention", recorded in the audit trail.
    The stored HRM files lose the person in a task queued on commit
    (``members.services.erasure_imports``).
    """
    member = (
        Member.objects.select_for_update(of=("self",))
        .select_related("unit", "user")
        .get(pk=member.pk)
    )
    require_unit_in_scope(actor, member.unit)
    if member.erased_at is not None:
        return member
    pseudonym = erased_name(member.pk)
    code = f"XOA-{member.pk}"
    with translation.override(settings.LANGUAGE_CODE):
        relative_name = _("Relative of %(name)s") % {"name": pseudonym}
        erased_text = _("(erased)")
    trace = _trace(member, pseudonym=pseudonym, code=code, relative_name=relative_name)
    records = _records_of(member)
    counts = {"relatives": len(records[Relative])}
    imports = imports_erase(member=member, trace=trace)
    records[ImportHeldRow] = imports.pop("held")
    counts.update(imports)

    # Names given in deliveries outlive the relatives they named.
    deliveries = ProgrammeDelivery.objects.filter(member=member)
    deliveries.filter(relative__isnull=True).update(beneficiary_name=pseudonym)
    deliveries.filter(relative__isnull=False).update(beneficiary_name=relative_name)
    deliveries.update(note="")
    member.relatives.all().delete()

    CareCase.objects.filter(member=member).update(summary=erased_text, details="")
    CareVisit.objects.filter(case__member=member).update(note="")
    ConsultationRequest.objects.filter(member=member).update(
        subject=erased_text, preferred_times="", place=""
    )
    Transfer.objects.filter(member=member).update(reason="", to_employee_code="")
    DataRightsRequest.objects.filter(member=member).update(details="", response="")
    counts["notifications"] = _notifications_scrub(member, trace)
    counts["admin_log"] = _admin_log_scrub(trace, records)

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


def _records_of(member: Member) -> dict[type[Model], list]:
    """Return the ids of the person's records whose admin log entries are theirs."""
    records = {
        Member: [member.pk],
        User: [member.user_id] if member.user_id else [],
        Relative: Relative.objects.filter(member=member),
        CareCase: CareCase.objects.filter(member=member),
        CareVisit: CareVisit.objects.filter(case__member=member),
        ConsultationRequest: ConsultationRequest.objects.filter(member=member),
        DataRightsRequest: DataRightsRequest.objects.filter(member=member),
        Transfer: Transfer.objects.filter(member=member),
        ProgrammeDelivery: ProgrammeDelivery.objects.filter(member=member),
        Consent: Consent.objects.filter(member=member),
    }
    return {
        model: ids if isinstance(ids, list) else list(ids.values_list("pk", flat=True))
        for model, ids in records.items()
    }


def _notification_links(member: Member) -> list[str]:
    """Return the admin links of the person's records that notifications carry."""
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
    return links


def _notifications_scrub(member: Member, trace: Trace) -> int:
    """Take the person out of notifications' texts; return how many changed.

    Notifications linking to the person's records lose the person's and
    relatives' names and codes as well; a namesake's reminders keep theirs.
    """
    links = set(_notification_links(member))
    found = Q(link__in=links) | _mentioning(("title", "body"), trace.needles())
    changed = 0
    for notification in Notification.objects.filter(found).iterator():
        own = notification.link in links
        title = trace.scrub(notification.title, names=own, codes=own)[:255]
        body = trace.scrub(notification.body, names=own, codes=own)
        if (title, body) != (notification.title, notification.body):
            Notification.objects.filter(pk=notification.pk).update(
                title=title, body=body
            )
            changed += 1
    return changed


def _admin_log_scrub(trace: Trace, records: dict[type[Model], list]) -> int:
    """Take the person out of Django's admin log ("Recent actions", histories).

    An entry about one of the person's records gets the record's name and
    code replaced too; any other entry loses what identifies the person alone.
    """
    own: set[tuple[int, str]] = set()
    for model, ids in records.items():
        content_type = ContentType.objects.get_for_model(model)
        own |= {(content_type.pk, str(pk)) for pk in ids}
    about = [
        Q(
            content_type_id=content_type,
            object_id__in=[o for c, o in own if c == content_type],
        )
        for content_type in {c for c, _o in own}
    ]
    found = reduce(or_, about, Q(pk__in=[])) | _mentioning(
        ("object_repr", "change_message"), trace.needles()
    )
    changed = 0
    for entry in LogEntry.objects.filter(found).iterator():
        mine = (entry.content_type_id, entry.object_id) in own
        object_repr = trace.scrub(entry.object_repr, names=mine, codes=mine)
        message = trace.scrub_json(entry.change_message, names=mine, codes=mine)
        if (object_repr, message) != (entry.object_repr, entry.change_message):
            LogEntry.objects.filter(pk=entry.pk).update(
                object_repr=object_repr[:200], change_message=message
            )
            changed += 1
    return changed


def _mentioning(fields: Iterable[str], needles: Iterable[str]) -> Q:
    """Return the filter of rows whose fields contain any of the texts."""
    found = [Q(**{f"{name}__icontains": text}) for text in needles for name in fields]
    return reduce(or_, found, Q(pk__in=[]))


def _account_erase(user: User, *, pseudonym: str) -> None:
    """Deactivate and anonymise a login account; its staff roles end."""
    old_email = user.email
    for role in list(user.staff_roles.all()):
        staff_role_revoke(staff_role=role, actor=None)
    user = User.objects.get(pk=user.pk)
    Notification.objects.filter(recipient=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    PushSubscription.objects.filter(user=user).delete()
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
    if count:
        # An update sends no signal (members.receivers.register).
        cache_bump_on_commit(REGISTER)
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
