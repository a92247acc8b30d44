import time
import uuid

import pytest
from django.core.cache import cache

from targets.tasks import worker_ping


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_round_trip_through_redis_and_a_real_worker(reference_data, celery_worker):
    token = uuid.uuid4().hex
    worker_ping.delay(token)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and cache.get(f"worker-ping:{token}") is None:
        time.sleep(0.2)
    assert cache.get(f"worker-ping:{token}") == 52


def test_eager_mode_without_broker(reference_data):
    token = uuid.uuid4().hex
    worker_ping.delay(token)
    assert cache.get(f"worker-ping:{token}") == 52
