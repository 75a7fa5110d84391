"""Writes to the register: each a function with keyword arguments, one transaction.

The package re-exports every service, so callers write
``from members import services`` and ``services.member_save(...)``.
"""

from members.services.accounts import (
    ActivationRefused,
    account_activate,
    account_activation_member,
    account_activation_request,
)
from members.services.care import (
    care_case_close,
    care_case_open,
    care_case_reopen,
    care_visit_log,
)
from members.services.register import (
    member_create,
    member_normalise,
    member_save,
    members_bulk_create,
    unit_create,
    unit_employer,
    unit_move,
)
from members.services.relatives import relative_delete, relative_save
from members.services.staff import staff_role_grant, staff_role_revoke
from members.services.transfers import (
    transfer_cancel,
    transfer_check,
    transfer_confirm,
    transfer_reject,
    transfer_request,
)

__all__ = [
    "ActivationRefused",
    "account_activate",
    "account_activation_member",
    "account_activation_request",
    "care_case_close",
    "care_case_open",
    "care_case_reopen",
    "care_visit_log",
    "member_create",
    "member_normalise",
    "member_save",
    "members_bulk_create",
    "relative_delete",
    "relative_save",
    "staff_role_grant",
    "staff_role_revoke",
    "transfer_cancel",
    "transfer_check",
    "transfer_confirm",
    "transfer_reject",
    "transfer_request",
    "unit_create",
    "unit_employer",
    "unit_move",
]
