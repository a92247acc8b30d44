"""Every write to the ledger (DESIGN.md §4.1–4.2, §4.8; §5 rules shared with the import).

Forms, the admin, the quarterly-return import, the API and commands all call these functions; there is no
second path. Each enforces township scoping for the acting user, the locked-quarter rule, the date window
(2025-01-01 … today), the age rule (≥ 16 at the start of a job) and the same-ID-different-name refusal.
Checks that a form wants to show before saving are exposed as `*_check` functions that the write calls too.
A package because one file passed ~400 lines (STYLE.md): `people` registers and changes workers,
`registration` keeps the registration history and moves people between townships, `employers`
finds or creates employers, `employments` records, changes, ends and deletes jobs. Callers keep importing
from `workers.services`; a test that patches a name patches it in the module that looks it up.
"""

from ..names import NAME_REQUIRED, normalise_name
from .employers import (
    EMPLOYER_CREDIT_CODE_CONFLICT,
    EMPLOYER_NAME_CODE_CONFLICT,
    EMPLOYER_REQUIRED,
    employer_credit_code_check,
    employer_credit_code_set,
    employer_key,
    employer_resolve,
)
from .employments import (
    EARLIEST_START,
    EMPLOYMENT_DUPLICATE,
    END_BEFORE_START,
    END_IN_FUTURE,
    INCOME_NEGATIVE,
    MIN_WORKING_AGE,
    PLAN_START,
    PRE_PLAN_JOB,
    START_BEFORE_PLAN,
    START_IN_FUTURE,
    START_TOO_EARLY,
    UNDER_AGE,
    WORKPLACE_TOWNSHIP_REQUIRED,
    EmploymentData,
    employment_check,
    employment_delete,
    employment_end,
    employment_record,
    employment_update,
    employment_warnings,
)
from .people import (
    ID_NUMBER_ALREADY_REGISTERED,
    ID_NUMBER_OTHER_NAME,
    ID_NUMBER_OTHER_TOWNSHIP,
    STALE_VERSION,
    TOWNSHIP_CHANGE_BUREAU_ONLY,
    TOWNSHIP_CHANGE_BY_MOVE,
    worker_check_name,
    worker_check_new_id,
    worker_register,
    worker_update,
)
from .registration import (
    MOVE_BEFORE_LAST,
    MOVE_BUREAU_ONLY,
    MOVE_CHANGES_LOCKED_JOB,
    MOVE_IN_FUTURE,
    MOVE_IN_LOCKED_QUARTER,
    MOVE_SAME_TOWNSHIP,
    registration_open,
    registration_township_sync,
    township_on,
    worker_move,
)

__all__ = [
    # registration
    "MOVE_BEFORE_LAST",
    "MOVE_BUREAU_ONLY",
    "MOVE_CHANGES_LOCKED_JOB",
    "MOVE_IN_FUTURE",
    "MOVE_IN_LOCKED_QUARTER",
    "MOVE_SAME_TOWNSHIP",
    "registration_open",
    "registration_township_sync",
    "township_on",
    "worker_move",
    # people
    "ID_NUMBER_ALREADY_REGISTERED",
    "ID_NUMBER_OTHER_NAME",
    "ID_NUMBER_OTHER_TOWNSHIP",
    "NAME_REQUIRED",
    "STALE_VERSION",
    "TOWNSHIP_CHANGE_BUREAU_ONLY",
    "TOWNSHIP_CHANGE_BY_MOVE",
    "normalise_name",
    "worker_check_name",
    "worker_check_new_id",
    "worker_register",
    "worker_update",
    # employers
    "EMPLOYER_CREDIT_CODE_CONFLICT",
    "EMPLOYER_NAME_CODE_CONFLICT",
    "EMPLOYER_REQUIRED",
    "employer_credit_code_check",
    "employer_credit_code_set",
    "employer_key",
    "employer_resolve",
    # employments
    "EMPLOYMENT_DUPLICATE",
    "EARLIEST_START",
    "END_BEFORE_START",
    "END_IN_FUTURE",
    "INCOME_NEGATIVE",
    "MIN_WORKING_AGE",
    "PLAN_START",
    "PRE_PLAN_JOB",
    "START_BEFORE_PLAN",
    "START_TOO_EARLY",
    "START_IN_FUTURE",
    "UNDER_AGE",
    "WORKPLACE_TOWNSHIP_REQUIRED",
    "EmploymentData",
    "employment_check",
    "employment_delete",
    "employment_end",
    "employment_record",
    "employment_update",
    "employment_warnings",
]
