"""Models of the members app, one module a topic; import them from here."""

from members.models.accounts import User, UserManager
from members.models.audit import AuditEvent, AuditEventImmutableError
from members.models.care import CareCase, CareVisit
from members.models.consultations import ConsultationRequest
from members.models.imports import (
    HrmDepartment,
    HrmProfile,
    ImportChange,
    ImportFileErasure,
    ImportHeldRow,
    ImportRun,
)
from members.models.notifications import (
    Notification,
    NotificationDelivery,
    NotificationPreference,
    PushSubscription,
)
from members.models.privacy import Consent, DataRightsRequest, relatives_allowed_q
from members.models.programmes import (
    CareProgramme,
    ProgrammeAmountBand,
    ProgrammeBudget,
    ProgrammeDelivery,
    ProgrammeEligibility,
    ProgrammeRule,
    ProgrammeTemplate,
    ProgrammeUnit,
)
from members.models.register import (
    Member,
    Relative,
    birthday_key,
    national_id_validator,
)
from members.models.transfers import Transfer
from members.models.units import StaffRole, Unit

__all__ = [
    "AuditEvent",
    "AuditEventImmutableError",
    "CareCase",
    "CareProgramme",
    "CareVisit",
    "Consent",
    "ConsultationRequest",
    "DataRightsRequest",
    "HrmDepartment",
    "HrmProfile",
    "ImportChange",
    "ImportFileErasure",
    "ImportHeldRow",
    "ImportRun",
    "Member",
    "Notification",
    "NotificationDelivery",
    "NotificationPreference",
    "ProgrammeAmountBand",
    "ProgrammeBudget",
    "ProgrammeDelivery",
    "ProgrammeEligibility",
    "ProgrammeRule",
    "ProgrammeTemplate",
    "ProgrammeUnit",
    "PushSubscription",
    "Relative",
    "StaffRole",
    "Transfer",
    "Unit",
    "User",
    "UserManager",
    "birthday_key",
    "national_id_validator",
    "relatives_allowed_q",
]
