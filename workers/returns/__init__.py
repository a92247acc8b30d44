"""The quarterly-return pipeline (季度报表, DESIGN.md §5): the service every door calls — web page, admin,
`import_return` command and Celery task.

upload → validate (a dry run: every row parsed and checked, all errors collected) → import (validate again
and write, all or nothing, in one transaction). The rules are the ledger's own: the same normalisation and
validators, `employment_check` (date window, age, end date, income, workplace), the locked-quarter rule,
township scoping and the same-ID-different-name refusal. Only the writing is done in bulk — a handful of
queries per file instead of several per row — so 50,000 rows import in seconds.

The package: `plan` (the messages, `Plan` and what to write), `checks` (reading and checking a file), `write`
(the bulk writes), `batches` (the lifecycle every door calls) and `columns` (mapping the columns of a file whose
header is not found). Import from here.
"""

from .batches import (
    SameFile,
    errors_by_row,
    return_discard,
    return_import,
    return_rollback,
    return_run,
    return_summary,
    return_upload,
    return_validate,
)
from .checks import return_plan
from .columns import FileColumns, remembered_mapping, return_columns, return_map_columns
from .plan import (
    ASYNC_THRESHOLD,
    BATCH_NOT_YOURS,
    BATCH_WRONG_STATE,
    CODE_TWO_EMPLOYERS,
    CONCURRENT_CHANGE,
    DUPLICATE_MERGED,
    EMPLOYER_TWO_CODES,
    EMPTY_FILE,
    FILE_GONE,
    HEADER_COLUMN,
    MAX_ROWS,
    NOT_YOUR_TOWNSHIP,
    ONLY_BUREAU_ROLLBACK,
    ONLY_UPLOADER_DISCARDS,
    OUTCOME_NEW,
    OUTCOME_UNCHANGED,
    OUTCOME_UPDATED,
    OUTSIDE_QUARTER,
    PERSON_VALUE_DIFFERS,
    PRE_PLAN_JOBS,
    PREVIEW_ROWS,
    ROLLBACK_LOCKED,
    ROLLBACK_REASON,
    SAME_FILE,
    SAME_ID_TWO_NAMES,
    SAME_KEY_DIFFERENT,
    TOWNSHIP_MISMATCH,
    Plan,
    RowIssue,
)

__all__ = [
    "ASYNC_THRESHOLD",
    "BATCH_NOT_YOURS",
    "BATCH_WRONG_STATE",
    "CODE_TWO_EMPLOYERS",
    "CONCURRENT_CHANGE",
    "DUPLICATE_MERGED",
    "EMPLOYER_TWO_CODES",
    "EMPTY_FILE",
    "FILE_GONE",
    "FileColumns",
    "HEADER_COLUMN",
    "MAX_ROWS",
    "NOT_YOUR_TOWNSHIP",
    "ONLY_BUREAU_ROLLBACK",
    "ONLY_UPLOADER_DISCARDS",
    "OUTCOME_NEW",
    "OUTCOME_UNCHANGED",
    "OUTCOME_UPDATED",
    "OUTSIDE_QUARTER",
    "PERSON_VALUE_DIFFERS",
    "PRE_PLAN_JOBS",
    "PREVIEW_ROWS",
    "Plan",
    "ROLLBACK_LOCKED",
    "ROLLBACK_REASON",
    "RowIssue",
    "SAME_FILE",
    "SAME_ID_TWO_NAMES",
    "SameFile",
    "SAME_KEY_DIFFERENT",
    "TOWNSHIP_MISMATCH",
    "errors_by_row",
    "remembered_mapping",
    "return_columns",
    "return_discard",
    "return_import",
    "return_map_columns",
    "return_plan",
    "return_rollback",
    "return_run",
    "return_summary",
    "return_upload",
    "return_validate",
]
