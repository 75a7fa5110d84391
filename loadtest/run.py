"""Run the load test: gunicorn and a Celery worker on this machine, then locust.

    .venv/bin/python loadtest/run.py --users 20 --spawn-rate 5 --time 30s \\
        --max-ms 2000 --prepare

``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` name the database and Redis,
as for the portal. ``--prepare`` migrates, seeds the small demo, collects the
static files and writes the accounts file from the demo's credentials (its
member and its two staff accounts); without it, the database is used as it
is and ``--accounts`` names the accounts file (``seed_demo --scale full``
writes one). The servers listen on 127.0.0.1 only, on ``--port``; the run is
bounded by ``--time`` and ``--users``; everything it started is stopped at
the end. It prints, a line an endpoint, the requests, failures, requests per
second and p50/p95/p99 in milliseconds, and the CPU seconds the web, the
worker and the database used, and exits 1 when locust found a failure or a
response slower than ``--max-ms``.
"""

import argparse
import csv
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
WARM_REQUESTS = 40
BIN = Path(sys.executable).parent


def main() -> int:
    args = _arguments()
    out = ROOT / "var" / "loadtest"
    out.mkdir(parents=True, exist_ok=True)
    env = _environment(args, out)
    if args.prepare:
        _prepare(env, out / "accounts.txt")
    accounts = Path(args.accounts or out / "accounts.txt")
    servers = _start(args, env)
    try:
        _wait_ready(args.port)
        cpu_before = _cpu(servers)
        started = time.monotonic()
        code = _locust(args, env, accounts, out)
        elapsed = time.monotonic() - started
        cpu = {k: v - cpu_before[k] for k, v in _cpu(servers).items()}
    finally:
        _stop(servers)
    _print(out / f"{args.name}_stats.csv", cpu, elapsed, args)
    return code


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--time", default="30s", help="locust's --run-time")
    parser.add_argument("--port", type=int, default=18431)
    parser.add_argument("--web-workers", type=int, default=None)
    parser.add_argument("--max-ms", type=int, default=None)
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--accounts", default=None)
    parser.add_argument("--name", default="run", help="the CSV files' prefix")
    return parser.parse_args()


def _environment(args, out: Path) -> dict[str, str]:
    env = {**os.environ}
    if not env.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database.")
    env.setdefault("DJANGO_SECRET_KEY", "loadtest-" + "x" * 60)
    env.update(
        {
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SECURE_COOKIES": "false",
            "DJANGO_HSTS_SECONDS": "0",
            "ENV_FILE": "/nonexistent/.env",
            "WEB_BIND": f"127.0.0.1:{args.port}",
            "VAR_DIR": str(out / "var"),
            "EMAIL_URL": "consolemail://",
        }
    )
    if args.web_workers:
        env["WEB_CONCURRENCY"] = str(args.web_workers)
    return env


def _manage(env, *command) -> None:
    subprocess.run(
        [str(BIN / "python"), "manage.py", *command],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _prepare(env, accounts: Path) -> None:
    """Migrate, seed the small demo, collect static files, list the accounts."""
    Path(env["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    for command in (
        ("migrate", "--noinput"),
        ("seed_demo",),
        ("collectstatic", "--noinput"),
    ):
        print(f"manage.py {' '.join(command)}…", flush=True)
        _manage(env, *command)
    pairs = dict(
        line.split(" ", 1)
        for line in (Path(env["VAR_DIR"]) / "demo-credentials.txt")
        .read_text()
        .splitlines()
        if line
    )
    from_demo = [
        ("member", "doanvien@congdoan.local"),
        ("staff", "canbo.vnpt@congdoan.local"),
        ("staff", "chamlo.vnpt01@congdoan.local"),
    ]
    accounts.write_text(
        "".join(f"{kind} {email} {pairs[email]}\n" for kind, email in from_demo)
    )
    accounts.chmod(0o600)


def _start(args, env) -> dict[str, subprocess.Popen]:
    log = (ROOT / "var" / "loadtest" / "servers.log").open("w")
    web = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            str(ROOT / "unionportal" / "gunicorn_conf.py"),
            "unionportal.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "unionportal",
            "worker",
            "--concurrency=2",
            "--loglevel=WARNING",
            f"--hostname=loadtest-{args.port}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return {"web": web, "worker": worker}


def _wait_ready(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/accounts/login/"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"The portal did not answer at {url} within {timeout:.0f} s")


def _locust(args, env, accounts: Path, out: Path) -> int:
    run_env = {**env, "LOADTEST_ACCOUNTS": str(accounts)}
    if args.max_ms:
        run_env["LOADTEST_MAX_MS"] = str(args.max_ms)
    result = subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "loadtest" / "locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            args.time,
            "--stop-timeout",
            "10",
            "--host",
            f"http://127.0.0.1:{args.port}",
            "--csv",
            str(out / args.name),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=run_env,
        check=False,
    )
    return result.returncode


def _tree(process: subprocess.Popen) -> list[psutil.Process]:
    try:
        root = psutil.Process(process.pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _cpu(servers) -> dict[str, float]:
    """CPU seconds (user + system) of the web, the worker and the database."""

    def seconds(processes) -> float:
        total = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    database = [
        p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"
    ]
    return {
        "web": seconds(_tree(servers["web"])),
        "worker": seconds(_tree(servers["worker"])),
        "database": seconds(database),
    }


def _stop(servers) -> None:
    for process in servers.values():
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    for process in servers.values():
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _print(stats: Path, cpu: dict[str, float], elapsed: float, args) -> None:
    print()
    print(
        f"{args.users} users, spawn rate {args.spawn_rate}/s, {args.time}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        "| Endpoint | Requests | Failures | Req/s | p50 ms | p95 ms | p99 ms | Max ms |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    with stats.open(newline="") as handle:
        for row in csv.DictReader(handle):
            name = row["Name"] if row["Name"] != "Aggregated" else "**all**"
            print(
                f"| {name} | {row['Request Count']} | {row['Failure Count']} | "
                f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | "
                f"{row['99%']} | {float(row['Max Response Time']):.0f} |"
            )
    print()
    print(
        "CPU seconds over the run ({:.0f} s): web {:.1f}, worker {:.1f}, "
        "database {:.1f}".format(elapsed, cpu["web"], cpu["worker"], cpu["database"])
    )


if __name__ == "__main__":
    sys.exit(main())
