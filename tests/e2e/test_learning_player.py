"""Browser tests of learning on a 360 px phone: watch a video, pass a quiz, finish.

The video is a 3-second clip made by the ffmpeg the project's install brings;
the server credits it from the player's heartbeats alone; the member then
downloads the certificate the completion issued, a PDF that reads "Chứng nhận".
"""

import re
import subprocess
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import Page, Request, expect
from pypdf import PdfReader

from learning import services
from learning.models import (
    Certificate,
    Enrolment,
    Lesson,
    LessonCompletion,
    VideoProgress,
)
from learning.services.videos import ffmpeg_exe
from tests.conftest import vi_text as vi
from tests.e2e.conftest import PHONE
from tests.learning.factories import (
    make_category,
    make_course,
    make_module,
    make_quiz_lesson,
    make_small_union,
    truefalse,
)

CLIP_SECONDS = 3
# Chrome DevTools' "Slow 3G" preset: 500 kbit/s at 80%, 400 ms x 5 latency.
SLOW_3G = {
    "offline": False,
    "latency": 2000,
    "downloadThroughput": 500 * 1000 / 8 * 0.8,
    "uploadThroughput": 500 * 1000 / 8 * 0.8,
    "connectionType": "cellular3g",
}
SLOW_TIMEOUT_MS = 90_000


