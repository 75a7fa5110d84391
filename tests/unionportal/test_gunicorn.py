"""Gunicorn's settings file: workers from the CPU count, everything from the env."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[2] / "unionportal" / "gunicorn_conf.py"


def load(monkeypatch, **env):
    for name in (
        "WEB_BIND",
        "WEB_PORT",
        "WEB_CONCURRENCY",
        "WEB_THREADS",
        "WEB_TIMEOUT",
        "WEB_MAX_REQUESTS",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf", CONFIG)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("cpus", "workers"), [(1, 3), (2, 5), (4, 9), (16, 16)])
def test_workers_are_two_a_cpu_plus_one_within_bounds(monkeypatch, cpus, workers):
    module = load(monkeypatch)
    assert module.workers_default(cpus) == workers
    assert module.workers == module.workers_default(os.cpu_count())


def test_the_environment_sets_bind_workers_threads_and_timeout(monkeypatch):
    module = load(
        monkeypatch,
        WEB_BIND="0.0.0.0:9000",
        WEB_CONCURRENCY="7",
        WEB_THREADS="4",
        WEB_TIMEOUT="45",
    )
    assert (module.bind, module.workers, module.threads, module.timeout) == (
        "0.0.0.0:9000",
        7,
        4,
        45,
    )
    assert module.worker_class == "gthread"
    assert load(monkeypatch, WEB_PORT="18101").bind == "127.0.0.1:18101"


def test_gunicorn_accepts_the_file_and_loads_the_portal():
    """``gunicorn --check-config`` loads the settings file and the WSGI app."""
    env = {
        **os.environ,
        "WEB_CONCURRENCY": "2",
        "DJANGO_SETTINGS_MODULE": "unionportal.settings",
    }
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--check-config",
            "-c",
            str(CONFIG),
            "unionportal.wsgi",
        ],
        cwd=CONFIG.parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.django_db
def test_the_master_warms_the_apps_up_before_forking(
    monkeypatch, django_assert_num_queries
):
    """when_ready builds the assistant's index; a worker then asks only its version."""
    from feedback.selectors import assistant
    from unionportal import warmup

    closed = []
    monkeypatch.setattr(warmup.connections, "close_all", lambda: closed.append(1))

    monkeypatch.setitem(assistant._cache, "version", None)
    monkeypatch.setitem(assistant._cache, "index", None)
    module = load(monkeypatch)
    logged = []

    class Server:
        class log:  # noqa: N801 gunicorn's logger, as the master passes it
            info = staticmethod(lambda *args: logged.append(args))

    module.when_ready(Server)

    assert logged[0][1] == "feedback.selectors.assistant.assistant_index"
    assert assistant._cache["index"] is not None
    assert closed == [1]  # before the fork: no worker shares the master's

    with django_assert_num_queries(3):  # the base's version only: no rebuild
        assert assistant.assistant_index() is assistant._cache["index"]


@pytest.mark.django_db
def test_a_failing_warm_up_is_logged_and_the_master_starts(monkeypatch, caplog):
    from django.apps import apps

    from unionportal.warmup import apps_warm_up

    config = apps.get_app_config("feedback")
    monkeypatch.setattr(config, "warm_up", "unionportal.warmup.nothing_here")

    assert apps_warm_up() == []
    assert "warm-up unionportal.warmup.nothing_here failed" in caplog.text
