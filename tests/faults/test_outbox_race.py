"""The progress outbox under concurrent imports (found by bench/deadline.py, issue 21): a sweep that runs while
an import's transaction is open takes the year's row — committed by an earlier transaction — and counts without
the import; the import's own mark found that row and added nothing, so its change waited for the nightly
recompute. The mark is now written again after commit, before the sweep is enqueued."""

from datetime import date

import pytest
from django.db import transaction

from targets.models import ProgressDirtyYear
from targets.services import progress_mark_dirty
from targets.tasks import progress_sweep


@pytest.mark.django_db
def test_a_sweep_during_the_transaction_does_not_lose_its_change(
    django_capture_on_commit_callbacks, monkeypatch, reference_data
):
    enqueued = []
    monkeypatch.setattr(progress_sweep, "apply_async", lambda **options: enqueued.append(options))
    ProgressDirtyYear.objects.create(year=2025)  # pending from another, committed transaction
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        progress_mark_dirty([date(2025, 3, 1).year])
        # A worker's sweep takes the row meanwhile and recomputes without this transaction's change.
        ProgressDirtyYear.objects.all().delete()
    assert set(ProgressDirtyYear.objects.values_list("year", flat=True)) >= {2025}
    assert len(enqueued) == 1
