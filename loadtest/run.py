"""Run the load test: gunicorn and Celery workers on this machine, then locust.

    .venv/bin/python loadtest/run.py --users 20 --spawn-rate 5 --time 30s \\
        --max-ms 2000 --prepare

``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` name the database and Redis,
as for the portal. ``--prepare`` migrates, seeds the small demo, collects the
static files, lets the demo's VNPT officer upload HRM files and writes the
accounts file from the demo's credentials (its member and its two staff
accounts); without it, the database is used as it is and ``--accounts``
names the accounts file (``seed_demo --scale full`` writes one). Every run
first writes an HRM workbook an employer from the register
(``loadtest/hrm.py files``), which staff upload in their journey.

The servers listen on 127.0.0.1 only, on ``--port``: gunicorn, a worker for
the "default", "reminders" and "analysis" queues and one for "imports", as
production runs them, so that an import never delays a reminder. The web
workers are warmed before locust starts. With ``--hrm-import`` (or
``--hrm-file PATH``, repeated), the workbooks of every employer (or those
files) are imported ``--hrm-delay`` seconds into the run, the way scheduled
imports start, and the run waits for them to finish to report them. The run
is bounded by ``--time`` and ``--users``; everything it started is stopped at
the end.

It prints, a line an endpoint (``member: …`` and ``staff: …``) and a total
for each, the requests, failures, requests per second and p50/p95/p99 in
milliseconds, the CPU seconds the web, the workers and the database used,
the load average before and after, and the imports' times and rows; it exits
1 when locust found a failure or a response slower than ``--max-ms``, or an
import did not finish done.
"""

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# The demo's accounts the load test logs in with (--prepare), and who uploads
# HRM files among them (the demo gives that permission to no staff role).
FROM_DEMO = [
    ("member", "doanvien@congdoan.local"),
    ("staff", "canbo.vnpt@congdoan.local"),
    ("staff", "chamlo.vnpt01@congdoan.local"),
]
HRM_UPLOADER = "canbo.vnpt@congdoan.local"
# Warming: rounds of requests on fresh connections, until every question the
# assistant answers in a round is this fast (its index is built once a web
# worker, about two seconds for the whole base).
WARM_ROUNDS = 6
WARM_FAST_MS = 500
WARM_PAGES = ["/", "/thong-bao/", "/hoc-tap/cua-toi/", "/hoc-tap/", "/bang-tin/"]
WARM_QUESTION = "Tôi được nghỉ phép năm bao nhiêu ngày?"
WORKERS = {
    # name: queues, concurrency (README "Production and scaling out")
    "worker": ("default,reminders,analysis", 2),
    "imports": ("imports", 1),
}


def main() -> int:
    args = _arguments()
    out = ROOT / "var" / "loadtest"
    out.mkdir(parents=True, exist_ok=True)
    env = _environment(args, out)
    if args.prepare:
        _prepare(env, out / "accounts.txt")
    accounts = Path(args.accounts or out / "accounts.txt")
    hrm_dir = out / "hrm"
    _helper(env, "files", "--out", str(hrm_dir))
    imports = [Path(p) for p in args.hrm_file] or (
        sorted(hrm_dir.glob("*.xlsx")) if args.hrm_import else []
    )
    servers = _start(args, env)
    hrm_runs: list[dict] = []
    locust = None
    try:
        _wait_ready(args.port)
        _warm(args, accounts)
        load_before = os.getloadavg()
        cpu_before = _cpu(servers)
        started = time.monotonic()
        locust = _locust(args, env, accounts, out, hrm_dir)
        queued = None
        if imports:
            queued = _imports_queue(args, env, imports, locust)
            if queued is not None:
                queued["into_run"] = time.monotonic() - started
        code = locust.wait()
        elapsed = time.monotonic() - started
        cpu = {k: v - cpu_before[k] for k, v in _cpu(servers).items()}
        load_after = os.getloadavg()
        if queued is not None:
            hrm_runs = _imports_wait(args, env, queued, len(imports))
            queued["imports_cpu"] = _cpu(servers)["imports"] - cpu_before["imports"]
    finally:
        if locust is not None and locust.poll() is None:
            locust.terminate()  # interrupted: never leave it running
            locust.wait()
        _stop(servers)
    _print(out, cpu, elapsed, args, (load_before, load_after))
    if imports:
        code = _imports_print(hrm_runs, queued, len(imports)) or code
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
    parser.add_argument(
        "--hrm-import",
        action="store_true",
        help="import every employer's workbook of the register during the run",
    )
    parser.add_argument(
        "--hrm-file",
        action="append",
        default=[],
        metavar="PATH",
        help="import this HRM file during the run (repeatable; implies --hrm-import)",
    )
    parser.add_argument(
        "--hrm-delay",
        type=float,
        default=10,
        help="seconds into the run the imports start (default 10)",
    )
    parser.add_argument(
        "--steady",
        action="store_true",
        help="count only once every user is in (locust's --reset-stats): the "
        "logins of the ramp, each a password hash, are left out",
    )
    parser.add_argument(
        "--hrm-wait",
        type=float,
        default=3600,
        help="longest wait, after the run, for the imports to finish (s)",
    )
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
            # Locust plays the reverse proxy: each simulated person comes
            # from an address of their own (X-Forwarded-For), as in production.
            "DJANGO_TRUSTED_PROXY_COUNT": "1",
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


