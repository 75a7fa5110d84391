"""Writes to the register: each a function with keyword arguments, one transaction.

The package re-exports every service, so callers write
``from members import services`` and ``services.member_save(...)``.
"""

from members.services.accounts import (
    ActivationRefused,
    account_activate,
    account_activation_member,
    account_activation_request,
    authenticator_remove,
)
from members.services.audit import audit_record
from members.services.care import (
    care_case_close,
    care_case_open,
    care_case_reopen,
    care_visit_log,
)
from members.services.data_rights import (
    consent_give,
    consent_withdraw,
    data_rights_request_acknowledge,
    data_rights_request_complete,
    data_rights_request_erase,
    data_rights_request_refuse,
    data_rights_request_submit,
)
from members.services.erasure import member_erase, retention_apply
from members.services.hrm_review import (
    held_row_fix,
    held_rows_dismiss_with_note,
)
from members.services.hrm_upload import import_run_upload
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
    "audit_record",
    "authenticator_remove",
    "care_case_close",
    "care_case_open",
    "care_case_reopen",
    "care_visit_log",
    "consent_give",
    "consent_withdraw",
    "data_rights_request_acknowledge",
    "data_rights_request_complete",
    "data_rights_request_erase",
    "data_rights_request_refuse",
    "data_rights_request_submit",
    "held_row_fix",
    "held_rows_dismiss_with_note",
    "import_run_upload",
    "member_create",
    "member_erase",
    "member_normalise",
    "member_save",
    "members_bulk_create",
    "relative_delete",
    "relative_save",
    "retention_apply",
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
