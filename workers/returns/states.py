"""The import batch's status (DESIGN.md §5): the one table of allowed moves and the two functions that make
them. Nothing else sets `ImportBatch.status` (the house rule of issue 22, as subsidies' `_move`).

    uploaded ─→ validating ─→ validated ─→ queued ─→ importing ─→ imported ─→ rolled_back
        │            │            │  └──→ discarded       │  ↑         └─→ rejected / failed
        │            └─→ rejected ←─ (a column mapping checks the file again) ─┘  └ queued again (worker died)
        └─→ failed (too many attempts) ─→ uploaded (the uploader starts it over)

A move the table does not hold is a programming error (`BatchMoveError`), never a user's: the services
refuse users' requests with their own messages before they move anything.
"""

from django.db.models import QuerySet

from ..models import ImportBatch

S = ImportBatch.Status

#: status → the statuses a batch may move to from it.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.UPLOADED: frozenset({S.VALIDATING, S.VALIDATED, S.REJECTED, S.IMPORTING, S.FAILED}),
    S.VALIDATING: frozenset({S.VALIDATED, S.REJECTED, S.FAILED}),
    S.VALIDATED: frozenset({S.QUEUED, S.IMPORTING, S.DISCARDED, S.UPLOADED, S.REJECTED}),
    S.REJECTED: frozenset({S.UPLOADED, S.VALIDATED}),
    S.QUEUED: frozenset({S.IMPORTING, S.FAILED}),
    S.IMPORTING: frozenset({S.IMPORTED, S.REJECTED, S.FAILED, S.QUEUED}),
    S.IMPORTED: frozenset({S.ROLLED_BACK}),
    S.FAILED: frozenset({S.UPLOADED}),
    S.ROLLED_BACK: frozenset(),
    S.DISCARDED: frozenset(),
}


class BatchMoveError(RuntimeError):
    """A status move the table does not allow."""


def _check(source: str, target: str) -> None:
    if target != source and target not in TRANSITIONS[source]:
        raise BatchMoveError(f"import batch: {source} → {target} is not an allowed move")


def batch_move(batch: ImportBatch, target: str, **changes) -> ImportBatch:
    """Move `batch` (an instance, usually locked by the caller) to `target`, with `changes` to its other
    fields; the caller saves it, in the transaction that made the move (it knows which fields it changed).
    Staying in the same status is allowed (a file checked again after a column mapping)."""
    _check(batch.status, target)
    for name, value in changes.items():
        setattr(batch, name, value)
    batch.status = target
    return batch


def batches_move(batches: QuerySet, source: str | list[str], target: str, **changes) -> int:
    """Move the batches of `batches` that are in `source` (a status or a list) to `target` in one
    conditional UPDATE — a compare-and-set: a batch another process moved meanwhile is left alone. Returns
    how many moved."""
    sources = [source] if isinstance(source, str) else list(source)
    for each in sources:
        _check(each, target)
    return batches.filter(status__in=sources).update(status=target, **changes)
