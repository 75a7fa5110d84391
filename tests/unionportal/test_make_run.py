"""`make run`: the port it prints and serves on, and the line that says it is ready."""

import json
import os
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import require_service, vi_text
from tests.unionportal.test_settings import run_django

ROOT = Path(__file__).resolve().parents[2]
# What `make -n run` needs to plan its prerequisites (it runs none of them).
MAKE_INPUTS = (
    "Makefile",
    "requirements.txt",
    "requirements-test.txt",
    "package.json",
    "package-lock.json",
)


def make_run_plan(tmp_path: Path, env: dict, dotenv: str | None = None) -> str:
    """Return the commands `make run` would run in a copy of the project."""
    require_service(shutil.which("make") is not None, "make is not installed")
    for name in MAKE_INPUTS:
        shutil.copy(ROOT / name, tmp_path / name)
    if dotenv is not None:
        (tmp_path / ".env").write_text(dotenv)
    base = {k: v for k, v in os.environ.items() if k != "WEB_PORT"}
    result = subprocess.run(
        ["make", "-n", "run"],
        cwd=tmp_path,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_make_run_prints_the_port_of_web_port(tmp_path):
    plan = make_run_plan(tmp_path, {"WEB_PORT": "18101"})

    assert "http://127.0.0.1:18101/" in plan
    assert "127.0.0.1:8000" not in plan


def test_make_run_takes_web_port_from_env_file_below_the_environment(tmp_path):
    dotenv = "DJANGO_DEBUG=true\nWEB_PORT=18102\n"

    from_file = make_run_plan(tmp_path, {}, dotenv)
    from_environment = make_run_plan(tmp_path, {"WEB_PORT": "18103"}, dotenv)

    assert "http://127.0.0.1:18102/" in from_file
    assert "http://127.0.0.1:18103/" in from_environment
    # honcho would let .env win over the environment: it is not given it.
    assert re.search(r"honcho start -e /dev/null$", from_environment, re.M)


def test_make_run_reads_a_quoted_web_port_from_env_file(tmp_path):
    plan = make_run_plan(tmp_path, {}, 'WEB_PORT="18104"\n')

    assert "http://127.0.0.1:18104/" in plan


def test_make_run_defaults_to_port_8000(tmp_path):
    assert "http://127.0.0.1:8000/" in make_run_plan(tmp_path, {})


def test_procfile_serves_on_web_port():
    web = procfile()["web"]
    result = subprocess.run(
        ["sh", "-c", f"echo {web}"],
        env={"PATH": os.environ["PATH"], "WEB_PORT": "18101"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "127.0.0.1:18101" in result.stdout


def test_procfile_runs_the_ready_watch():
    assert procfile()["ready"] == "python manage.py watch_health"


def test_links_in_e_mails_follow_web_port():
    code = (
        "import django; django.setup()\nfrom django.conf import settings\n"
        "print(settings.WEB_PORT, settings.PORTAL_BASE_URL)"
    )
    result = run_django(code, {"DJANGO_DEBUG": "true", "WEB_PORT": "18101"})
    assert result.stdout.split() == ["18101", "http://127.0.0.1:18101"]


# The ready line ---------------------------------------------------------------


class FakeHealth:
    """A /healthz that answers 503 (worker down) a number of times, then 200."""

    def __init__(self, failures: int):
        self.failures = failures
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests += 1
                ok = owner.requests > owner.failures
                worker = {"ok": True} if ok else {"ok": False, "error": "no heartbeat"}
                body = json.dumps(
                    {"ok": ok, "database": {"ok": True}, "worker": worker}
                ).encode()
                self.send_response(200 if ok else 503)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/healthz"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()


def watch(url: str, **options) -> str:
    out = StringIO()
    call_command("watch_health", url=url, interval=0.01, stdout=out, **options)
    return out.getvalue()


def test_ready_line_comes_once_the_worker_reports_in(monkeypatch):
    monkeypatch.setattr("unionportal.management.commands.watch_health.REMIND_EVERY", 0)
    with FakeHealth(failures=3) as health:
        output = watch(health.url, exit_when_ready=True)

    lines = output.splitlines()
    assert health.requests == 4
    assert "503" in lines[0]
    assert "worker (no heartbeat)" in lines[1]
    portal = health.url.removesuffix("healthz")
    ready = vi_text("Ready: %(portal)s (database, broker and worker are up).")
    assert lines[-1] == ready % {"portal": portal}


def test_ready_watch_fails_when_nothing_answers_in_time():
    with FakeHealth(failures=0) as health:
        url = health.url
    # The server is closed: nothing listens on its port any more.
    with pytest.raises(CommandError) as refused:
        watch(url, exit_when_ready=True, patience=0.05)

    assert vi_text("the web server, which does not answer yet") in str(refused.value)


def test_ready_watch_stays_after_ready_without_polling_on():
    """Under honcho a process that ends stops the others: it stays, quietly."""
    out = StringIO()
    with FakeHealth(failures=0) as health:
        watcher = threading.Thread(
            target=call_command,
            args=("watch_health",),
            kwargs={"url": health.url, "interval": 0.01, "stdout": out},
            daemon=True,
        )
        watcher.start()
        watcher.join(timeout=1)
        polls = health.requests

    assert watcher.is_alive()
    assert polls == 1
    assert health.url.removesuffix("healthz") in out.getvalue().splitlines()[-1]
