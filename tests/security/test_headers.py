"""Security headers on portal, admin and public pages; no-store where it is personal."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.unionportal.test_settings import production_env, run_django

pytestmark = pytest.mark.django_db
PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="congdoan.example.vn", HTTP_X_FORWARDED_PROTO="https")
found = {}
for path in ("/offline/", "/accounts/login/", "/accounts/password/reset/"):
    response = client.get(path)
    found[path] = {
        "status": response.status_code,
        "headers": dict(response.headers),
        "cookies": {
            name: {key: str(morsel[key]) for key in ("secure", "httponly", "samesite")}
            for name, morsel in response.cookies.items()
        },
    }
plain = Client(HTTP_HOST="congdoan.example.vn").get("/offline/")
found["plain_http"] = {"status": plain.status_code, "location": plain.get("Location")}
print(json.dumps(found))
"""


def directives(policy: str) -> dict[str, list[str]]:
    """Split a Content-Security-Policy header into its directives."""
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_secure_headers(response) -> None:
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert all("unsafe" not in value for values in policy.values() for value in values)
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_portal_page_is_locked_down_and_never_stored(client, member_user):
    client.force_login(member_user)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert_secure_headers(response)
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_admin_page_is_locked_down_and_never_stored(client, superuser):
    client.force_login(superuser)
    for path in ("/admin/", "/admin/members/member/", "/admin/axes/accessattempt/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_secure_headers(response)
        assert "no-store" in response["Cache-Control"], path


def test_public_pages_are_locked_down(client):
    for path in (reverse("account_login"), reverse("portal:offline")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_secure_headers(response)


def test_personal_pages_are_not_stored_and_public_ones_may_be(client, member_user):
    client.force_login(member_user)
    for name in ("members:profile", "members:ecard", "members:inbox"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"], name
    client.logout()
    offline = client.get(reverse("portal:offline"))
    assert "no-store" not in offline["Cache-Control"]
    assert "max-age=86400" in offline["Cache-Control"]


def test_sign_in_steps_that_name_the_person_are_not_stored(client, superuser):
    """Before sign-in ends, the code page shows the e-mail and the app step the user."""
    response = client.post(
        reverse("account_request_login_code"), {"email": superuser.email}
    )
    confirm = client.get(response.url)
    assert superuser.email in confirm.content.decode()
    assert "no-store" in confirm["Cache-Control"]

    client = Client()
    client.post(
        reverse("account_login"), {"login": superuser.email, "password": PASSWORD}
    )
    step = client.get(reverse("mfa_authenticate"))
    assert step.status_code == 200
    assert "no-store" in step["Cache-Control"]


def test_service_worker_and_manifest_are_served_under_the_policy(client):
    worker = client.get(reverse("portal:service-worker"))
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/"
    assert directives(worker["Content-Security-Policy"])["worker-src"] == ["'self'"]
    manifest = client.get(reverse("portal:manifest"))
    assert manifest.status_code == 200
    assert directives(manifest["Content-Security-Policy"])["manifest-src"] == ["'self'"]


def test_production_settings_send_hsts_and_secure_cookies(tmp_path):
    env = production_env(tmp_path) | {
        # Services replaced by local ones; every security setting stays as documented.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CACHE_URL": "locmemcache://",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }
    result = run_django(PRODUCTION_PROBE, env)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)

    for path in ("/offline/", "/accounts/login/", "/accounts/password/reset/"):
        page = found[path]
        assert page["status"] == 200, path
        headers = page["headers"]
        assert headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
    csrf = found["/accounts/login/"]["cookies"]["csrftoken"]
    assert csrf == {"secure": "True", "httponly": "True", "samesite": "Lax"}
    assert found["plain_http"]["status"] == 301
    assert found["plain_http"]["location"].startswith("https://")


def test_the_login_locks_app_has_a_vietnamese_name_in_the_admin():
    from django.apps import apps
    from django.utils import translation

    with translation.override("vi"):
        assert str(apps.get_app_config("axes").verbose_name) == "Khoá đăng nhập"
