"""A certificate as a one-page PDF in a font the project installs, with its QR code."""

import io
from pathlib import Path

import fontpkg_noto_sans
import segno
from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF

from learning.models import Certificate

# Noto Sans covers Vietnamese; it comes with the pip install (OFL-1.1), never
# from the host's fonts, so every machine renders the same certificate.
FONT_PATH = Path(fontpkg_noto_sans.ROOT) / "files" / "NotoSans[wdth,wght].ttf"
FONT = "NotoSans"


def certificate_qr_png(url: str) -> bytes:
    """Return the QR code of the verify address as a PNG."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    """Return the certificate as PDF bytes; its QR code leads to ``verify_url``.

    Written in the union's language, whatever the reader's: it is a document.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _certificate_pdf(certificate, verify_url=verify_url)


def _certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_title(_("Certificate of completion"))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.add_font(FONT, "", str(FONT_PATH))
    width = pdf.w - 40
    pdf.set_draw_color(30, 64, 120)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_xy(20, 30)
    pdf.set_font(FONT, size=30)
    pdf.multi_cell(width, 14, _("Certificate of completion"), align="C")
    pdf.set_font(FONT, size=14)
    pdf.set_x(20)
    pdf.multi_cell(width, 10, _("This certifies that"), align="C")
    pdf.set_font(FONT, size=24)
    pdf.set_x(20)
    pdf.multi_cell(width, 14, certificate.member.full_name, align="C")
    pdf.set_font(FONT, size=14)
    pdf.set_x(20)
    pdf.multi_cell(width, 10, _("has completed the course"), align="C")
    pdf.set_font(FONT, size=20)
    pdf.set_x(20)
    pdf.multi_cell(width, 12, certificate.course.title, align="C")
    pdf.set_font(FONT, size=12)
    issued = timezone.localtime(certificate.issued_at)
    pdf.set_x(20)
    pdf.multi_cell(
        width,
        8,
        _("Issued on %(date)s") % {"date": date_format(issued, "SHORT_DATE_FORMAT")},
        align="C",
    )
    if certificate.expires_at is not None:
        expires = timezone.localtime(certificate.expires_at)
        pdf.set_x(20)
        pdf.multi_cell(
            width,
            8,
            _("Valid until %(date)s")
            % {"date": date_format(expires, "SHORT_DATE_FORMAT")},
            align="C",
        )
    size = 38
    pdf.image(
        io.BytesIO(certificate_qr_png(verify_url)), x=24, y=pdf.h - 24 - size, w=size
    )
    pdf.set_font(FONT, size=9)
    pdf.set_xy(24 + size + 4, pdf.h - 24 - 14)
    pdf.multi_cell(
        width - size - 4,
        5,
        _("Scan the code or open this address to check the certificate:")
        + "\n"
        + verify_url,
    )
    return bytes(pdf.output())
