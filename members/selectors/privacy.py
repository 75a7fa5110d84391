"""Reads for data rights: a member's own data to download, requests, consents.

The download holds everything the register keeps about the person, read
through the portal scope (``owner_path``), so nobody else's rows can enter
it. Care cases come with their kind, summary, dates and the support paid,
but without the staff's free-text notes (the case's details and the visits'
notes and visitors): those are the union's working notes, often about other
people, and are given on an access request, by staff, with third parties'
details taken out.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import (
    CareCase,
    CareVisit,
    Consent,
    ConsultationRequest,
    DataRightsRequest,
    ImportChange,
    Member,
    Notification,
    NotificationPreference,
    ProgrammeDelivery,
    ProgrammeEligibility,
    PushSubscription,
    Relative,
    Transfer,
    User,
)
from members.scope import scoped
from members.selectors.register import member_for_user


@dataclass
class Section:
    """One table of the download: a sheet of the workbook, a key of the JSON."""

    key: str
    title: Any
    columns: list[tuple[str, Any]]  # (key, label)
    rows: list[dict] = field(default_factory=list)
    single: bool = False  # one record (the profile), not a list


@dataclass
class MemberData:
    member: Member
    generated_at: datetime
    sections: list[Section]


def _label(model, name: str):
    return model._meta.get_field(name).verbose_name


def _value(obj, accessor: str | Callable) -> Any:
    if callable(accessor):
        return accessor(obj)
    display = getattr(obj, f"get_{accessor}_display", None)
    if display is not None:
        return str(display())
    value = obj
    for part in accessor.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _section(key, title, model, specs, objects, *, single=False) -> Section:
    """Build a section from (key, label or None, accessor or None) specs."""
    columns, accessors = [], []
    for spec in specs:
        name, label, accessor = (*spec, None, None)[:3]
        columns.append((name, label or _label(model, name.split("__")[0])))
        accessors.append(accessor or name)
    rows = [
        {
            name: _value(obj, accessor)
            for (name, _l), accessor in zip(columns, accessors, strict=True)
        }
        for obj in objects
    ]
    return Section(key, title, columns, rows, single)


def _own(model, user):
    return scoped(model.objects.all(), user, portal=True)


def member_data(*, user: User) -> MemberData | None:
    """Return everything the register keeps about the signed-in member."""
    member = member_for_user(user=user)
    if member is None:
        return None
    sections = [
        _section(
            "profile",
            _("My record"),
            Member,
            [
                ("full_name",),
                ("gender",),
                ("date_of_birth",),
                ("national_id",),
                ("phone",),
                ("email",),
                ("employer", None, "employer__name"),
                ("employee_code",),
                ("unit", None, "unit__name"),
                ("position",),
                ("employment_status",),
                ("hired_on",),
                ("union_joined_on",),
                ("card_number",),
                ("status",),
                ("left_on",),
                ("created_at",),
            ],
            [member],
            single=True,
        ),
        _section(
            "account",
            _("Login account"),
            User,
            [("email",), ("name",), ("date_joined",), ("last_login", _("last login"))],
            [user],
            single=True,
        ),
        _section(
            "relatives",
            _("Relatives"),
            Relative,
            [
                ("full_name",),
                ("relationship",),
                ("date_of_birth",),
                ("phone",),
                ("note",),
            ],
            _own(Relative, user).order_by("pk"),
        ),
        _section(
            "care_cases",
            _("Care cases"),
            CareCase,
            [
                ("id", _("number"), "pk"),
                ("kind",),
                ("summary",),
                ("relative", None, "relative__full_name"),
                ("opened_on",),
                ("follow_up_on",),
                ("status",),
                ("closed_on",),
                ("last_visit_on",),
            ],
            _own(CareCase, user).select_related("relative").order_by("pk"),
        ),
        _section(
            "care_support",
            _("Visits and support"),
            CareVisit,
            [
                ("case", _("care case number"), "case_id"),
                ("visited_on",),
                ("amount",),
            ],
            _own(CareVisit, user).order_by("visited_on", "pk"),
        ),
        _section(
            "programme_lists",
            _("Care programmes listing me"),
            ProgrammeEligibility,
            [
                ("programme", None, "programme__name"),
                ("relative", _("beneficiary"), _beneficiary),
                ("amount",),
                ("created_at",),
            ],
            _own(ProgrammeEligibility, user)
            .select_related("programme", "member", "relative")
            .order_by("pk"),
        ),
        _section(
            "programme_deliveries",
            _("Care programmes delivered"),
            ProgrammeDelivery,
            [
                ("programme", None, "programme__name"),
                ("beneficiary_name",),
                ("outcome",),
                ("amount",),
                ("delivered_on",),
            ],
            _own(ProgrammeDelivery, user).select_related("programme").order_by("pk"),
        ),
        _section(
            "consultations",
            _("Consultations"),
            ConsultationRequest,
            [
                ("topic",),
                ("subject",),
                ("mode",),
                ("preferred_times",),
                ("status",),
                ("scheduled_at",),
                ("adviser",),
                ("place",),
                ("created_at",),
            ],
            _own(ConsultationRequest, user).order_by("pk"),
        ),
        _section(
            "transfers",
            _("Transfers"),
            Transfer,
            [
                ("from_unit", None, "from_unit__name"),
                ("to_unit", None, "to_unit__name"),
                ("transfer_on",),
                ("state",),
                ("reason",),
            ],
            _own(Transfer, user).select_related("from_unit", "to_unit").order_by("pk"),
        ),
        _section(
            "notifications",
            _("Notifications"),
            Notification,
            [("created_at",), ("title",), ("body",), ("read_at",)],
            _own(Notification, user).order_by("created_at", "pk"),
        ),
        _section(
            "notification_settings",
            _("Notification settings"),
            NotificationPreference,
            [("kind",), ("enabled",)],
            _own(NotificationPreference, user).order_by("kind"),
        ),
        _section(
            "push_devices",
            _("Devices that receive notifications"),
            PushSubscription,
            [("device_label",), ("created_at",), ("last_success_at",)],
            _own(PushSubscription, user).order_by("pk"),
        ),
        _section(
            "consents",
            _("Consents"),
            Consent,
            [("purpose",), ("version",), ("given_at",), ("withdrawn_at",)],
            _own(Consent, user).order_by("pk"),
        ),
        _section(
            "data_rights_requests",
            _("Requests about my data"),
            DataRightsRequest,
            [
                ("kind",),
                ("details",),
                ("status",),
                ("received_at",),
                ("acknowledge_by",),
                ("complete_by",),
                ("closed_at",),
                ("response",),
            ],
            _own(DataRightsRequest, user).order_by("pk"),
        ),
    ]
    return MemberData(member=member, generated_at=timezone.now(), sections=sections)


def _beneficiary(row: ProgrammeEligibility) -> str:
    return row.relative.full_name if row.relative_id else row.member.full_name


def consent_in_force(*, member: Member, purpose: str) -> bool:
    """Return whether the member's consent to a purpose is in force."""
    withdrawn = Consent.objects.filter(member=member, purpose=purpose).values_list(
        "withdrawn_at", flat=True
    )
    return _in_force(purpose, list(withdrawn))


