"""Browser test of the member feed on a 360 px phone: media, views, read and confirm.

The feed fits the screen; the video asks for no byte before "play"; the
posts the screen shows are recorded as viewed by the page's script; a double
tap on "I have read and understood" records one confirmation.
"""

import struct
import zlib
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from learning.models import FeedConfirmation, FeedEntry, FeedPost
from tests.conftest import vi_text as vi
from tests.e2e.conftest import PHONE
from tests.e2e.test_accessibility import axe_page as axe_page  # a fixture
from tests.e2e.test_accessibility import axe_violations, described
from tests.learning.factories import make_small_union
from tests.learning.factories_feed import make_post


def png(width: int = 64, height: int = 36) -> bytes:
    """Return a small valid PNG, one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x2f\x6f\x8f" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def feed_world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    union = make_small_union()
    now = timezone.now() - timedelta(minutes=30)
    make_post(
        owner_unit=union.unit_a,
        title="Video: bài tập giãn cơ tại bàn làm việc",
        category=FeedPost.Category.LEARNING,
        video=ContentFile(b"\x1a\x45\xdf\xa3" + b"\x00" * 2048, name="gian-co.webm"),
        now=now,
    )
    for number in range(3):
        make_post(
            owner_unit=union.unit_a,
            title=f"Góc thư giãn số {number + 1}",
            category=FeedPost.Category.ENTERTAINMENT,
            image=ContentFile(png(), name=f"anh-{number}.png"),
            now=now + timedelta(minutes=number + 1),
        )
    message = make_post(
        owner_unit=union.vnpt,
        title="Thông báo bắt buộc về an toàn lao động",
        category=FeedPost.Category.MESSAGING,
        confirm_by=timezone.localdate() + timedelta(days=3),
        now=now + timedelta(minutes=10),
    )
    return union, message


def document_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_member_reads_the_feed_on_a_phone_and_confirms_once(
    page_at, signed_in, screenshot, feed_world
):
    union, message = feed_world
    member = union.member_a
    page = signed_in(page_at(PHONE), member.user)
    media: list[str] = []
    refused: list[str] = []
    page.on(
        "request",
        lambda request: (
            media.append(request.url) if request.resource_type == "media" else None
        ),
    )
    page.on(
        "console",
        lambda entry: (
            refused.append(entry.text)
            if "Content Security Policy" in entry.text
            else None
        ),
    )

    with page.expect_response("**/bang-tin/da-xem/") as seen:
        page.goto("/bang-tin/")
    assert seen.value.status == 200

    post = page.locator(f"#post-{message.pk}")
    expect(post).to_be_visible()
    expect(page.locator("article.feed-post")).to_have_count(5)
    assert document_width(page) <= PHONE
    video = page.locator("video.feed-media")
    expect(video).to_have_attribute("preload", "none")
    assert media == []  # no video byte before "play"
    for image in page.locator("img.feed-media").all():
        expect(image).to_have_attribute("loading", "lazy")
    screenshot(page, "feed")

    # The message, first on the screen, is recorded as seen by the script.
    assert FeedEntry.objects.get(member=member, post=message).viewed_at is not None

    button = post.get_by_role("button", name=vi("I have read and understood"))
    button.dblclick()
    expect(page.locator(".portal-messages")).to_be_visible()
    expect(page.locator(f"#post-{message.pk} .feed-confirmed")).to_have_text(
        vi("You have confirmed you read this message.")
    )
    assert FeedConfirmation.objects.filter(post=message, member=member).count() == 1
    assert document_width(page) <= PHONE
    screenshot(page, "confirmed")

    with page.expect_response("**/bang-tin/da-xem/"):
        page.locator("video.feed-media").scroll_into_view_if_needed()
    assert FeedEntry.objects.filter(member=member, viewed_at__isnull=False).count() >= 2
    assert refused == []


def test_the_feed_pages_and_the_staff_report_pass_axe(axe_page, feed_world):
    union, message = feed_world
    pages = {
        union.member_a.user: [
            "/bang-tin/",
            reverse("learning:feed_post", args=[message.pk]),
            "/",
        ],
        union.officer_vnpt: [
            reverse("admin:learning_feedpost_report"),
            reverse("admin:learning_feedpost_reads", args=[message.pk]),
            reverse("admin:learning_feedpost_change", args=[message.pk]),
            reverse("admin:learning_feedpost_add"),
        ],
    }
    problems = {}
    for user, paths in pages.items():
        page = axe_page(PHONE, user)
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, path
            page.wait_for_load_state("load")
            found = [described(violation) for violation in axe_violations(page)]
            if found:
                problems[path] = found
    assert problems == {}
