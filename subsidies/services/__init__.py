"""Every write of subsidies: kinds, applications, the review workflow, attachments and payment (issue 8).

A package because one file passed ~400 lines (STYLE.md). `reference` loads the kinds and their yearly caps;
`workflow` holds the one table of allowed moves (`TRANSITIONS`) and what every move shares (row lock, role
checks, the event log); `applications` the draft, submit and withdraw; `review` the township and district
approvals and the rejection; `payments` the public notice and the payment; `attachments` the files; `scopes`
the scope of a kind's cap. Callers keep importing from `subsidies.services`: every public name is re-exported here, and `TRANSITION_SERVICES`,
which maps each move to its service across those modules, lives here. A refused move raises
ValidationError/PermissionDenied and changes nothing.
"""

from .applications import (
    KIND_INACTIVE,
    TOWNSHIP_REQUIRED,
    YEAR_INVALID,
    ApplicationData,
    application_create,
    application_submit,
    application_update,
    application_withdraw,
)
from .attachments import (
    ATTACH_NOT_NOW,
    DETACH_NOT_NOW,
    MAX_ATTACHMENTS,
    TOO_MANY_ATTACHMENTS,
    attachment_add,
    attachment_delete,
)
from .payments import (
    NOTICE_NOT_OVER,
    OWN_APPROVAL_PAY,
    PAID_ON_INVALID,
    VOUCHER_DUPLICATE,
    VOUCHER_REQUIRED,
    application_notice_end,
    application_notice_start,
    application_pay,
    working_days_end,
)
from .reference import KINDS, PLAN_YEARS, subsidy_kinds_load
from .review import (
    APPROVED_AMOUNT_INVALID,
    HIRING_AMOUNT_FIXED,
    OWN_SUBMISSION,
    OWN_TOWNSHIP_REVIEW,
    application_district_approve,
    application_reject,
    application_township_approve,
)
from .scopes import (
    SCOPE_BUREAU_ONLY,
    SCOPE_NOT_ALLOWED,
    SCOPE_REASON_REQUIRED,
    SCOPE_UNCHANGED,
    kind_cap_scope_set,
)
from .workflow import (
    CLERK_WITHDRAWABLE,
    NOT_ALLOWED_NOW,
    REASON_REQUIRED,
    ROLE_NOT_ALLOWED,
    TRANSITIONS,
    Action,
)

TRANSITION_SERVICES = {
    Action.SUBMIT: application_submit,
    Action.TOWNSHIP_APPROVE: application_township_approve,
    Action.DISTRICT_APPROVE: application_district_approve,
    Action.REJECT: application_reject,
    Action.NOTICE_START: application_notice_start,
    Action.NOTICE_END: application_notice_end,
    Action.PAY: application_pay,
    Action.WITHDRAW: application_withdraw,
}

__all__ = [
    "APPROVED_AMOUNT_INVALID",
    "ATTACH_NOT_NOW",
    "CLERK_WITHDRAWABLE",
    "DETACH_NOT_NOW",
    "HIRING_AMOUNT_FIXED",
    "KINDS",
    "KIND_INACTIVE",
    "MAX_ATTACHMENTS",
    "NOTICE_NOT_OVER",
    "NOT_ALLOWED_NOW",
    "OWN_APPROVAL_PAY",
    "OWN_SUBMISSION",
    "OWN_TOWNSHIP_REVIEW",
    "PAID_ON_INVALID",
    "PLAN_YEARS",
    "REASON_REQUIRED",
    "ROLE_NOT_ALLOWED",
    "SCOPE_BUREAU_ONLY",
    "SCOPE_NOT_ALLOWED",
    "SCOPE_REASON_REQUIRED",
    "SCOPE_UNCHANGED",
    "TOO_MANY_ATTACHMENTS",
    "TOWNSHIP_REQUIRED",
    "TRANSITIONS",
    "TRANSITION_SERVICES",
    "VOUCHER_DUPLICATE",
    "VOUCHER_REQUIRED",
    "YEAR_INVALID",
    "Action",
    "ApplicationData",
    "application_create",
    "application_district_approve",
    "application_notice_end",
    "application_notice_start",
    "application_pay",
    "application_reject",
    "application_submit",
    "application_township_approve",
    "application_update",
    "application_withdraw",
    "attachment_add",
    "attachment_delete",
    "kind_cap_scope_set",
    "subsidy_kinds_load",
    "working_days_end",
]
