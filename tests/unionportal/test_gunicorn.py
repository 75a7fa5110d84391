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
