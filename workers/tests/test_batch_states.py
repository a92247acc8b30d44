"""The import batch's status moves only through `returns.states` (issue 22, item 2): the table refuses a move
it does not hold, the conditional move leaves a batch another process moved alone, and no other module of
the app sets the status."""

import ast
from pathlib import Path

import pytest

from workers.models import ImportBatch
from workers.returns import TRANSITIONS, BatchMoveError, batch_move, batches_move

S = ImportBatch.Status


def test_every_status_is_in_the_table_and_ends_are_final():
    assert set(TRANSITIONS) == set(S.values)
    assert TRANSITIONS[S.ROLLED_BACK] == TRANSITIONS[S.DISCARDED] == frozenset()


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.IMPORTED, S.VALIDATED),
        (S.DISCARDED, S.QUEUED),
        (S.ROLLED_BACK, S.IMPORTED),
        (S.UPLOADED, S.IMPORTED),
    ],
)
def test_a_move_the_table_does_not_hold_is_refused(source, target):
    batch = ImportBatch(status=source)
    with pytest.raises(BatchMoveError):
        batch_move(batch, target)
    assert batch.status == source


@pytest.mark.django_db
def test_a_conditional_move_leaves_a_batch_in_another_status_alone(clerk_a):
    waiting = ImportBatch.objects.create(uploaded_by=clerk_a, status=S.VALIDATED, file_name="a.xlsx")
    discarded = ImportBatch.objects.create(uploaded_by=clerk_a, status=S.DISCARDED, file_name="b.xlsx")
    moved = batches_move(ImportBatch.objects.all(), S.VALIDATED, S.QUEUED, rows_processed=0)
    assert moved == 1
    assert ImportBatch.objects.get(pk=waiting.pk).status == S.QUEUED
    assert ImportBatch.objects.get(pk=discarded.pk).status == S.DISCARDED
    with pytest.raises(BatchMoveError):
        batches_move(ImportBatch.objects.all(), S.IMPORTED, S.QUEUED)


def test_no_other_module_sets_the_status():
    """`batch.status = …` or `.update(status=…)` on a batch outside `returns/states.py`."""
    app = Path(__file__).resolve().parent.parent
    offenders = []
    for path in app.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path.name == "states.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr == "status" for t in node.targets
            ):
                offenders.append(f"{path.name}:{node.lineno}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "update"
                and any(k.arg == "status" for k in node.keywords)
            ):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