def _helper(env, *command) -> str:
    """Run loadtest/hrm.py (Django, outside the servers); return its last line."""
    result = subprocess.run(
        [str(BIN / "python"), str(ROOT / "loadtest" / "hrm.py"), *command],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = result.stdout.strip().splitlines()
    if command[0] == "files" and lines:
        print(lines[-1], flush=True)
    return lines[-1] if lines else ""


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
    accounts.write_text(
        "".join(f"{kind} {email} {pairs[email]}\n" for kind, email in FROM_DEMO)
    )
    accounts.chmod(0o600)
    _helper(env, "uploader", HRM_UPLOADER)


def _start(args, env) -> dict[str, subprocess.Popen]:
    log = (ROOT / "var" / "loadtest" / "servers.log").open("w")
    servers = {
        "web": subprocess.Popen(
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
    }
    for name, (queues, concurrency) in WORKERS.items():
        servers[name] = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "unionportal",
                "worker",
                "-Q",
                queues,
                f"--concurrency={concurrency}",
                "--loglevel=WARNING",
                f"--hostname=loadtest-{name}-{args.port}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return servers


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


def _web_workers(args) -> int:
    if args.web_workers:
        return args.web_workers
    sys.path.insert(0, str(ROOT / "unionportal"))
    from gunicorn_conf import workers_default

    return workers_default(os.cpu_count() or 1)


def _warm(args, accounts: Path) -> None:
    """Warm every web worker: its templates, the assistant's index, the staff home.

    Each request goes on a fresh connection, so that the workers share them;
    rounds of a few requests a worker go on until every question of a round
    was answered fast (the index built in every worker), or WARM_ROUNDS.
    """
    base = f"http://127.0.0.1:{args.port}"
    kinds = {}
    for line in accounts.read_text(encoding="utf-8").splitlines():
        if line.strip():
            kind, email, password = line.split(maxsplit=2)
            kinds.setdefault(kind, (email, password))
    member = requests.Session()
    member.headers["Connection"] = "close"
    _log_in(member, base, *kinds["member"])
    workers = _web_workers(args)
    started = time.monotonic()

    def ask(_number: int) -> float:
        page = member.get(f"{base}/hoi-cong-doan/", timeout=60)
        asked = time.monotonic()
        member.post(
            f"{base}/hoi-cong-doan/",
            {
                "csrfmiddlewaretoken": _value(page.text, "csrfmiddlewaretoken"),
                "submit_token": _value(page.text, "submit_token"),
                "text": WARM_QUESTION,
            },
            headers={"Referer": f"{base}/hoi-cong-doan/"},
            timeout=60,
        )
        return (time.monotonic() - asked) * 1000

    def pages(_number: int) -> None:
        for path in WARM_PAGES:
            member.get(base + path, timeout=60)

    staff = requests.Session()
    staff.headers["Connection"] = "close"
    _log_in(staff, base, *kinds["staff"])

    def staff_home(_number: int) -> None:
        staff.get(f"{base}/admin/", timeout=60)

    rounds = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(pages, range(2 * workers)))
        list(pool.map(staff_home, range(2 * workers)))
        while rounds < WARM_ROUNDS:
            rounds += 1
            slowest = max(pool.map(ask, range(2 * workers)))
            if slowest < WARM_FAST_MS:
                break
    print(
        f"Warmed {workers} web workers in {time.monotonic() - started:.0f} s "
        f"({rounds} rounds; slowest question of the last {slowest:.0f} ms)",
        flush=True,
    )


def _value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', html)
    return found[1] if found else ""


def _log_in(session: requests.Session, base: str, email: str, password: str) -> None:
    page = session.get(f"{base}/accounts/login/", timeout=60)
    session.post(
        f"{base}/accounts/login/",
        {
            "login": email,
            "password": password,
            "csrfmiddlewaretoken": _value(page.text, "csrfmiddlewaretoken"),
        },
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=60,
    )
    if "sessionid" not in session.cookies:
        raise SystemExit(f"Warming: {email} could not log in")


def _locust(args, env, accounts: Path, out: Path, hrm_dir: Path) -> subprocess.Popen:
    run_env = {
        **env,
        "LOADTEST_ACCOUNTS": str(accounts),
        "LOADTEST_HRM_DIR": str(hrm_dir),
        "LOADTEST_SUMMARY": str(out / f"{args.name}_summary.json"),
    }
    if args.max_ms:
        run_env["LOADTEST_MAX_MS"] = str(args.max_ms)
    return subprocess.Popen(
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
            *(["--reset-stats"] if args.steady else []),
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=run_env,
    )


def _imports_queue(args, env, files: list[Path], locust) -> dict | None:
    """Start the imports --hrm-delay seconds into the run (unless it ended)."""
    try:
        locust.wait(timeout=args.hrm_delay)
        return None  # locust ended first
    except subprocess.TimeoutExpired:
        pass
    queued = json.loads(_helper(env, "queue", *map(str, files)))
    print(f"HRM import: {len(files)} files queued", flush=True)
    return queued


def _imports_wait(args, env, queued: dict, count: int) -> list[dict]:
    """Wait (at most --hrm-wait s) until every queued file's run has finished."""
    deadline = time.monotonic() + args.hrm_wait
    while True:
        runs = json.loads(
            _helper(env, "report", "--since", queued["since"], *queued["files"])
        )
        finished = [r for r in runs if r["status"] not in ("queued", "running")]
        if (len(runs) >= count and len(finished) == len(runs)) or (
            time.monotonic() > deadline
        ):
            return runs
        time.sleep(5)


def _imports_print(runs: list[dict], queued: dict | None, count: int) -> int:
    print()
    if queued is None:
        print("HRM import: the run ended before the imports were to start.")
        return 1
    since = datetime.fromisoformat(queued["since"])

    def seconds(moment: str | None) -> str:
        if not moment:
            return "—"
        return f"{(datetime.fromisoformat(moment) - since).total_seconds():.0f}"

    print(
        "| HRM import | Status | Rows | Done | New | Updated | Unchanged | Held | "
        "Absent | Transfers | Started s | Finished s | Took s |"
    )
    print("| --- | --- |" + " ---: |" * 11)
    for run in runs:
        took = f"{run['duration_ms'] / 1000:.1f}" if run["duration_ms"] else "—"
        print(
            f"| {run['employer']} | {run['status']} | {run['total_rows']} | "
            f"{run['rows_done']} | {run['new']} | {run['updated']} | "
            f"{run['unchanged']} | {run['held']} | {run['absent']} | "
            f"{run['transfers']} | {seconds(run['started_at'])} | "
            f"{seconds(run['finished_at'])} | {took} |"
        )
    total = sum(run["total_rows"] for run in runs)
    ends = [run["finished_at"] for run in runs if run["finished_at"]]
    print(
        f"\nHRM import: {len(runs)} of {count} files, {total} rows, queued "
        f"{queued['into_run']:.0f} s into the run ({queued['since'][11:19]} UTC); "
        f"the last finished {seconds(max(ends)) if ends else '—'} s after that "
        "(the table's times are in seconds after the files were queued); the "
        f"imports worker used {queued['imports_cpu']:.1f} CPU seconds until then."
    )
    failed = len(runs) < count or any(run["status"] != "done" for run in runs)
    if failed:
        print("FAILED: an import did not finish done.")
    return 1 if failed else 0


def _tree(process: subprocess.Popen) -> list[psutil.Process]:
    try:
        root = psutil.Process(process.pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _cpu(servers) -> dict[str, float]:
    """CPU seconds (user + system) so far of the web, each worker, the database,
    the load generator (this script's reaped children: locust) and the machine.

    A process tree counts its live processes and the children its root has
    reaped (gunicorn replaces a worker after ``max_requests``; PostgreSQL's
    backends and parallel workers come and go), so nothing that ended during
    the run is lost.
    """

    def seconds(processes, root=None) -> float:
        total = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
                total += times.user + times.system
                if process is root:
                    total += times.children_user + times.children_system
            except psutil.NoSuchProcess:
                pass
        return total

    def tree(process) -> float:
        processes = _tree(process)
        return seconds(processes, processes[0] if processes else None)

    database = _database_processes()
    postmaster = next((p for p in database if p.ppid() in (0, 1)), None)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine = psutil.cpu_times()
    return {
        **{name: tree(process) for name, process in servers.items()},
        "database": seconds(database, postmaster),
        "load generator": reaped.ru_utime + reaped.ru_stime,
        "machine": machine.user
        + machine.system
        + machine.nice
        + getattr(machine, "irq", 0)
        + getattr(machine, "softirq", 0),
    }


def _database_processes() -> list[psutil.Process]:
    """The PostgreSQL server's own processes and the backends of this database.

    A backend's title names its database ("postgres: 15/main: USER DB HOST
    …"); backends of other databases on a shared server are left out.
    """
    name = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] != "postgres":
            continue
        title = " ".join(process.info["cmdline"] or [])
        backend = "(" in title or "[local]" in title
        if not backend or f" {name} " in title:
            found.append(process)
    # The server itself first: the backends it reaped count with it.
    found.sort(key=lambda process: process.ppid() not in (0, 1))
    return found


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


def _print(out: Path, cpu: dict[str, float], elapsed: float, args, loads) -> None:
    (before, after) = loads
    print()
    print(
        f"{args.users} users, spawn rate {args.spawn_rate}/s, {args.time}; "
        f"load average (1 min) {before[0]:.1f} before, {after[0]:.1f} after"
    )
    print(
        "| Endpoint | Requests | Failures | Req/s | p50 ms | p95 ms | p99 ms | Max ms |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    summary = json.loads(
        (out / f"{args.name}_summary.json").read_text(encoding="utf-8")
    )

    def line(name: str, figures: dict) -> None:
        print(
            f"| {name} | {figures['requests']} | {figures['failures']} | "
            f"{figures['rps']:.1f} | {figures['p50']:.0f} | {figures['p95']:.0f} | "
            f"{figures['p99']:.0f} | {figures['max']:.0f} |"
        )

    for group in ("member", "staff"):
        for name, figures in summary["entries"].items():
            if name.startswith(f"{group}: "):
                line(name, figures)
        if summary["groups"][group]["requests"]:
            line(f"**{group}: all**", summary["groups"][group])
    line("**all**", summary["total"])
    print()
    print(
        "CPU seconds over the run ({:.0f} s, {} cores: {:.0f} available): web "
        "{:.1f}, worker {:.1f}, imports worker {:.1f}, database {:.1f}, load "
        "generator (locust) {:.1f}; the whole machine {:.1f}".format(
            elapsed,
            psutil.cpu_count(),
            elapsed * psutil.cpu_count(),
            cpu["web"],
            cpu["worker"],
            cpu["imports"],
            cpu["database"],
            cpu["load generator"],
            cpu["machine"],
        )
    )


if __name__ == "__main__":
    sys.exit(main())
