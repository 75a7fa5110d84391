"""Environment for the test run, set before Django reads its settings.

Loaded as a pytest plugin (``-p tests.environment`` in pyproject.toml), so it
runs before pytest-django imports the settings module. Variables already set
(CI sets DATABASE_URL and REDIS_URL) are kept.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("ENV_FILE", "/nonexistent/.env")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-" + "k3y-for-the-test-run-only-" * 3)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
os.environ.setdefault("DJANGO_HSTS_SECONDS", "0")
os.environ.setdefault(
    "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
)
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="unionportal-test-"))
# WhiteNoise warns about a missing STATIC_ROOT; tests serve from the finders.
os.makedirs(os.path.join(os.environ["VAR_DIR"], "static"), exist_ok=True)
os.environ.setdefault("EMAIL_URL", "consolemail://")
# One cache per test process, so that clearing it between tests touches no broker.
os.environ.setdefault("CACHE_URL", "locmemcache://")
# The browser tests run the ORM from Playwright's event-loop thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Under pytest-xdist each worker gets a Redis database of its own, as pytest-django
# gives it a database of its own (test_<name>_gw0, …): a worker's Celery tasks,
# flushes and rate-limit keys never meet another worker's.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    from urllib.parse import urlsplit, urlunsplit

    _url = urlsplit(os.environ["REDIS_URL"])
    _base = int(_url.path.strip("/") or 0)
    _db = (_base + 1 + int(_worker.removeprefix("gw"))) % 16
    os.environ["REDIS_URL"] = urlunsplit(_url._replace(path=f"/{_db}"))
