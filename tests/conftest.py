"""Fixtures shared by the whole suite, and the rule that CI never skips a service."""

import os
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.conf import settings
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from members.models import User

PASSWORD = "Mật-khẩu-thử-2024!"
# The authenticator-app secret of the `superuser` fixture (base32, 20 bytes).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = TOTP_SECRET, *, offset: int = 0) -> str:
    """Return the code an authenticator app shows now (or ``offset`` steps away)."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD + offset
    return format_hotp_value(hotp_value(secret, counter))


def vi_text(message: str) -> str:
    """Return a msgid as the Vietnamese page shows it, as plain text."""
    with translation.override("vi"):
        return gettext(message)


def vi(message: str) -> str:
    """Return a msgid as the Vietnamese page shows it, escaped for HTML."""
    return escape(vi_text(message))


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(available: bool, reason: str) -> None:
    """Fail in CI, skip elsewhere, when a service a test needs is missing."""
    if available:
        return
    if in_ci():
        pytest.fail(f"CI requires it: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_sessionstart(session):
    """In CI the suite runs on PostgreSQL and Redis, or not at all."""
    if not in_ci():
        return
    missing = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        missing.append("DATABASE_URL (PostgreSQL)")
    if not settings.REDIS_URL:
        missing.append("REDIS_URL")
    if missing:
        raise pytest.UsageError(f"CI=true but not configured: {', '.join(missing)}")


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def make_user(db):
    def make(email="nguoidung@example.vn", name="Nguyễn Văn An", **extra) -> User:
        return User.objects.create_user(email, PASSWORD, name=name, **extra)

    return make


@pytest.fixture
def member_user(make_user) -> User:
    return make_user("doanvien@example.vn", "Trần Thị Bình")


@pytest.fixture
def superuser(db) -> User:
    """A superuser with an authenticator app, as the admin requires of them."""
    user = User.objects.create_superuser(
        "quantri@example.vn", PASSWORD, name="Lê Quản Trị"
    )
    TOTP.activate(user, TOTP_SECRET)
    return user


@pytest.fixture(autouse=True, scope="session")
def _test_flush_empties_the_audit_trail():
    """Let Django's test flush empty the audit table, which refuses TRUNCATE.

    After each transactional test the flush truncates every table; the audit
    table's trigger (migration 0012) refuses that, as it must in production.
    The test database's role (a superuser) runs the flush with PostgreSQL's
    session_replication_role = replica, under which no trigger fires, for
    that one transaction.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    flush_sql = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **options):
        statements = flush_sql(self, style, tables, **options)
        if statements:
            return ["SET LOCAL session_replication_role = replica", *statements]
        return statements

    patch = pytest.MonkeyPatch()
    patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
    yield
    patch.undo()


# Parallel workers (pytest-xdist) share the one Redis database of a run: each
# keeps its keys under its own prefix and empties only those, so that one
# worker's test never finds its cached figures cleared by another's.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER:
    settings.CACHES["default"]["KEY_PREFIX"] = _WORKER


def cache_empty() -> None:
    """Empty this worker's cache (the whole cache when not run in parallel)."""
    from django.core.cache import cache

    if _WORKER and settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        client = cache._cache.get_client(None, write=True)
        keys = list(client.scan_iter(match=f"{_WORKER}:*", count=1000))
        if keys:
            client.unlink(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start every test with empty rate-limit counters, heartbeats and figures."""
    cache_empty()
    yield
    cache_empty()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Hash test passwords cheaply; production keeps Django's default hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