def make_clip(path: Path) -> bytes:
    subprocess.run(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=10",
            "-t",
            str(CLIP_SECONDS),
            "-c:v",
            "libvpx",
            "-b:v",
            "300k",
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    return path.read_bytes()


@pytest.fixture
def learning_course(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    union = make_small_union()
    course = make_course(owner_unit=union.vnpt, title="Kỹ năng số cơ bản")
    module = make_module(course=course, title="Chương 1: Điện thoại an toàn")
    video = Lesson(
        module=module,
        title="Mật khẩu mạnh",
        kind=Lesson.Kind.VIDEO,
        order=1,
        duration_seconds=CLIP_SECONDS,
    )
    video.video_file.save("mat-khau.webm", ContentFile(make_clip(tmp_path / "c.webm")))
    video.captions.save(
        "mat-khau.vtt",
        ContentFile(
            "WEBVTT\n\n00:00.000 --> 00:03.000\nMật khẩu dài thì mạnh.\n".encode()
        ),
    )
    video.save()
    category = make_category(course=course)
    question = truefalse(category, right=True, text="Mật khẩu dài thì mạnh hơn?")
    quiz = make_quiz_lesson(
        module=module,
        questions=(question,),
        title="Kiểm tra nhanh",
        order=2,
        pass_mark=50,
        attempts_allowed=3,
        time_limit_minutes=10,
    )
    return union, course, video, quiz


def document_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_member_watches_a_video_passes_the_quiz_completes_and_downloads_the_certificate(
    page_at, signed_in, screenshot, learning_course, tmp_path
):
    union, course, video, _quiz = learning_course
    member = union.member_a
    page = signed_in(page_at(PHONE), member.user)
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    media: list[str] = []
    page.on(
        "request",
        lambda request: (
            media.append(request.url) if request.resource_type == "media" else None
        ),
    )

    page.goto("/hoc-tap/")
    expect(page.locator(f"#course-{course.pk}")).to_be_visible()
    assert document_width(page) <= PHONE
    screenshot(page, "catalogue")
    page.get_by_role("link", name=course.title).click()
    page.locator("#enrol").click()
    expect(page.locator("#course-progress")).to_be_visible()
    assert Enrolment.objects.filter(member=member, course=course).exists()
    screenshot(page, "course")

    page.get_by_role("link", name=video.title).click()
    player = page.locator("#lesson-video")
    expect(player).to_be_visible()
    expect(page.locator("#playback-rate")).to_be_visible()
    assert document_width(page) <= PHONE
    # The empty heartbeat opens the session before any video byte is asked for.
    page.wait_for_function("() => document.querySelectorAll('track').length === 1")
    assert media == []
    screenshot(page, "player")
    player.evaluate("video => { video.muted = true; return video.play(); }")
    expect(player).to_have_attribute("data-completed", "true", timeout=20_000)
    expect(page.locator("#video-status")).to_have_text(
        vi("Video completed: the lesson counts as done.")
    )
    progress = VideoProgress.objects.get(member=member, lesson=video)
    assert progress.completed_at is not None
    assert progress.covered_seconds >= CLIP_SECONDS * 0.9
    assert LessonCompletion.objects.filter(member=member, lesson=video).exists()
    screenshot(page, "watched")

    page.locator("#next-lesson").click()
    expect(page.locator("#quiz-time-limit")).to_contain_text("10")
    page.locator("#quiz-start").click()
    page.get_by_label(vi("True")).check()
    screenshot(page, "quiz")
    page.locator("#attempt-submit").click()
    expect(page.locator("#attempt-outcome")).to_have_text(vi("Passed."))
    expect(page.locator("#attempts-left")).to_contain_text("2")
    screenshot(page, "result")
    page.locator("#back-to-course").click()
    expect(page.locator("#course-complete")).to_be_visible()
    assert document_width(page) <= PHONE
    screenshot(page, "complete")
    enrolment = Enrolment.objects.get(member=member, course=course)
    assert enrolment.completed_at is not None

    certificate = Certificate.objects.get(enrolment=enrolment)
    page.locator("#my-certificates-link").click()
    card = page.locator(f"#certificate-{certificate.uuid}")
    expect(card).to_contain_text(course.title)
    assert page.locator("#my-certificates article").count() == 1
    assert document_width(page) <= PHONE
    screenshot(page, "certificates")
    with page.expect_download() as download_info:
        card.get_by_role("button", name=vi("Download the certificate (PDF)")).click()
    download = download_info.value
    assert download.suggested_filename == f"chung-nhan-{certificate.uuid}.pdf"
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "Chứng nhận" in PdfReader(pdf).pages[0].extract_text()
    assert len({re.sub(r"#.*", "", url) for url in media}) == 1
    assert refused == []


def test_on_slow_3g_pages_load_and_no_video_is_fetched_before_play(
    page_at, signed_in, screenshot, learning_course
):
    union, course, video, _quiz = learning_course
    member = union.member_a
    services.course_enrol(course=course, member=member)
    assert services.video_rendition_make(lesson_id=video.pk)
    page = signed_in(page_at(PHONE), member.user)
    page.set_default_timeout(SLOW_TIMEOUT_MS)
    page.set_default_navigation_timeout(SLOW_TIMEOUT_MS)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    media: list[Request] = []
    page.on(
        "request",
        lambda request: (
            media.append(request) if request.resource_type == "media" else None
        ),
    )

    page.goto("/hoc-tap/")
    expect(page.locator(f"#course-{course.pk}")).to_be_visible()
    assert media == []
    screenshot(page, "catalogue-slow-3g")

    page.goto(f"/hoc-tap/bai-hoc/{video.pk}/")
    page.wait_for_load_state("load")
    expect(page.locator("#lesson-video")).to_be_visible()
    page.wait_for_timeout(2000)  # time for a preload to start, if one would
    assert len(media) <= 1
    screenshot(page, "player-slow-3g")
    # Chromium's emulated slow 3G reports a slow effective type: the player
    # starts with the low-bitrate rendition without being asked.
    effective = page.evaluate("() => navigator.connection.effectiveType")
    assert effective in {"slow-2g", "2g", "3g"}
    expect(page.locator("#data-saver")).to_be_checked()
    low_url = f"/hoc-tap/bai-hoc/{video.pk}/video-nhe/"
    expect(page.locator("#lesson-video")).to_have_attribute("data-current", low_url)
    page.locator("#lesson-video").evaluate(
        "video => { video.muted = true; return video.play(); }"
    )
    page.wait_for_function(
        "() => document.getElementById('lesson-video').currentTime > 0.5"
    )
    urls = {request.url.split("#")[0] for request in media}
    assert urls == {page.url.split("/hoc-tap/")[0] + low_url}
    # The member's own choice wins over the connection, and is remembered.
    page.locator("#data-saver").uncheck()
    full_url = f"/hoc-tap/bai-hoc/{video.pk}/video/"
    expect(page.locator("#lesson-video")).to_have_attribute("data-current", full_url)
    page.reload()
    expect(page.locator("#data-saver")).not_to_be_checked()
    expect(page.locator("#lesson-video")).to_have_attribute("data-current", full_url)
