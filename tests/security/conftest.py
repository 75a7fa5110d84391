"""Helpers for the security tests: logins from a given address, pages compared."""

import re

import pytest
from django.test import Client
from django.urls import reverse

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def login(client: Client, email: str, password: str, *, ip="203.0.113.10", **extra):
    """Post the portal's login form from an address (REMOTE_ADDR)."""
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=ip,
        **extra,
    )


def page_text(response, *replace: str) -> str:
    """Return a page without its CSRF token and with the given texts blanked."""
    text = CSRF.sub('name="csrfmiddlewaretoken" value=""', response.content.decode())
    for value in replace:
        text = text.replace(value, "<blanked>")
    return text


@pytest.fixture
def staff_user(make_user):
    return make_user("canbo@example.vn", "Phạm Cán Bộ", is_staff=True)