def consent_in_force_q(*, purpose: str, member: str = "member") -> Q:
    """Return the filter of rows whose member's consent to ``purpose`` is in force.

    Public (docs/architecture.md): ``member`` is the path from the filtered
    model to the member ("pk" when filtering members). A consent in force
    is a row not withdrawn; a member with no row at all has the purpose's
    default (``Consent.DEFAULTS``: leaderboards need a yes). Raises
    ValueError for a purpose the register does not know.
    """
    purpose = Consent.Purpose(purpose)
    rows = Consent.objects.filter(member=OuterRef(member), purpose=purpose)
    in_force = Exists(rows.filter(withdrawn_at__isnull=True))
    if Consent.DEFAULTS[purpose]:
        return in_force | ~Exists(rows)
    return Q(in_force)


def _in_force(purpose: str, withdrawn: list[datetime | None]) -> bool:
    """Return whether a purpose's consents (their ``withdrawn_at``) are in force."""
    if not withdrawn:
        return Consent.DEFAULTS[Consent.Purpose(purpose)]
    return any(at is None for at in withdrawn)


def my_data_requests(*, user: User):
    """Return the person's own data-rights requests, newest first."""
    return _own(DataRightsRequest, user).order_by("-received_at", "-pk")


def data_rights_home_block(*, user: User) -> dict | None:
    """Return the home's block of the person's requests still being handled."""
    requests = list(
        my_data_requests(user=user).filter(status__in=DataRightsRequest.OPEN)
    )
    if not requests:
        return None
    return {
        "template": "members/privacy/home_block.html",
        "order": 40,
        "requests": requests,
    }


