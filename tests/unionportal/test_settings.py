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


MEDIA_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.core.files.storage import default_storage
print(json.dumps({
    "backend": settings.STORAGES["default"]["BACKEND"],
    "class": type(default_storage._wrapped if hasattr(default_storage, "_wrapped")
                  else default_storage).__name__,
    "options": settings.STORAGES["default"].get("OPTIONS", {}),
    "url": default_storage.url("bai-hoc/video.mp4"),
}))
"""


def test_media_on_local_disk_by_default_and_in_a_bucket_when_asked(tmp_path):
    base = {"DJANGO_DEBUG": "true", "VAR_DIR": str(tmp_path)}
    local = run_django(MEDIA_PROBE, base)
    assert local.returncode == 0, local.stderr
    assert json.loads(local.stdout)["backend"].endswith("FileSystemStorage")

    bucket = run_django(
        MEDIA_PROBE,
        base
        | {
            "MEDIA_STORAGE": "s3",
            "MEDIA_S3_BUCKET": "unionportal-media",
            "MEDIA_S3_ENDPOINT_URL": "https://s3.example.vn",
            "MEDIA_S3_REGION": "hn-1",
            "MEDIA_S3_ACCESS_KEY": "AKIAEXAMPLE",
            "MEDIA_S3_SECRET_KEY": "secret-example",
            "MEDIA_S3_LINK_SECONDS": "600",
        },
    )
    assert bucket.returncode == 0, bucket.stderr
    found = json.loads(bucket.stdout)
    assert found["backend"] == "storages.backends.s3.S3Storage"
    assert found["options"]["default_acl"] is None
    assert found["options"]["file_overwrite"] is False
    # Private objects, read through a link signed for ten minutes.
    assert found["url"].startswith("https://s3.example.vn/unionportal-media/")
    assert "X-Amz-Signature=" in found["url"]
    assert "X-Amz-Expires=600" in found["url"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MEDIA_STORAGE": "s3"}, "MEDIA_S3_BUCKET"),
        ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE is local or s3"),
    ],
)
def test_a_media_storage_half_configured_refuses_to_start(tmp_path, env, message):
    result = run_django(
        "import django; django.setup()",
        {"DJANGO_DEBUG": "true", "VAR_DIR": str(tmp_path)} | env,
    )
    assert result.returncode != 0
    assert message in result.stderr
