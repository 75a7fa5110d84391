"""The portal's own icon: at /favicon.ico and linked from every page, admin included."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static

from members.models import Unit
from tests.members.factories import make_staff, make_unit

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_the_projects_own_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    target = response["Location"]
    assert target == static("unionportal/icons/icon-192.png")
    icon = finders.find(target.removeprefix(settings.STATIC_URL))
    assert Path(icon).read_bytes().startswith(b"\x89PNG")
    # Kept a day, not for good: the static name changes with each release.
    assert "max-age=86400" in response["Cache-Control"]


def officer(client):
    unit = make_unit(code="CDCS", name="Công đoàn cơ sở", level=Unit.Level.GRASSROOTS)
    client.force_login(make_staff(email="canbo@example.vn", name="Cán bộ", unit=unit))


@pytest.mark.parametrize(
    ("url", "staff"),
    [("/accounts/login/", False), ("/admin/", True), ("/admin/members/member/", True)],
)
def test_pages_link_the_icon_and_the_app_icon(client, url, staff):
    if staff:
        officer(client)
    response = client.get(url)
    page = response.content.decode()

    assert response.status_code == 200
    icon = static("unionportal/icons/icon-192.png")
    assert f'<link rel="icon" type="image/png" href="{icon}">' in page
    assert f'<link rel="apple-touch-icon" href="{icon}">' in page