@dataclass(frozen=True)
class ConsentState:
    purpose: str
    label: str
    in_force: bool
    since: datetime | None


def my_consents(*, member: Member) -> list[ConsentState]:
    """Return each optional purpose with whether the member's consent is in force."""
    consents = list(Consent.objects.filter(member=member).order_by("pk"))
    states = []
    for purpose in Consent.Purpose:
        rows = [consent for consent in consents if consent.purpose == purpose]
        latest = rows[-1] if rows else None
        states.append(
            ConsentState(
                purpose=purpose.value,
                label=str(purpose.label),
                in_force=_in_force(purpose, [row.withdrawn_at for row in rows]),
                since=(latest.withdrawn_at or latest.given_at) if latest else None,
            )
        )
    return states


def export_value(value: Any) -> Any:
    """Return a value as JSON carries it: dates in ISO form, local times."""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def retention_due(*, today: date, days: int | None = None):
    """Return the members whose retention period ended: left ``days`` ago or more.

    ``days`` defaults to MEMBER_RETENTION_DAYS; 0 turns retention off.
    """
    days = settings.MEMBER_RETENTION_DAYS if days is None else days
    if days <= 0:
        return Member.objects.none()
    return Member.objects.filter(
        status=Member.Status.LEFT,
        left_on__lte=today - timedelta(days=days),
        erased_at__isnull=True,
    ).order_by("left_on", "pk")


def retention_undated():
    """Return the members who left with no date recorded (and are not erased)."""
    return Member.objects.filter(
        status=Member.Status.LEFT, left_on__isnull=True, erased_at__isnull=True
    )


def left_on_guess(*, member: Member, today: date) -> date:
    """Return when an undated member left: the import that said so, else today.

    The HRM import marks members as left in bulk, without a date. The date
    of the applied import run whose changes set the status is taken where
    one is recorded; otherwise today, so that the retention period never
    starts earlier than it should.
    """
    change = (
        ImportChange.objects.filter(
            member=member, run__dry_run=False, changes__has_key="status"
        )
        .select_related("run")
        .order_by("-run__created_at")
        .first()
    )
    return timezone.localdate(change.run.created_at) if change else today


@dataclass(frozen=True)
class RetentionRow:
    member: Member
    left_on: date
    recorded: bool  # False: the date is guessed now and recorded by the next run


def retention_report(*, today: date, days: int | None = None) -> list[RetentionRow]:
    """Return who the retention run would de-identify today, as a dry run."""
    days = settings.MEMBER_RETENTION_DAYS if days is None else days
    if days <= 0:
        return []
    cutoff = today - timedelta(days=days)
    rows = [
        RetentionRow(member, member.left_on, True)
        for member in retention_due(today=today, days=days).select_related("unit")
    ]
    for member in retention_undated().select_related("unit").order_by("pk"):
        left_on = left_on_guess(member=member, today=today)
        if left_on <= cutoff:
            rows.append(RetentionRow(member, left_on, False))
    return rows


def data_rights_open_summary(*, user: User, today: date) -> dict:
    """Return the user's open data-rights requests: how many, overdue, next deadline.

    ``next_deadline`` is the earliest last day still to meet (to acknowledge
    a received request, or to complete an open one), None without any.
    """
    status = DataRightsRequest.Status
    late_ack = Q(status=status.RECEIVED, acknowledge_by__lt=today)
    late = Q(complete_by__lt=today)
    summary = (
        scoped(DataRightsRequest.objects.all(), user)
        .filter(status__in=DataRightsRequest.OPEN)
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=late_ack | late),
            next_ack=Min(
                "acknowledge_by",
                filter=Q(status=status.RECEIVED, acknowledge_by__gte=today),
            ),
            next_complete=Min("complete_by", filter=Q(complete_by__gte=today)),
        )
    )
    ahead = [d for d in (summary.pop("next_ack"), summary.pop("next_complete")) if d]
    summary["next_deadline"] = min(ahead, default=None)
    return summary
