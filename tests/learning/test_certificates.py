"""Certificates: issued on completion, a Vietnamese PDF with a QR code, checked."""

import contextlib
import io
import ipaddress
import secrets
import threading
from datetime import timedelta

import pytest
import zxingcpp
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from learning import services
from learning.certificate_pdf import certificate_pdf, certificate_qr_png
from learning.models import Certificate, Enrolment
from learning.services import certificates as certificates_service
from members.models import AuditEvent
from tests.conftest import vi_text
from tests.learning.factories import make_course, make_module, make_text_lesson

pytestmark = pytest.mark.django_db


def _complete(course, member) -> Enrolment:
    """Enrol the member and read the course's one required lesson: it completes."""
    module = make_module(course=course)
    lesson = make_text_lesson(module=module)
    enrolment = services.course_enrol(course=course, member=member)
    services.lesson_complete(member=member, lesson=lesson)
    enrolment.refresh_from_db()
    return enrolment


@pytest.fixture
def certificate(union, course) -> Certificate:
    enrolment = _complete(course, union.member_a)
    return Certificate.objects.get(enrolment=enrolment)


def _address() -> str:
    # Each test its own client address: the rate limit's counters are shared.
    return str(ipaddress.IPv4Address(0x0A000000 + secrets.randbelow(2**24)))


def _verify(client, certificate, address=None):
    return client.get(
        reverse("learning:certificate_verify", args=[certificate.uuid]),
        REMOTE_ADDR=address or _address(),
    )


def test_completing_a_course_issues_one_certificate(union, course):
    enrolment = _complete(course, union.member_a)
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert (certificate.member, certificate.course) == (union.member_a, course)
    assert certificate.issued_at == enrolment.completed_at
    assert services.certificate_issue(enrolment=enrolment) == certificate
    assert not services.course_completion_check(enrolment=enrolment)
    assert Certificate.objects.count() == 1


def test_an_unfinished_course_gives_no_certificate(union, course):
    module = make_module(course=course)
    make_text_lesson(module=module)
    enrolment = services.course_enrol(course=course, member=union.member_a)
    with pytest.raises(ValidationError):
        services.certificate_issue(enrolment=enrolment)
    assert not Certificate.objects.exists()


