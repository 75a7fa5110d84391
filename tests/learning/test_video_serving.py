"""Lesson videos served with HTTP Range, to enrolled members only."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from learning import services
from learning.models import Lesson

pytestmark = pytest.mark.django_db

BODY = bytes(range(256)) * 40  # 10,240 bytes, each position recognisable


@pytest.fixture
def uploaded(module):
    lesson = Lesson(
        module=module, title="Video", kind=Lesson.Kind.VIDEO, duration_seconds=3
    )
    lesson.video_file.save("bai.mp4", ContentFile(BODY), save=False)
    lesson.save()
    return lesson


@pytest.fixture
def watcher(client, union, course, uploaded):
    services.course_enrol(course=course, member=union.member_a)
    client.force_login(union.member_a.user)
    return client


def _get(client, lesson, range_header=None, name="learning:lesson_video"):
    headers = {"Range": range_header} if range_header else {}
    return client.get(reverse(name, args=[lesson.pk]), headers=headers)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_range_is_answered_with_206_and_its_bytes(watcher, uploaded):
    response = _get(watcher, uploaded, "bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(BODY)}"
    assert response["Content-Length"] == "100"
    assert response["Content-Type"] == "video/mp4"
    assert _body(response) == BODY[100:200]


def test_an_open_ended_and_a_suffix_range(watcher, uploaded):
    tail = _get(watcher, uploaded, "bytes=10000-")
    assert tail.status_code == 206
    assert tail["Content-Range"] == f"bytes 10000-10239/{len(BODY)}"
    assert _body(tail) == BODY[10000:]
    suffix = _get(watcher, uploaded, "bytes=-16")
    assert suffix["Content-Range"] == f"bytes 10224-10239/{len(BODY)}"
    assert _body(suffix) == BODY[-16:]


def test_a_range_past_the_end_is_answered_416(watcher, uploaded):
    response = _get(watcher, uploaded, f"bytes={len(BODY)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(BODY)}"


def test_no_range_gets_the_whole_file_with_200(watcher, uploaded):
    response = _get(watcher, uploaded)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(BODY))
    assert _body(response) == BODY


def test_several_ranges_get_the_whole_file(watcher, uploaded):
    response = _get(watcher, uploaded, "bytes=0-1,5-6")
    assert response.status_code == 200
    assert _body(response) == BODY


def test_the_low_rendition_falls_back_to_the_upload_until_made(watcher, uploaded):
    response = _get(watcher, uploaded, "bytes=0-9", name="learning:lesson_video_low")
    assert _body(response) == BODY[:10]
    uploaded.low_bitrate_file.save("low.mp4", ContentFile(b"L" * 50), save=True)
    response = _get(watcher, uploaded, "bytes=0-9", name="learning:lesson_video_low")
    assert _body(response) == b"L" * 10


def test_a_member_not_enrolled_gets_no_video(client, union, course, uploaded):
    services.course_enrol(course=course, member=union.member_a)
    client.force_login(union.member_b.user)
    assert _get(client, uploaded, "bytes=0-9").status_code == 404
    client.logout()
    assert _get(client, uploaded).status_code == 302


def test_behind_nginx_the_file_is_handed_to_the_web_server(watcher, uploaded, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    response = _get(watcher, uploaded, "bytes=0-9")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == (
        "/protected-media/" + uploaded.video_file.name
    )
    assert response.content == b""


def test_behind_apache_the_path_goes_in_x_sendfile(watcher, uploaded, settings):
    settings.MEDIA_ACCEL_REDIRECT = "on"
    settings.MEDIA_ACCEL_HEADER = "X-Sendfile"
    response = _get(watcher, uploaded)
    assert response["X-Sendfile"] == uploaded.video_file.path


def test_from_a_bucket_the_member_is_sent_to_a_signed_link(watcher, uploaded, settings):
    """MEDIA_STORAGE=s3: the view checks who may watch, the bucket serves ranges."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "unionportal-media",
                "endpoint_url": "https://s3.example.vn",
                "access_key": "AKIAEXAMPLE",
                "secret_key": "secret-example",
                "querystring_auth": True,
                "querystring_expire": 600,
                "signature_version": "s3v4",
                "default_acl": None,
            },
        },
    }
    lesson = Lesson.objects.get(pk=uploaded.pk)
    response = _get(watcher, lesson, "bytes=0-9")
    assert response.status_code == 302
    link = response["Location"]
    assert link.startswith(
        f"https://s3.example.vn/unionportal-media/{lesson.video_file.name}?"
    )
    assert "X-Amz-Signature=" in link
    assert response["Cache-Control"] == "private, no-store"
    # Nobody else is sent there: the check comes before the link.
    watcher.logout()
    assert _get(watcher, lesson).status_code == 302
    assert "s3.example.vn" not in _get(watcher, lesson)["Location"]
