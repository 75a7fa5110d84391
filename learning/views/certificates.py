"""Certificates: the member's list and own PDF, and the public page that checks one."""

from allauth.core import ratelimit
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from learning.certificate_pdf import certificate_pdf
from learning.models import Certificate
from members.scope import scoped
from members.views import member_required


@never_cache
@require_safe
@member_required
def my_certificates(request, *, member):
    """List the member's own certificates, each with its download link."""
    certificates = (
        scoped(Certificate.objects.all(), request.user, portal=True)
        .filter(member=member, revoked_at__isnull=True)
        .select_related("course")
    )
    return render(
        request,
        "learning/certificates/my_certificates.html",
        {"certificates": certificates},
    )


def certificate_verify_url(request, certificate: Certificate) -> str:
    return request.build_absolute_uri(
        reverse("learning:certificate_verify", args=[certificate.uuid])
    )


@never_cache
@require_GET
def certificate_verify(request, uuid):
    """Say if a certificate is valid, expired or revoked: name, course, dates only."""
    # allauth's limits skip GET unless told; this page is only ever a GET.
    limited = ratelimit.consume_or_429(
        request, action="certificate_verify", limit_get=True
    )
    if limited is not None:
        return limited
    certificate = (
        Certificate.objects.select_related("member", "course").filter(uuid=uuid).first()
    )
    context = {
        "certificate": certificate,
        "state": certificate.state() if certificate is not None else None,
    }
    response = render(request, "learning/certificates/verify.html", context)
    if certificate is None:
        response.status_code = 404
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@login_required
@require_GET
@member_required
def certificate_download(request, uuid, *, member):
    """The member's own certificate as a PDF; anyone else's is not found."""
    certificate = (
        scoped(Certificate.objects.all(), request.user, portal=True)
        .select_related("member", "course")
        .filter(uuid=uuid, member=member, revoked_at__isnull=True)
        .first()
    )
    if certificate is None:
        raise Http404
    pdf = certificate_pdf(
        certificate, verify_url=certificate_verify_url(request, certificate)
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="chung-nhan-{certificate.uuid}.pdf"'
    )
    return response
