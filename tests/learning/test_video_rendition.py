"""The low-bitrate rendition: made by the bundled ffmpeg, queued on upload."""

import re
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from learning import services, tasks
from learning.models import Lesson
from learning.services.videos import ffmpeg_exe
from tests.learning.test_admin import admin_url, form_data

pytestmark = pytest.mark.django_db


def make_clip(path: Path, *, seconds: int = 2, size: str = "640x480") -> Path:
    """Write a short test clip (picture and a tone) with the bundled ffmpeg."""
    subprocess.run(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size={size}:rate=10",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440",
            "-t",
            str(seconds),
            "-c:v",
            "libx264",
            "-b:v",
            "2M",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    return path


def probe(path: str) -> dict:
    """Read the size and bitrates from what ``ffmpeg -i`` prints of a file."""
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", path],
        capture_output=True,
        check=False,
    )
    text = result.stderr.decode("utf-8", "replace")
    video = re.search(r"Stream #\S+.*?Video: (\w+).*?, (\d+)x(\d+)", text)
    total = re.search(r"Duration: [\d:.]+, start: [-\d.]+, bitrate: (\d+) kb/s", text)
    return {
        "codec": video.group(1),
        "width": int(video.group(2)),
        "height": int(video.group(3)),
        "kbits": int(total.group(1)),
        "audio": "Audio:" in text,
    }


@pytest.fixture
def uploaded(module, tmp_path):
    clip = make_clip(tmp_path / "clip.mp4")
    assert probe(str(clip))["height"] == 480
    lesson = Lesson(
        module=module, title="Video", kind=Lesson.Kind.VIDEO, duration_seconds=2
    )
    lesson.video_file.save("bai-giang.mp4", ContentFile(clip.read_bytes()), save=False)
    lesson.save()
    return lesson


def test_the_rendition_is_360p_under_500_kbits(uploaded):
    assert tasks.video_rendition_make(lesson_id=uploaded.pk) is True
    uploaded.refresh_from_db()
    assert uploaded.low_bitrate_file.name.endswith("-360p.mp4")
    found = probe(uploaded.low_bitrate_file.path)
    assert found["height"] <= 360
    assert found["width"] == 480  # the 4:3 picture kept
    assert found["codec"] == "h264"
    assert found["kbits"] < 500
    assert found["audio"]


def test_a_rendition_is_not_saved_for_a_video_replaced_meanwhile(uploaded):
    real_run = subprocess.run

    def replace_then_run(*args, **kwargs):
        Lesson.objects.filter(pk=uploaded.pk).update(video_file="other.mp4")
        return real_run(*args, **kwargs)

    with mock.patch("learning.services.videos.subprocess.run", replace_then_run):
        assert services.video_rendition_make(lesson_id=uploaded.pk) is False
    uploaded.refresh_from_db()
    assert not uploaded.low_bitrate_file


def test_a_file_ffmpeg_cannot_read_leaves_no_rendition(module):
    lesson = Lesson(
        module=module, title="Hỏng", kind=Lesson.Kind.VIDEO, duration_seconds=2
    )
    lesson.video_file.save("hong.mp4", ContentFile(b"not a video"), save=False)
    lesson.save()
    assert services.video_rendition_make(lesson_id=lesson.pk) is False
    lesson.refresh_from_db()
    assert not lesson.low_bitrate_file


def test_uploading_a_video_in_the_admin_queues_its_rendition_after_commit(
    client, union, module, tmp_path, django_capture_on_commit_callbacks
):
    lesson = Lesson.objects.create(
        module=module,
        title="Video",
        kind=Lesson.Kind.VIDEO,
        duration_seconds=2,
        video_url="https://video.example.vn/a.mp4",
    )
    lesson.low_bitrate_file.save("cu.mp4", ContentFile(b"old"), save=True)
    client.force_login(union.officer_vnpt)
    url = admin_url(Lesson, "change", lesson.pk)
    data = form_data(client.get(url), video_url="")
    data["video_file"] = SimpleUploadedFile(
        "moi.mp4", make_clip(tmp_path / "c.mp4").read_bytes(), "video/mp4"
    )
    with (
        mock.patch.object(tasks.video_rendition_make, "apply_async") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    queued.assert_called_once()
    assert queued.call_args.kwargs["kwargs"] == {"lesson_id": lesson.pk}
    lesson.refresh_from_db()
    assert not lesson.low_bitrate_file  # the old rendition no longer matches


def test_saving_a_lesson_without_a_new_video_queues_nothing(
    client, union, module, django_capture_on_commit_callbacks
):
    lesson = Lesson.objects.create(
        module=module,
        title="Video",
        kind=Lesson.Kind.VIDEO,
        duration_seconds=2,
        video_url="https://video.example.vn/a.mp4",
    )
    client.force_login(union.officer_vnpt)
    url = admin_url(Lesson, "change", lesson.pk)
    data = form_data(client.get(url), title="Video mới")
    with (
        mock.patch.object(tasks.video_rendition_make, "apply_async") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert client.post(url, data).status_code == 302
    queued.assert_not_called()
