"""The portal shell: home, navigation, language, error pages and the web app."""

import json
import struct
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import override_settings
from django.urls import reverse

from unionportal.navigation import nav_items

pytestmark = pytest.mark.django_db


def test_anonymous_home_leads_to_the_vietnamese_login(client):
    response = client.get("/", follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert '<html lang="vi">' in page
    assert "<h1>Đăng nhập</h1>" in page
    assert "Gửi mã đăng nhập cho tôi" in page
    assert "Sign In" not in page


def test_home_greets_the_member_in_vietnamese(client, member_user):
    client.force_login(member_user)
    page = client.get("/").content.decode()
    assert "Xin chào, Trần Thị Bình" in page
    assert 'href="/"' in page
    assert "Trang chủ" in page
    assert "Đăng xuất" in page


def test_english_browser_still_gets_vietnamese(client, member_user):
    client.force_login(member_user)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Xin chào" in page


def test_member_can_switch_to_english_and_back(client, member_user):
    client.force_login(member_user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Hello, Trần Thị Bình" in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert "Xin chào, Trần Thị Bình" in client.get("/").content.decode()


def test_navigation_leaves_out_entries_whose_page_is_not_built(member_user):
    config = apps.get_app_config("learning")
    declared = [
        {"url_name": "learning:home", "label": "Học tập", "order": 10},
        {"url_name": "portal:offline", "label": "Ngoại tuyến", "order": 5},
        {"url_name": "admin:index", "label": "Quản trị", "staff_only": True},
    ]
    original = getattr(config, "portal_nav", [])
    config.portal_nav = declared
    try:
        names = [item.url_name for item in nav_items(user=member_user)]
    finally:
        config.portal_nav = original
    assert "learning:home" not in names
    assert "admin:index" not in names
    assert names[:2] == ["portal:home", "portal:offline"]


def test_signed_in_pages_are_never_stored_by_any_cache(client, member_user):
    client.force_login(member_user)
    response = client.get("/")
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_unknown_page_shows_the_vietnamese_404(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


@override_settings(DEBUG=False)
def test_server_error_page_is_vietnamese_and_reveals_nothing():
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "Lỗi máy chủ" in page
    assert "Traceback" not in page


def test_manifest_describes_an_installable_vietnamese_app(client):
    response = client.get(reverse("portal:manifest"))
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["lang"] == "vi"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix(settings.STATIC_URL))
        header = Path(path).read_bytes()[:24]
        width, height = struct.unpack(">II", header[16:24])
        assert header.startswith(b"\x89PNG")
        assert icon["sizes"] == f"{width}x{height}"


def test_service_worker_precaches_only_the_offline_page_and_static_files(client):
    response = client.get("/sw.js")
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    script = response.content.decode()
    precache = json.loads(script.split("const PRECACHE = ", 1)[1].split(";", 1)[0])
    assert precache[0] == reverse("portal:offline")
    assert all(url.startswith("/static/") for url in precache[1:])
    assert "cache.put" not in script
    offline = client.get(reverse("portal:offline")).content.decode()
    assert "Không có kết nối" in offline


def test_offline_page_carries_no_personal_data(client, member_user):
    client.force_login(member_user)
    page = client.get(reverse("portal:offline")).content.decode()
    assert member_user.email not in page
    assert member_user.name.split()[-1] not in page
