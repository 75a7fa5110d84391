"""Settings: embedded defaults, production refusals, and the documented deploy check."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "Zx9-" + "q7Wm2Lp4Rt8Vb1Nc6Hd3Kf5Js0Gy" * 2
PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "debug": settings.DEBUG,
    "db_engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "broker": settings.CELERY_BROKER_URL,
    "backend": settings.CELERY_RESULT_BACKEND,
    "email_backend": settings.EMAIL_BACKEND,
    "email_host": getattr(settings, "EMAIL_HOST", ""),
    "cache": settings.CACHES["default"]["BACKEND"],
    "language": settings.LANGUAGE_CODE,
    "languages": [code for code, _ in settings.LANGUAGES],
    "time_zone": settings.TIME_ZONE,
    "var_dir": str(settings.VAR_DIR),
    "hsts": settings.SECURE_HSTS_SECONDS,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "secure_cookies": settings.SESSION_COOKIE_SECURE,
}))
"""


def run_django(code: str, env: dict, *args: str) -> subprocess.CompletedProcess:
    """Run Python with only the given environment, as on a fresh machine."""
    base = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "unionportal.settings",
        "ENV_FILE": "/nonexistent/.env",
    }
    command = [sys.executable, "-c", code] if code else [sys.executable, *args]
    return subprocess.run(
        command, env=base | env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def probe(env: dict) -> dict:
    code = "import django; django.setup()\n" + PROBE
    result = run_django(code, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults_run_on_one_machine_without_servers(tmp_path):
    found = probe({"DJANGO_DEBUG": "true", "VAR_DIR": str(tmp_path)})
    assert found["db_engine"] == "django.db.backends.sqlite3"
    assert found["db_name"] == str(tmp_path / "db.sqlite3")
    assert found["broker"] == f"sqla+sqlite:///{tmp_path / 'celery-broker.sqlite3'}"
    assert found["backend"].startswith("db+sqlite:///")
    assert found["email_backend"] == "django.core.mail.backends.console.EmailBackend"
    assert found["cache"].endswith("FileBasedCache")
    assert found["language"] == "vi"
    assert found["languages"] == ["vi", "en"]
    assert found["time_zone"] == "Asia/Ho_Chi_Minh"
    assert found["ssl_redirect"] is False


def test_redis_url_moves_broker_results_and_cache_to_redis(tmp_path):
    found = probe(
        {
            "DJANGO_DEBUG": "true",
            "VAR_DIR": str(tmp_path),
            "REDIS_URL": "redis://cache.internal:6379/2",
            "DATABASE_URL": "postgres://u:p@db.internal:5432/portal",
            "EMAIL_URL": "smtp+tls://user:secret@smtp.example.vn:587",
        }
    )
    assert found["broker"] == "redis://cache.internal:6379/2"
    assert found["backend"] == "redis://cache.internal:6379/2"
    assert found["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert found["db_engine"] == "django.db.backends.postgresql"
    assert found["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert found["email_host"] == "smtp.example.vn"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "DJANGO_SECRET_KEY is not set"),
        ({"DJANGO_SECRET_KEY": "short-key"}, "too weak"),
        ({"DJANGO_SECRET_KEY": "a" * 60}, "too weak"),
        ({"DJANGO_SECRET_KEY": "django-insecure-" + "x1y2z3" * 10}, "development key"),
        ({"DJANGO_SECRET_KEY": STRONG_KEY}, "DJANGO_ALLOWED_HOSTS is empty"),
    ],
)
def test_production_start_refuses_weak_secret_or_no_hosts(tmp_path, env, message):
    env = env | {"VAR_DIR": str(tmp_path)}
    result = run_django("import django; django.setup()", env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def production_env(tmp_path) -> dict:
    """Return the environment documented in production.env.example, filled in."""
    filled = {
        "DJANGO_SECRET_KEY": STRONG_KEY,
        "DJANGO_ALLOWED_HOSTS": "congdoan.example.vn",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://congdoan.example.vn",
        "DATABASE_URL": "postgres://u:p@db.internal:5432/portal",
        "REDIS_URL": "redis://redis.internal:6379/0",
        "EMAIL_URL": "smtp+tls://user:secret@smtp.example.vn:587",
        "DEFAULT_FROM_EMAIL": "Công đoàn <no-reply@congdoan.example.vn>",
        "DJANGO_ADMINS": "it@congdoan.example.vn",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "VAR_DIR": str(tmp_path / "var"),
    }
    env = {}
    for line in (ROOT / "production.env.example").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        name, value = line.split("=", 1)
        env[name] = filled[name] if value.startswith("<") else value
    return env


def test_documented_production_environment_passes_check_deploy(tmp_path):
    env = production_env(tmp_path)
    assert set(env) >= {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"}
    result = run_django(
        "", env, "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_defaults_are_secure(tmp_path):
    found = probe(production_env(tmp_path))
    assert found["debug"] is False
    assert found["hsts"] >= 31536000
    assert found["ssl_redirect"] is True
    assert found["secure_cookies"] is True
