"""The benchmarks' markdown reports: the facts of a run, and tables.

Import it after django.setup() only to call what reads the database or Django
(``postgresql``, ``software``, ``run_facts``); the rest needs neither.
"""

import os
import platform
import shlex
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The PostgreSQL settings the facts name, unless a benchmark names others.
PG_SETTINGS = ("shared_buffers", "work_mem", "random_page_cost")
TIMING_SPAN = "from the start to the end of the timing"


class Percentiles:
    """The median and the 95th percentile of a probe's ``samples``, in ms."""

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95_ms(self) -> float:
        return statistics.quantiles(self.samples, n=100, method="inclusive")[94]


def heading(title: str, facts: list[str]) -> None:
    """Print a report's title, then the facts of its run as a bulleted list."""
    print(f"\n## {title}\n")
    for fact in facts:
        print(f"- {fact}")


def table(header: list[str], rows: list[list[str]], *, left: int = 2) -> None:
    """Print a markdown table, its first ``left`` columns aligned left."""
    aligned = ["---" if i < left else "---:" for i in range(len(header))]
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join(aligned) + " |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def seeded_facts(label: str, seeded) -> list[str]:
    """The lines of what a benchmark seeded: its row counts, and how long it took.

    ``seeded`` has ``counts`` ({name: rows}), ``seeded_s`` (None when an
    earlier run's rows were reused) and ``steps`` ({step: seconds}).
    """
    counts = ", ".join(f"{n:,} {name}" for name, n in seeded.counts.items())
    took = (
        "reused from an earlier run of the same sizes"
        if seeded.seeded_s is None
        else f"{seeded.seeded_s:.1f} s ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in seeded.steps.items())
        + ")"
    )
    return [f"{label}: {counts}", f"{label} seeded: {took}"]


def run_facts(
    *,
    register,
    load_before: tuple[float, float, float],
    total_s: float,
    load_after: tuple[float, float, float] | None = None,
    pg_settings: tuple[str, ...] = PG_SETTINGS,
    users: bool = True,
) -> list[str]:
    """Return the facts of a run on a seeded register, for a bulleted list.

    Date, machine and load (until now unless ``load_after``), PostgreSQL and
    ``pg_settings``, the command and the code, the register, its officers
    (``users``) and its seed; a benchmark adds its own lines after them.
    """
    from django.utils import timezone

    version, settings = postgresql(pg_settings)
    in_brackets = f" ({', '.join(settings)})" if settings else ""
    counts = ", ".join(f"{n:,} {name}" for name, n in register.counts.items())
    facts = [
        f"Date: {timezone.localdate().isoformat()}",
        machine(load_before, load_after or os.getloadavg()),
        f"PostgreSQL {version} on the same machine{in_brackets}; {software()}",
        f"Command: `{command()}`, code at {code_version()}",
        f"Register: {counts}",
    ]
    if users:
        facts.append(
            f"Users: an officer of the sector union ({register.sector.name}: the "
            f"whole register) and of a grassroots union of median size "
            f"({register.grassroots.name}, {register.grassroots.code}: "
            f"{register.grassroots_members} members in it and its groups)"
        )
    facts.append(f"Seed: {_seed(register)}; whole run {total_s:.0f} s")
    return facts


def _seed(register) -> str:
    from benchmarks.members_seed import format_steps

    if register.seeded_s is None:
        return "reused from an earlier run of the same size"
    return f"{register.seeded_s:.1f} s ({format_steps(register.seed_steps)})"


def machine(before: tuple, after: tuple, *, span: str = TIMING_SPAN) -> str:
    """Return the machine's line: cores, CPU and load average over ``span``."""
    load = "/".join(f"{a:.1f}→{b:.1f}" for a, b in zip(before, after, strict=True))
    return (
        f"Machine: {os.cpu_count()} cores ({cpu_model()}); load average "
        f"(1/5/15 min) {span}: {load}"
    )


def postgresql(names: tuple[str, ...] = PG_SETTINGS) -> tuple[str, list[str]]:
    """Return the server's version, and "name value" for each setting named."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version')")
        version = cursor.fetchone()[0]
        settings = []
        for name in names:
            cursor.execute("SELECT current_setting(%s)", [name])
            settings.append(f"{name} {cursor.fetchone()[0]}")
    return version, settings


def software() -> str:
    import django

    return f"Python {platform.python_version()}, Django {django.get_version()}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def code_version() -> str:
    """Return the checkout's commit, and whether files differ from it."""

    def git(*args: str) -> str:
        return subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "an unknown commit"
    return (
        f"{commit} with uncommitted changes" if git("status", "--porcelain") else commit
    )


def command(*variables: str) -> str:
    """Return this run's command line, after the environment variables named.

    DATABASE_URL unless others are named; a password in a URL is masked.
    """
    parts = [
        f"{name}={_masked(os.environ[name])}" for name in variables or ("DATABASE_URL",)
    ]
    script = Path(sys.argv[0]).resolve()
    if script.is_relative_to(ROOT):
        script = script.relative_to(ROOT)
    args = " ".join(shlex.quote(arg) for arg in sys.argv[1:])
    return f"{' '.join(parts)} .venv/bin/python {script} {args}".strip()


def _masked(url: str) -> str:
    """Return ``url`` with the password of its user, if any, as ***."""
    if "@" in url and ":" in url.split("@")[0].split("//")[-1]:
        user = url.split("//", 1)[1].split(":", 1)[0]
        url = url.replace(url.split("@")[0], f"{url.split('//')[0]}//{user}:***")
    return url
