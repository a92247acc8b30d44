import socket
import time
from datetime import date, timedelta

import pytest
from django.db import transaction

from targets import progress
from targets.models import Industry, ProgressDirtyYear, ProgressSnapshot, Township
from targets.services import _PendingRecompute
from wanzhou_jobs.celery import app as celery_app
from workers.models import Workplace
from workers.selectors import nearby_employment_matrix, returnee_counts
from workers.services import EmploymentData, employment_record, worker_register
from workers.tests.factories import EmploymentFactory, WorkerFactory, make_id_number

pytestmark = pytest.mark.django_db


def _job(start, *, industry="02", township="甘宁镇", returnee=False, employer="万州测试厂"):
    return EmploymentData(
        employer_name=employer,
        industry=Industry.objects.get(code=industry),
        workplace=Workplace.IN_DISTRICT,
        workplace_township=Township.objects.get(name=township),
        form="单位就业",
        start_date=start,
        returnee=returnee,
    )


@pytest.fixture
def seeded(reference_data):
    """Several years, townships and industries, with job changes, returnees and out-of-district jobs."""
    ganning, fenshui, gaosuntang = (Township.objects.get(name=n) for n in ("甘宁镇", "分水镇", "高笋塘街道"))
    mfg, build, other = (Industry.objects.get(code=c) for c in ("02", "03", "99"))
    a = WorkerFactory(township=ganning)
    EmploymentFactory(worker=a, industry=build, start_date=date(2025, 2, 1))
    EmploymentFactory(worker=a, industry=mfg, start_date=date(2025, 8, 1))  # job change: counts once, as 03
    EmploymentFactory(worker=a, industry=mfg, start_date=date(2026, 3, 1), returnee=True)
    b = WorkerFactory(township=fenshui)
    EmploymentFactory(worker=b, industry=mfg, start_date=date(2025, 5, 20), returnee=True)
    c = WorkerFactory(township=gaosuntang, is_poverty_alleviated=True)
    EmploymentFactory(worker=c, industry=other, start_date=date(2025, 11, 30))
    d = WorkerFactory(township=fenshui, is_poverty_alleviated=True)
    EmploymentFactory(worker=d, workplace=Workplace.OUT_OF_CITY, start_date=date(2025, 4, 1))
    return {"a": a, "b": b, "c": c, "d": d}


def _row(rows, name):
    return next(r for r in rows if r["name"] == name)


def test_snapshot_equals_selectors(seeded):
    snapshot = progress.progress_recompute(year=2025)
    data = snapshot.data
    matrix = nearby_employment_matrix(year=2025)
    assert data["district"]["count"] == matrix.total == 3
    assert data["as_of"] == "2025-12-31" and data["time_progress"] == 1.0
    by_township = matrix.by_township()
    for row in data["townships"]:
        assert row["count"] == by_township.get(Township.objects.get(code=row["code"]).pk, 0), row["name"]
    by_industry = matrix.by_industry()
    for row in data["industries"]:
        assert row["count"] == by_industry.get(Industry.objects.get(code=row["code"]).pk, 0), row["name"]
    assert _row(data["industries"], "建筑业（含勘察设计业等）")["count"] == 1
    assert _row(data["industries"], "制造业")["count"] == 1
    assert _row(data["industries"], "其他行业")["target"] is None
    assert _row(data["townships"], "高笋塘街道")["count"] == 1
    assert _row(data["townships"], "高笋塘街道")["target"] is None
    assert data["district"]["returnee_count"] == sum(returnee_counts(year=2025).values()) == 1
    assert data["district"]["poverty_alleviated_in_work"] == 2  # c in district, d out of city, both active
    assert data["district"]["monthly"] == [0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3]
    assert snapshot.record_count == 5


def test_cumulative_and_distinct_people(seeded):
    data = progress.progress_build(year=2026, as_of=date(2026, 6, 30))
    assert data["district"]["count"] == 1  # a again, in 2026
    assert data["district"]["cumulative_count"] == 4  # 3 in 2025 + 1 in 2026
    assert data["district"]["distinct_people"] == 3
    assert data["district"]["cumulative_target"] == 30000


def test_sector_groups_sum_their_industries(seeded):
    data = progress.progress_build(year=2025)
    sectors = {r["code"]: r for r in data["sectors"]}
    assert sectors["sector-manufacturing"]["count"] == 1
    assert sectors["sector-construction"]["count"] == 1
    assert sectors["sector-construction"]["industries"] == ["03", "08"]
    assert sectors["sector-manufacturing"]["target"] == 3000


def test_lagging_flags_and_pace(reference_data):
    status = progress.unit_status(count=400, target=1000, progress=0.5, months_left=6)
    assert status["completion_rate"] == 0.4 and status["lagging"] and not status["seriously_lagging"]
    assert status["expected_by_now"] == 500 and status["gap"] == -100
    assert status["projection"] == 800 and status["monthly_pace_needed"] == 100
    serious = progress.unit_status(count=390, target=1000, progress=0.5, months_left=6)
    assert serious["seriously_lagging"]  # 0.39 < 0.8 × 0.5
    no_target = progress.unit_status(count=5, target=None, progress=0.5, months_left=6)
    assert no_target["completion_rate"] is None and not no_target["lagging"]


