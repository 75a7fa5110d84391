"""URLs of learning in the member portal, in Vietnamese as members read them."""

from django.urls import path

from learning.views import certificates, progress, quizzes

app_name = "learning"

urlpatterns = [
    path(
        "verify/<uuid:uuid>/",
        certificates.certificate_verify,
        name="certificate_verify",
    ),
    path(
        "hoc-tap/chung-nhan/<uuid:uuid>.pdf",
        certificates.certificate_download,
        name="certificate_download",
    ),
    path(
        "hoc-tap/bai-hoc/<int:lesson_id>/tien-do/",
        progress.lesson_heartbeat,
        name="lesson_heartbeat",
    ),
    path(
        "hoc-tap/luot-lam-bai/<int:attempt_id>/nop-bai/",
        quizzes.attempt_submit,
        name="attempt_submit",
    ),
]
