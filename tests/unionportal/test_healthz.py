"""/healthz: database, broker and worker status as JSON, 503 when one is down."""

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone

from unionportal.celery import app as celery_app
from unionportal.health import heartbeat_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_heartbeat")]

PARTS = ("database", "broker", "worker")
WORKER = "worker@may-chu-1"


def health(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def test_healthz_without_heartbeat_is_503_with_worker_down(client):
    status, report = health(client)

    assert status == 503
    assert report["ok"] is False
    assert report["database"]["ok"] is True
    assert report["database"]["vendor"] == connection.vendor
    assert report["broker"]["ok"] is True
    assert report["broker"]["transport"] == ("redis" if settings.REDIS_URL else "sqla")
    assert report["worker"]["ok"] is False
    assert report["worker"]["error"] == "no heartbeat yet"
    assert all(report[part]["ms"] >= 0 for part in PARTS)


def test_healthz_after_heartbeat_is_200_and_all_ok(client):
    heartbeat_record(hostname=WORKER)

    status, report = health(client)

    assert status == 200
    assert report["ok"] is True
    assert all(report[part]["ok"] for part in PARTS)
    assert report["worker"]["hostname"] == WORKER
    assert 0 <= report["worker"]["age_seconds"] < 5


def test_healthz_is_503_once_heartbeat_is_older_than_max_age(client):
    max_age = settings.WORKER_HEARTBEAT_MAX_AGE
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        heartbeat_record(hostname=WORKER)
        traveller.shift(max_age - 1)
        fresh_status, fresh = health(client)
        traveller.shift(2)
        stale_status, stale = health(client)

    assert fresh_status == 200
    assert fresh["worker"]["age_seconds"] == max_age - 1
    assert stale_status == 503
    assert stale["ok"] is False
    assert stale["worker"]["ok"] is False
    assert stale["worker"]["age_seconds"] == max_age + 1
    assert stale["worker"]["hostname"] == WORKER
    assert stale["database"]["ok"] is True
    assert stale["broker"]["ok"] is True


def test_healthz_reports_closed_broker_port_as_down_at_the_first_try(
    client, monkeypatch
):
    """A closed broker port is reported at once: one try, no retries, bounded."""
    from kombu import Connection

    heartbeat_record(hostname=WORKER)
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    tries = []
    ensure = Connection.ensure_connection

    def counted(self, *args, **kwargs):
        tries.append(kwargs)
        return ensure(self, *args, **kwargs)

    monkeypatch.setattr(Connection, "ensure_connection", counted)

    status, report = health(client)

    assert status == 503
    assert report["ok"] is False
    assert report["broker"]["ok"] is False
    assert report["broker"]["error"] == "OperationalError"
    assert report["database"]["ok"] is True
    assert report["worker"]["ok"] is True
    # One connection attempt, with no retry and a time limit of its own.
    assert len(tries) == 1
    assert tries[0]["max_retries"] == 0
    assert 0 < tries[0]["timeout"] <= 5


def test_healthz_response_is_never_cached(client):
    response = client.get("/healthz")

    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "max-age=0"} <= directives


def test_healthz_web_checks_database_and_cache_only(client, monkeypatch):
    """The load balancer's check stays 200 with the worker and the broker down."""
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")

    response = client.get("/healthz/web")

    assert response.status_code == 200
    report = response.json()
    assert set(report) == {"ok", "database", "cache"}
    assert report["ok"] is True
    assert report["database"]["ok"] is True
    assert report["cache"]["ok"] is True
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert "no-store" in directives


def test_healthz_web_is_503_when_the_database_is_down(client, monkeypatch):
    from unionportal import health

    def down():
        raise ConnectionError("database unreachable")

    monkeypatch.setitem(health.CHECKS, "database", down)

    response = client.get("/healthz/web")

    assert response.status_code == 503
    assert response.json()["ok"] is False
    assert response.json()["database"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": response.json()["database"]["ms"],
    }


def test_healthz_web_is_503_when_the_cache_loses_what_it_was_given(client, monkeypatch):
    from unionportal import health

    monkeypatch.setattr(health.cache, "get", lambda key, default=None: None)

    response = client.get("/healthz/web")

    assert response.status_code == 503
    assert response.json()["cache"] == {
        "ok": False,
        "error": "read back differs",
        "ms": response.json()["cache"]["ms"],
    }


@pytest.mark.parametrize("path", ["/healthz", "/healthz/web"])
def test_health_checks_answer_over_plain_http_when_https_is_enforced(
    client, settings, path
):
    """The balancer's plain-HTTP probe is not redirected; pages still are."""
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(path).status_code in {200, 503}
    assert client.get("/accounts/login/").status_code == 301
