"""Models of the members app, one module a topic; import them from here."""

from members.models.accounts import User, UserManager
from members.models.care import CareCase, CareVisit
from members.models.imports import (
    HrmDepartment,
    HrmProfile,
    ImportChange,
    ImportHeldRow,
    ImportRun,
)
from members.models.notifications import (
    Notification,
    NotificationDelivery,
    NotificationPreference,
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
    "CareCase",
    "CareVisit",
    "HrmDepartment",
    "HrmProfile",
    "ImportChange",
    "ImportHeldRow",
    "ImportRun",
    "Member",
    "Notification",
    "NotificationDelivery",
    "NotificationPreference",
    "Relative",
    "StaffRole",
    "Transfer",
    "Unit",
    "User",
    "UserManager",
    "birthday_key",
    "national_id_validator",
]
