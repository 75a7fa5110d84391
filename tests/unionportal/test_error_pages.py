"""Error pages: the portal's Vietnamese 404, 403 and 500 whatever DEBUG says.

With DEBUG on (as `make run` sets it) Django answered a missing page with its
English technical page, and a crash with its traceback page; the portal's own
pages now answer in every mode, and a crash's traceback goes to the log.
"""

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.test import Client
from django.urls import path

from tests.conftest import vi, vi_text
from unionportal.urls import urlpatterns as portal_urlpatterns

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def missing(request):
    raise Http404("Không có đoàn viên số 42")


def forbidden(request):
    raise PermissionDenied


def crash(request):
    raise ZeroDivisionError("chia cho không")


def own_404(request):
    return JsonResponse({"error": "not here"}, status=404)


urlpatterns = [
    path("test-missing/", missing),
    path("test-forbidden/", forbidden),
    path("test-crash/", crash),
    path("test-own-404/", own_404),
    *portal_urlpatterns,
]

NOT_FOUND = "The page you asked for does not exist or has moved."
DENIED = (
    "You do not have permission to see this page. If you think you should, "
    "contact your union officer."
)
SERVER_ERROR = (
    "Something went wrong on our side. The technical team has been told; please "
    "try again in a few minutes."
)


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.parametrize("url", ["/khong-co-trang-nay/", "/test-missing/"])
def test_a_missing_page_is_the_vietnamese_404_in_every_mode(client, debug, url):
    response = client.get(url)
    page = response.content.decode()

    assert response.status_code == 404
    assert vi(NOT_FOUND) in page
    assert '<html lang="vi">' in page
    assert "Page not found" not in page
    assert "URLconf" not in page
    assert "Không có đoàn viên số 42" not in page


def test_an_unknown_address_still_gains_its_slash(client, debug):
    response = client.get("/admin")

    assert response.status_code == 301
    assert response["Location"] == "/admin/"


def test_a_view_that_answers_404_itself_keeps_its_answer(client, debug):
    response = client.get("/test-own-404/")

    assert response.status_code == 404
    assert response.json() == {"error": "not here"}


def test_a_refusal_is_the_vietnamese_403_in_every_mode(client, debug):
    response = client.get("/test-forbidden/")

    assert response.status_code == 403
    assert vi(DENIED) in response.content.decode()


def test_a_crash_is_the_vietnamese_500_and_its_traceback_is_logged(debug, caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/test-crash/")
    page = response.content.decode()

    assert response.status_code == 500
    assert vi(SERVER_ERROR) in page
    assert "Traceback" not in page
    assert "chia cho không" not in page
    logged = [r for r in caplog.records if r.name == "django.request"]
    assert len(logged) == 1
    assert logged[0].exc_info[0] is ZeroDivisionError
    assert "/test-crash/" in logged[0].getMessage()


def test_a_crash_still_reaches_the_test_client(debug):
    """Django's got_request_exception is sent, as Django itself sends it."""
    with pytest.raises(ZeroDivisionError):
        Client().get("/test-crash/")


def test_a_failed_csrf_check_is_a_vietnamese_403_in_every_mode(debug):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "a@example.vn"})
    page = response.content.decode()

    assert response.status_code == 403
    assert '<html lang="vi">' in page
    assert vi_text("The form had expired") in page
    assert "CSRF verification failed" not in page


def test_technical_pages_can_be_asked_for_in_debug(client, settings):
    settings.DEBUG = True
    settings.TECHNICAL_ERROR_PAGES = True

    page = client.get("/khong-co-trang-nay/").content.decode()

    assert "URLconf" in page
