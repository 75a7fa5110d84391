"""The benchmark databases: checked, created on the server when a run names a
new one, set up with Django, migrated, and holding the register they seed.

A benchmark's ``main()`` reads its options (``register_arguments``,
``seed_arguments``, ``register_defaults``), then
``register = register_ready(args, EXAMPLE)``, or takes the steps of
``register_ready`` one by one to do more between them. Nothing here imports
Django before ``environment`` has set its settings.
"""

import atexit
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path


def register_arguments(parser, *, units: int | None = 1_000) -> None:
    """Add the register's sizes: --members, --units, --relatives, --open-cases.

    ``units=None``: no default, the benchmark scales the units with --members.
    """
    parser.add_argument("--members", type=int, default=82_000)
    if units is None:
        parser.add_argument("--units", type=int, help="default: 1,000 for 82,000")
    else:
        parser.add_argument("--units", type=int, default=units)
    parser.add_argument(
        "--relatives", type=int, help="default: 60,000 for 82,000 members"
    )
    parser.add_argument(
        "--open-cases", type=int, help="default: 2,000 for 82,000 members"
    )


def seed_arguments(parser) -> None:
    """Add --seed and --reseed."""
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--reseed", action="store_true", help="wipe and seed even if sizes match"
    )


def register_defaults(args) -> None:
    """Scale the relatives and open cases not given with the members."""
    if args.relatives is None:
        args.relatives = round(args.members * 60 / 82)
    if args.open_cases is None:
        args.open_cases = round(args.members * 2 / 82)


def database_settings(example: str) -> dict:
    """Return the parsed DATABASE_URL, refusing anything but a bench PostgreSQL.

    ``example`` is the command line shown when DATABASE_URL will not do.
    """
    import environ

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit(
            f"DATABASE_URL is not set; this benchmark needs PostgreSQL:\n  {example}"
        )
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit(f"DATABASE_URL is not PostgreSQL ({config['ENGINE']}):\n  {example}")
    if "bench" not in config["NAME"]:
        sys.exit(
            f"Refusing database {config['NAME']!r}: the benchmark may wipe the "
            "register, so the database's name must contain 'bench'."
        )
    return config


def environment(database: dict) -> bool:
    """Set production-like settings (DEBUG off) and create the database if missing."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionportal.settings")
    # The developer's .env (DJANGO_DEBUG=true) must not leak into the figures.
    os.environ.setdefault("ENV_FILE", "/nonexistent/.env")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
    os.environ.setdefault(
        "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    # Production keeps sessions in Redis; a local-memory cache stands in for it.
    os.environ.setdefault("CACHE_URL", "locmemcache://")
    os.environ.setdefault("EMAIL_URL", "consolemail://")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # One connection for the whole run, as a busy production worker keeps one.
    os.environ.setdefault("DB_CONN_MAX_AGE", "3600")
    var_dir_temporary(static=True)
    return database_create(database)


def var_dir_temporary(*, static: bool) -> None:
    """Unless VAR_DIR is set, point it at a folder deleted when the run ends.

    ``static``: with an empty ``static`` folder in it.
    """
    if "VAR_DIR" in os.environ:
        return
    var_dir = tempfile.mkdtemp(prefix="unionportal-bench-")
    if static:
        (Path(var_dir) / "static").mkdir()
    atexit.register(shutil.rmtree, var_dir, ignore_errors=True)
    os.environ["VAR_DIR"] = var_dir


def database_create(database: dict) -> bool:
    """Create the database a settings dict names; return False if it exists."""
    import psycopg
    from psycopg import sql

    params = {
        "dbname": "postgres",
        "user": database.get("USER"),
        "password": database.get("PASSWORD"),
        "host": database.get("HOST"),
        "port": database.get("PORT"),
    }
    params = {key: value for key, value in params.items() if value}
    with psycopg.connect(**params, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]
        ).fetchone()
        if found:
            return False
        conn.execute(
            sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"]))
        )
        return True


def django_setup(example: str) -> None:
    """Run django.setup(); refuse any database but PostgreSQL."""
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(f"This benchmark runs on PostgreSQL only:\n  {example}")


def migrate(database: dict, created: bool) -> None:
    """Migrate the database, saying whether the run has just created it."""
    from django.core.management import call_command

    state = "created" if created else "exists"
    print(f"Database {database['NAME']} ({state}): migrating…", flush=True)
    call_command("migrate", verbosity=0, interactive=False)


def register_ready(args, example: str, *, database=None, set_environment=None):
    """Return the register ``args`` sizes, in a migrated database.

    Check DATABASE_URL unless ``database`` is its settings already, set the
    environment with ``set_environment`` (``environment`` unless given: it
    creates the database if missing), set Django up, migrate, and seed the
    register or reuse the one left by a run of the same size. Return
    members_seed's Register.
    """
    if database is None:
        database = database_settings(example)
    created = (set_environment or environment)(database)
    django_setup(example)
    migrate(database, created)
    from benchmarks import members_seed

    return members_seed.register_for(args)
