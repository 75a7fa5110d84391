"""Health of the parts the portal needs: database, broker and a live worker."""

import time
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from unionportal.celery import app as celery_app

HEARTBEAT_CACHE_KEY = "unionportal:worker-heartbeat"


def heartbeat_record(*, hostname: str) -> None:
    """Record that a worker (and beat, which scheduled it) is alive now."""
    cache.set(
        HEARTBEAT_CACHE_KEY,
        {"at": timezone.now().isoformat(), "hostname": hostname},
        timeout=None,
    )


def _timed(check) -> dict:
    started = time.monotonic()
    try:
        result = check()
    except Exception as exc:
        result = {"ok": False, "error": exc.__class__.__name__}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def _broker() -> dict:
    with celery_app.connection_for_write(connect_timeout=3) as conn:
        conn.ensure_connection(max_retries=0, timeout=3)
        transport = conn.transport_cls
    return {"ok": True, "transport": transport}


def _worker() -> dict:
    beat = cache.get(HEARTBEAT_CACHE_KEY)
    if not beat:
        return {"ok": False, "error": "no heartbeat yet"}
    age = (timezone.now() - datetime.fromisoformat(beat["at"])).total_seconds()
    return {
        "ok": age <= settings.WORKER_HEARTBEAT_MAX_AGE,
        "last_heartbeat": beat["at"],
        "age_seconds": round(age, 1),
        "hostname": beat["hostname"],
    }


def _cache() -> dict:
    """Write and read back a key: sessions and cached figures need the cache."""
    key = "unionportal:health-probe"
    token = timezone.now().isoformat()
    cache.set(key, token, timeout=60)
    if cache.get(key) != token:
        return {"ok": False, "error": "read back differs"}
    return {"ok": True}


CHECKS = {
    "database": _database,
    "cache": _cache,
    "broker": _broker,
    "worker": _worker,
}
# What the whole installation needs (monitoring), and what one web node needs
# to serve pages (a load balancer's check): a dead worker or broker must not
# take every web node out of the balancer, since pages still answer without
# them (members.queue keeps what could not be queued).
FULL = ("database", "broker", "worker")
WEB = ("database", "cache")


def health_report(parts: tuple[str, ...] = FULL) -> dict:
    """Return the status of each of ``parts`` and whether all are healthy."""
    report = {name: _timed(CHECKS[name]) for name in parts}
    return {"ok": all(part["ok"] for part in report.values()), **report}
