"""The feed's portal pages and the staff's read counts and 20/80 report, scoped."""

import html
import json
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from learning import services
from learning.models import FeedConfirmation, FeedEntry, FeedPost
from tests.conftest import vi_text as vi
from tests.learning.factories_feed import make_post

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


def engaging(union, count, *, unit=None, now=None):
    return [
        make_post(
            owner_unit=unit or union.unit_a,
            title=f"Giải trí {number}",
            category=FeedPost.Category.ENTERTAINMENT,
            now=now,
        )
        for number in range(count)
    ]


def test_the_feed_shows_the_members_posts_and_holds_extra_messaging(client, union):
    now = timezone.now() - timedelta(minutes=10)
    engaging(union, 4, now=now)
    for number in range(3):
        make_post(
            owner_unit=union.vnpt,
            title=f"Tuyên truyền {number}",
            category=FeedPost.Category.MESSAGING,
            now=now,
        )
    make_post(owner_unit=union.unit_b, title="Tin của đơn vị B", now=now)
    client.force_login(union.member_a.user)

    response = client.get(reverse("learning:feed"))

    text = text_of(response)
    assert "Giải trí 3" in text
    assert "Tin của đơn vị B" not in text
    shown = [e.post.title for e in response.context["page"].entries]
    # Four engaging posts make room for one message; two wait, kept.
    assert sum(title.startswith("Tuyên truyền") for title in shown) == 1
    assert (
        FeedEntry.objects.filter(
            member=union.member_a, delivered_at__isnull=True
        ).count()
        == 2
    )


def test_the_feed_page_reads_in_fixed_queries_whatever_the_history(
    client, union, django_assert_num_queries
):
    start = timezone.now() - timedelta(days=60)
    services.feed_sync(member=union.member_a, now=start)
    for day in range(0, 60, 2):
        engaging(union, 2, now=start + timedelta(days=day))
        services.feed_sync(
            member=union.member_a, now=start + timedelta(days=day, hours=1)
        )
    client.force_login(union.member_a.user)
    client.get(reverse("learning:feed"))

    # The session's user, the member, the feed's cursor and new posts,
    # the page's rows (with their confirmations), the menu's unread badge.
    with django_assert_num_queries(6):
        response = client.get(reverse("learning:feed"))
    page = response.context["page"]
    assert len(page.entries) == 20
    older = client.get(reverse("learning:feed"), {"older": page.older})
    assert len(older.context["page"].entries) == 20
    assert not {e.pk for e in page.entries} & {
        e.pk for e in older.context["page"].entries
    }


def test_confirming_from_the_feed_twice_records_once(client, union):
    post = make_post(
        owner_unit=union.vnpt,
        category=FeedPost.Category.MESSAGING,
        title="Chỉ thị bắt buộc",
        confirm_by=timezone.localdate() + timedelta(days=3),
    )
    client.force_login(union.member_a.user)
    url = reverse("learning:feed_post_confirm", args=[post.pk])

    first = client.post(url, {"next": "/bang-tin/#post-1"})
    second = client.post(url, {"next": "https://evil.example/"}, follow=True)

    assert first.status_code == 302
    assert first["Location"] == "/bang-tin/#post-1"
    assert FeedConfirmation.objects.filter(post=post).count() == 1
    assert vi("You have already confirmed this message.") in text_of(second)
    assert second.redirect_chain[0][0] == reverse("learning:feed_post", args=[post.pk])


def test_a_member_cannot_open_or_confirm_another_units_post(client, union):
    post = make_post(
        owner_unit=union.unit_b,
        category=FeedPost.Category.MESSAGING,
        confirm_by=timezone.localdate() + timedelta(days=3),
        image=ContentFile(b"\x89PNG fake", name="anh.png"),
    )
    client.force_login(union.member_a.user)

    for name in ("feed_post", "feed_post_image"):
        assert (
            client.get(reverse(f"learning:{name}", args=[post.pk])).status_code == 404
        )
    response = client.post(reverse("learning:feed_post_confirm", args=[post.pk]))
    assert response.status_code == 404
    assert not FeedConfirmation.objects.exists()