def test_future_year_has_no_progress(reference_data):
    data = progress.progress_build(year=2027, as_of=date(2026, 11, 23))
    assert data["time_progress"] == 0.0 and data["district"]["count"] == 0
    assert data["district"]["monthly"] == [None] * 12


def test_500_saves_in_one_transaction_enqueue_one_recompute(clerk_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        for i in range(500):
            worker = worker_register(
                acting_user=clerk_a,
                id_number=make_id_number(date(1970, 1, 1) + timedelta(days=i)),
                name="批量测试",
                township=clerk_a.assignment.township,
            )
            employment_record(acting_user=clerk_a, worker=worker, data=_job(date(2025, 3, 1 + i % 28)))
    pending = [c for c in callbacks if isinstance(c, _PendingRecompute)]
    # 2025 itself, and the later plan years whose cumulative figures include 2025.
    assert len(pending) == 1 and pending[0].years == {2025, 2026, 2027}
    assert list(ProgressDirtyYear.objects.order_by("year").values_list("year", flat=True)) == [
        2025,
        2026,
        2027,
    ]


def test_save_then_commit_updates_snapshot_eagerly(clerk_a, django_capture_on_commit_callbacks):
    progress.progress_recompute(year=2025)
    worker = worker_register(
        acting_user=clerk_a, id_number=make_id_number(), name="张三", township=clerk_a.assignment.township
    )
    with django_capture_on_commit_callbacks(execute=True):
        employment_record(acting_user=clerk_a, worker=worker, data=_job(date(2025, 6, 1)))
    assert ProgressSnapshot.objects.get(year=2025).data["district"]["count"] == 1
    assert not ProgressDirtyYear.objects.exists()


@pytest.fixture
def broker_down():
    """Point Celery at a closed port, as if Redis were down."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = "redis://127.0.0.1:1/0", False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    conf.broker_url, conf.task_always_eager = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_broker_down_save_succeeds_and_sweep_repairs(
    clerk_a, broker_down, django_capture_on_commit_callbacks, monkeypatch
):
    progress.progress_recompute(year=2025)
    worker = worker_register(
        acting_user=clerk_a, id_number=make_id_number(), name="李四", township=clerk_a.assignment.township
    )
    broker_attempts = []
    connect = socket.socket.connect

    def counting_connect(sock, address):
        if address == ("127.0.0.1", 1):
            broker_attempts.append(address)
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", counting_connect)
    with django_capture_on_commit_callbacks(execute=True):
        employment_record(acting_user=clerk_a, worker=worker, data=_job(date(2025, 6, 1)))
    # The save does not wait on the broker: one publish, tried once more (CELERY_BROKER_TRANSPORT_OPTIONS).
    assert len(broker_attempts) == 2
    assert worker.employments.count() == 1
    assert list(ProgressDirtyYear.objects.order_by("year").values_list("year", flat=True)) == [
        2025,
        2026,
        2027,
    ]
    assert ProgressSnapshot.objects.get(year=2025).data["district"]["count"] == 0  # stale until the sweep
    assert progress.progress_sweep() == [2025, 2026, 2027]
    assert ProgressSnapshot.objects.get(year=2025).data["district"]["count"] == 1
    assert progress.progress_sweep() == []


def test_recompute_twice_is_idempotent(seeded):
    first = progress.progress_recompute(year=2025).data
    second = progress.progress_recompute(year=2025).data
    assert first == second and ProgressSnapshot.objects.count() == 1


def test_recompute_command(seeded, capsys):
    from django.core.management import call_command

    call_command("recompute_progress", "--year", "2025")
    assert "2025 年（截至 2025-12-31）：新增就近就业 3 人 / 目标 15000" in capsys.readouterr().out


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_real_worker_updates_snapshot_after_save(clerk_a, celery_worker):
    worker = worker_register(
        acting_user=clerk_a, id_number=make_id_number(), name="王五", township=clerk_a.assignment.township
    )
    started = time.monotonic()
    employment_record(acting_user=clerk_a, worker=worker, data=_job(date(2025, 6, 1)))
    deadline = started + 30
    count = None
    while time.monotonic() < deadline:
        snapshot = ProgressSnapshot.objects.filter(year=2025).first()
        count = snapshot.data["district"]["count"] if snapshot else None
        if count == 1:
            break
        time.sleep(0.3)
    assert count == 1
    # 2026 and 2027 (whose cumulative figures include 2025) are swept too, and the outbox empties.
    while ProgressDirtyYear.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.3)
    assert not ProgressDirtyYear.objects.exists()
    assert ProgressSnapshot.objects.filter(year__in=[2026, 2027]).count() == 2


@pytest.mark.parametrize(
    ("as_of", "left"),
    [
        (date(2026, 12, 3), 1),  # December: the month in progress is a month left (issue 18, item 6)
        (date(2026, 12, 31), 0),  # the year is over
        (date(2026, 11, 30), 1),  # November over: December left
        (date(2026, 1, 1), 12),
        (date(2025, 6, 1), 12),  # before the year
        (date(2027, 1, 5), 0),  # after it
    ],
)
def test_months_left_counts_the_month_in_progress(as_of, left):
    assert progress.months_left(2026, as_of) == left


def test_the_pace_in_december_is_what_remains(reference_data):
    status = progress.unit_status(
        count=4174, target=15000, progress=0.92, months_left=progress.months_left(2026, date(2026, 12, 3))
    )
    assert status["monthly_pace_needed"] == 10826