def test_the_pdf_says_chung_nhan_in_its_font_and_its_qr_leads_to_the_verify_page(
    certificate,
):
    url = f"https://congdoan.example.vn/verify/{certificate.uuid}/"
    pdf = PdfReader(io.BytesIO(certificate_pdf(certificate, verify_url=url)))
    page = pdf.pages[0]
    text = page.extract_text()
    assert "Chứng nhận hoàn thành" in text
    assert "Nguyễn Văn An" in text
    assert certificate.course.title in text
    fonts = {
        str(font["/BaseFont"])
        for font in page["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    assert any("NotoSans" in font for font in fonts)
    (image,) = page.images
    decoded = [barcode.text for barcode in zxingcpp.read_barcodes(image.image)]
    assert decoded == [url]


def test_the_qr_png_decodes_to_the_address():
    from PIL import Image

    url = "https://congdoan.example.vn/verify/x/"
    image = Image.open(io.BytesIO(certificate_qr_png(url)))
    assert [b.text for b in zxingcpp.read_barcodes(image)] == [url]


def test_a_member_downloads_their_own_certificate_and_no_one_elses(
    client, union, certificate
):
    url = reverse("learning:certificate_download", args=[certificate.uuid])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(union.member_a.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Chứng nhận" in text
    verify = reverse("learning:certificate_verify", args=[certificate.uuid])
    assert f"http://testserver{verify}" in text.replace("\n", "")
    client.force_login(union.member_b.user)
    assert client.get(url).status_code == 404
    client.force_login(union.officer_vnpt)  # staff, but not this member
    assert client.get(url)["Content-Type"] != "application/pdf"


def test_my_certificates_lists_the_members_own_with_their_download_links(
    client, union, course, certificate
):
    other_course = make_course(owner_unit=union.vnpt, title="Khoá khác")
    others = Certificate.objects.get(enrolment=_complete(other_course, union.member_b))
    url = reverse("learning:my_certificates")
    client.force_login(union.member_a.user)
    response = client.get(url)
    assert list(response.context["certificates"]) == [certificate]
    html = response.content.decode()
    own = reverse("learning:certificate_download", args=[certificate.uuid])
    assert f'href="{own}"' in html
    assert str(others.uuid) not in html
    assert f'href="{url}"' in html  # the portal's navigation links to it
    client.force_login(union.member_b.user)
    assert list(client.get(url).context["certificates"]) == [others]


def test_my_certificates_leaves_out_a_revoked_one(client, union, certificate):
    services.certificate_revoke(
        certificate=certificate, actor=union.officer_vnpt, reason="Sai thông tin"
    )
    client.force_login(union.member_a.user)
    response = client.get(reverse("learning:my_certificates"))
    assert list(response.context["certificates"]) == []
    assert 'id="no-certificates"' in response.content.decode()


def test_the_verify_page_shows_valid_expired_and_revoked_and_nothing_personal(
    client, union, certificate
):
    page = _verify(client, certificate)
    body = page.content.decode()
    assert page.context["state"] == Certificate.State.VALID
    assert "Nguyễn Văn An" in body
    assert certificate.course.title in body
    for personal in (union.member_a.unit.name, union.member_a.user.email):
        assert personal not in body
    assert page["X-Robots-Tag"] == "noindex, nofollow"

    Certificate.objects.filter(pk=certificate.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    assert _verify(client, certificate).context["state"] == Certificate.State.EXPIRED

    services.certificate_revoke(
        certificate=certificate, actor=union.officer_a, reason="Gian lận khi thi"
    )
    page = _verify(client, certificate)
    assert page.context["state"] == Certificate.State.REVOKED
    assert "Gian lận" not in page.content.decode()


def test_an_unknown_certificate_is_not_found(client):
    page = client.get(
        reverse(
            "learning:certificate_verify",
            args=["00000000-0000-4000-8000-000000000000"],
        ),
        REMOTE_ADDR=_address(),
    )
    assert page.status_code == 404
    assert page.context["certificate"] is None


def test_the_verify_page_is_rate_limited_per_address(client, certificate):
    address = _address()
    codes = [_verify(client, certificate, address).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30
    assert codes[30] == 429
    assert _verify(client, certificate).status_code == 200  # another address


def test_staff_revoke_with_a_reason_in_their_scope_only(union, certificate):
    with pytest.raises(PermissionDenied):
        services.certificate_revoke(
            certificate=certificate, actor=union.officer_b, reason="Không rõ"
        )
    with pytest.raises(ValidationError):
        services.certificate_revoke(
            certificate=certificate, actor=union.officer_a, reason="  "
        )
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    services.certificate_revoke(
        certificate=certificate, actor=union.officer_a, reason="Gian lận khi thi"
    )
    certificate.refresh_from_db()
    assert certificate.revoked_by == union.officer_a
    assert certificate.revoke_reason == "Gian lận khi thi"
    event = AuditEvent.objects.get(detail__action="certificate_revoke")
    assert event.actor_id == union.officer_a.pk
    with pytest.raises(ValidationError):
        services.certificate_revoke(
            certificate=certificate, actor=union.officer_a, reason="Lần nữa"
        )


def test_a_revoked_certificate_is_no_longer_downloaded(client, union, certificate):
    services.certificate_revoke(
        certificate=certificate, actor=union.officer_a, reason="Gian lận khi thi"
    )
    client.force_login(union.member_a.user)
    url = reverse("learning:certificate_download", args=[certificate.uuid])
    assert client.get(url).status_code == 404


def test_the_admin_revokes_through_the_service_and_hides_other_units(
    client, union, certificate
):
    url = reverse("admin:learning_certificate_revoke", args=[certificate.pk])
    client.force_login(union.officer_b)
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "Thử"}).status_code == 404
    changelist = client.get(reverse("admin:learning_certificate_changelist"))
    assert list(changelist.context["cl"].result_list) == []
    client.force_login(union.officer_a)
    page = client.get(url)
    assert page.status_code == 200
    assert vi_text("Revoke the certificate") in page.content.decode()
    response = client.post(url, {"reason": "Gian lận khi thi"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoke_reason == "Gian lận khi thi"


@pytest.mark.django_db(transaction=True)
def test_two_issues_at_once_make_one_certificate(
    postgresql, monkeypatch, union, course
):
    module = make_module(course=course)
    make_text_lesson(module=module)
    enrolment = services.course_enrol(course=course, member=union.member_a)
    Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=timezone.now())
    enrolment.refresh_from_db()
    barrier = threading.Barrier(2, timeout=5)
    create = certificates_service._certificate_create

    def create_when_lined_up(**kwargs):
        # Both have looked and found no certificate; now both insert.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return create(**kwargs)

    monkeypatch.setattr(
        certificates_service, "_certificate_create", create_when_lined_up
    )
    issued, errors = [], []

    def issue():
        try:
            issued.append(services.certificate_issue(enrolment=enrolment).pk)
        except BaseException as error:  # reported in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert errors == []
    assert Certificate.objects.count() == 1
    assert issued == [Certificate.objects.get().pk] * 2