def test_the_screen_reports_views_once(client, union):
    post = engaging(union, 1)[0]
    client.force_login(union.member_a.user)
    client.get(reverse("learning:feed"))
    url = reverse("learning:feed_viewed")

    first = client.post(url, json.dumps({"posts": [post.pk]}), "application/json")
    again = client.post(url, json.dumps({"posts": [post.pk]}), "application/json")
    bad = client.post(url, json.dumps({"posts": "1"}), "application/json")

    assert first.json() == {"recorded": 1}
    assert again.json() == {"recorded": 0}
    assert bad.status_code == 400


def test_media_is_lazy_and_a_video_asks_nothing_before_play(client, union):
    make_post(
        owner_unit=union.unit_a,
        title="Video vui",
        video=ContentFile(b"\x00" * 64, name="clip.mp4"),
    )
    make_post(
        owner_unit=union.unit_a,
        title="Ảnh đẹp",
        image=ContentFile(b"\x89PNG fake", name="anh.png"),
    )
    client.force_login(union.member_a.user)

    page = client.get(reverse("learning:feed")).content.decode()

    assert page.count('preload="none"') == 1
    assert 'loading="lazy"' in page
    image = FeedPost.objects.get(title="Ảnh đẹp")
    served = client.get(reverse("learning:feed_post_image", args=[image.pk]))
    assert served.status_code == 200


def test_the_home_shows_the_latest_feed_posts(client, union):
    engaging(union, 4)
    client.force_login(union.member_a.user)

    response = client.get("/")

    blocks = [panel["template"] for panel in response.context["panels"]]
    assert "learning/feed/home_block.html" in blocks
    text = text_of(response)
    assert "Giải trí 3" in text
    assert "Giải trí 0" not in text


# Staff ---------------------------------------------------------------------------


def test_read_counts_show_only_the_officers_units(client, union):
    post = make_post(
        owner_unit=union.vnpt,
        audience=(union.vnpt,),
        category=FeedPost.Category.MESSAGING,
        confirm_by=timezone.localdate() + timedelta(days=3),
    )
    services.feed_confirm(member=union.member_a, post=post)
    client.force_login(union.officer_vnpt)

    rows = client.get(reverse("admin:learning_feedpost_reads", args=[post.pk])).context[
        "rows"
    ]

    assert {(row.unit_name, row.audience, row.confirmed) for row in rows} == {
        (union.unit_a.name, 1, 1),
        (union.unit_b.name, 1, 0),
    }
    client.force_login(union.officer_a)
    # The post is VNPT's: out of union A's officer's scope.
    assert (
        client.get(reverse("admin:learning_feedpost_reads", args=[post.pk])).status_code
        == 404
    )


def test_the_report_shows_published_and_viewed_shares_against_20_percent(client, union):
    now = timezone.now() - timedelta(minutes=5)
    posts = engaging(union, 4, now=now)
    message = make_post(
        owner_unit=union.unit_a,
        title="Tuyên truyền",
        category=FeedPost.Category.MESSAGING,
        now=now,
    )
    engaging(union, 2, unit=union.unit_b, now=now)
    services.feed_sync(member=union.member_a)
    services.feed_views_record(
        member=union.member_a, post_ids=[posts[0].pk, message.pk]
    )
    client.force_login(union.officer_a)

    response = client.get(reverse("admin:learning_feedpost_report"))

    rows = {row.unit_name: row for row in response.context["rows"]}
    assert set(rows) == {union.unit_a.name}  # union B is out of scope
    row = rows[union.unit_a.name]
    assert (row.published, row.published_messaging) == (5, 1)
    assert (row.viewed, row.viewed_messaging, row.viewed_percent) == (2, 1, 50)
    assert row.over_target
    page = response.content.decode()
    assert "<svg" in page
    assert "<script" not in page.split('id="content-main"')[1]

    book = client.get(reverse("admin:learning_feedpost_report_xlsx"))
    sheet = load_workbook(BytesIO(book.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][:7] == [union.unit_a.name, 5, 1, 20, 2, 1, 50]


def test_a_unit_name_cannot_run_as_a_formula_in_the_export(client, union):
    union.unit_a.name = '=HYPERLINK("http://evil")'
    union.unit_a.save(update_fields=["name"])
    make_post(owner_unit=union.unit_a)
    client.force_login(union.officer_a)

    book = client.get(reverse("admin:learning_feedpost_report_xlsx"))

    sheet = load_workbook(BytesIO(book.content)).active
    assert not str(sheet.cell(row=2, column=1).value).startswith("=")
