"""URLs of learning in the member portal, in Vietnamese as members read them."""

from django.urls import path

from learning.views import (
    certificates,
    courses,
    feed,
    lessons,
    progress,
    quizzes,
    videos,
)

app_name = "learning"

urlpatterns = [
    path("bang-tin/", feed.feed, name="feed"),
    path("bang-tin/da-xem/", feed.feed_viewed, name="feed_viewed"),
    path("bang-tin/<int:post_id>/", feed.feed_post, name="feed_post"),
    path(
        "bang-tin/<int:post_id>/xac-nhan/",
        feed.feed_post_confirm,
        name="feed_post_confirm",
    ),
    path("bang-tin/<int:post_id>/anh/", feed.feed_post_image, name="feed_post_image"),
    path("bang-tin/<int:post_id>/video/", feed.feed_post_video, name="feed_post_video"),
    path("hoc-tap/", courses.catalogue, name="catalogue"),
    path("hoc-tap/cua-toi/", courses.my_courses, name="my_courses"),
    path("hoc-tap/khoa-hoc/<slug:slug>/", courses.course_page, name="course"),
    path(
        "hoc-tap/khoa-hoc/<slug:slug>/ghi-danh/",
        courses.course_enrol,
        name="course_enrol",
    ),
    path("hoc-tap/bai-hoc/<int:lesson_id>/", lessons.lesson_page, name="lesson"),
    path(
        "hoc-tap/bai-hoc/<int:lesson_id>/da-hoc/",
        lessons.lesson_read,
        name="lesson_read",
    ),
    path(
        "hoc-tap/bai-hoc/<int:lesson_id>/lam-bai/",
        lessons.quiz_start,
        name="quiz_start",
    ),
    path(
        "hoc-tap/bai-hoc/<int:lesson_id>/video/",
        videos.lesson_video,
        name="lesson_video",
    ),
    path(
        "hoc-tap/bai-hoc/<int:lesson_id>/video-nhe/",
        videos.lesson_video_low,
        name="lesson_video_low",
    ),
    path(
        "hoc-tap/bai-hoc/<int:lesson_id>/phu-de.vtt",
        videos.lesson_captions,
        name="lesson_captions",
    ),
    path(
        "verify/<uuid:uuid>/",
        certificates.certificate_verify,
        name="certificate_verify",
    ),
    path(
        "hoc-tap/chung-nhan/",
        certificates.my_certificates,
        name="my_certificates",
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
        "hoc-tap/luot-lam-bai/<int:attempt_id>/",
        quizzes.attempt_page,
        name="attempt",
    ),
    path(
        "hoc-tap/luot-lam-bai/<int:attempt_id>/ket-qua/",
        quizzes.attempt_result,
        name="attempt_result",
    ),
    path(
        "hoc-tap/luot-lam-bai/<int:attempt_id>/nop-bai/",
        quizzes.attempt_submit,
        name="attempt_submit",
    ),
]
