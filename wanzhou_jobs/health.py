"""Health endpoints for the load balancer and the operator (issue 21, item 2).

`/healthz`: the process answers (200, touches nothing). `/readyz`: 200 only when the database answers, every
migration is applied and — where `REDIS_URL` is set — the broker answers; otherwise 503, the JSON body naming
each problem. It also reports the age of the oldest year waiting in the progress outbox and the time of beat's
last heartbeat, and warns (still 200) when either is older than its threshold: the system serves, but
dashboards or schedules lag.
"""

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

# Once every migration is applied this process keeps knowing it (new migrations come with a restart).
_migrated = False


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database() -> str | None:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return None


def _migrations() -> str | None:
    global _migrated
    if _migrated:
        return None
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
        return f"{len(plan)} unapplied migration(s): {names}"
    _migrated = True
    return None


def _broker() -> str | None:
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return None


def _age_seconds(moment) -> float | None:
    return round((timezone.now() - moment).total_seconds(), 1) if moment else None


def _lag() -> tuple[dict, list[str]]:
    """The progress outbox's oldest pending year and beat's last heartbeat, with warnings when stale."""
    from django.db.models import Min

    # By name, not by import: the project package imports no app (STYLE.md); the outbox is targets'.
    outbox = apps.get_model("targets", "ProgressDirtyYear")
    heartbeat = apps.get_model("wanzhou_jobs", "Heartbeat")
    oldest = outbox.objects.aggregate(oldest=Min("marked_at"))["oldest"]
    last_beat = heartbeat.objects.filter(name="beat").values_list("beat_at", flat=True).first()
    report = {
        "outbox_pending_years": outbox.objects.count(),
        "outbox_oldest_age_seconds": _age_seconds(oldest),
        "beat_last_at": last_beat.isoformat() if last_beat else None,
        "beat_age_seconds": _age_seconds(last_beat),
    }
    warnings = []
    if oldest and report["outbox_oldest_age_seconds"] > settings.HEALTH_OUTBOX_STALE_SECONDS:
        warnings.append(
            f"progress outbox: a year has waited {report['outbox_oldest_age_seconds']:.0f} s "
            f"(> {settings.HEALTH_OUTBOX_STALE_SECONDS} s); is a worker running?"
        )
    if settings.REDIS_URL:  # without a broker nothing runs beat (development: Celery eager)
        if last_beat is None:
            warnings.append("beat: no heartbeat yet; is celery beat running?")
        elif report["beat_age_seconds"] > settings.HEALTH_BEAT_STALE_SECONDS:
            warnings.append(
                f"beat: last heartbeat {report['beat_age_seconds']:.0f} s ago "
                f"(> {settings.HEALTH_BEAT_STALE_SECONDS} s); are beat and a worker running?"
            )
    return report, warnings


def _check(name: str, check, problems: dict) -> bool:
    try:
        problem = check()
    except Exception as exc:  # noqa: BLE001 - any failure is the answer: named, never a traceback
        problem = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    if problem:
        problems[name] = problem
    return not problem


@never_cache
@require_safe
def readyz(request):
    problems: dict[str, str] = {}
    checks = {"database": _check("database", _database, problems)}
    if checks["database"]:
        checks["migrations"] = _check("migrations", _migrations, problems)
    if settings.REDIS_URL:
        checks["broker"] = _check("broker", _broker, problems)
    body = {"status": "ok", "checks": checks}
    if problems:
        body.update(status="unavailable", problems=problems)
        return JsonResponse(body, status=503)
    try:
        lag, warnings = _lag()
    except Exception as exc:  # noqa: BLE001 - the lag report must not turn a ready process into a 503
        lag, warnings = {}, [f"lag report failed: {type(exc).__name__}"]
    body.update(lag)
    if warnings:
        body.update(status="warn", warnings=warnings)
    return JsonResponse(body)
