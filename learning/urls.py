"""URLs of learning in the member portal, in Vietnamese as members read them."""

from django.urls import path

from learning.views import (
    badges,
    certificates,
    courses,
    feed,
    leagues,
    lessons,
    progress,
    quizzes,
    videos,
    xp,
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
    path("hoc-tap/diem/", xp.my_xp, name="my_xp"),
    path("hoc-tap/huy-hieu/", badges.my_badges, name="my_badges"),
    path("hoc-tap/bang-xep-hang/", leagues.leaderboard, name="leaderboard"),
    path("hoc-tap/giai-dau-don-vi/", leagues.league, name="league"),
    path("badges/issuer.json", badges.badge_issuer, name="badge_issuer"),
    path("badges/class/<slug:slug>.json", badges.badge_class, name="badge_class"),
    path("badges/class/<slug:slug>.svg", badges.badge_image, name="badge_image"),
    path(
        "badges/assertion/<uuid:uuid>.json",
        badges.badge_assertion,
        name="badge_assertion",
    ),
]
