"""Uploaded videos: a low-bitrate rendition for members on slow mobile data.

The rendition is made by the ffmpeg that ``imageio-ffmpeg`` ships in its
wheel, so no host package is needed: about 360 lines high, H.264 at most
400 kbit/s with mono AAC at 48 kbit/s, its index at the front
(``+faststart``) so that playback starts before the whole file arrives.
"""

import logging
import subprocess
import tempfile
from pathlib import Path

from django.core.files import File
from django.db import transaction

from learning.models import Lesson
from members.queue import enqueue_on_commit

logger = logging.getLogger(__name__)

RENDITION_HEIGHT = 360
VIDEO_KBITS = 400
AUDIO_KBITS = 48
FFMPEG_TIMEOUT = 60 * 30


def ffmpeg_exe() -> str:
    """Return the path of the ffmpeg binary that the imageio-ffmpeg wheel ships."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def rendition_command(source: str, target: str) -> list[str]:
    # Never upscale: a clip below 360 lines keeps its height (even, for H.264).
    scale = f"scale=-2:'min({RENDITION_HEIGHT},trunc(ih/2)*2)'"
    return [
        ffmpeg_exe(),
        "-nostdin",
        "-y",
        "-loglevel",
        "error",
        "-i",
        source,
        "-vf",
        scale,
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-profile:v",
        "main",
        "-pix_fmt",
        "yuv420p",
        "-b:v",
        f"{VIDEO_KBITS}k",
        "-maxrate",
        f"{VIDEO_KBITS}k",
        "-bufsize",
        f"{VIDEO_KBITS * 2}k",
        "-c:a",
        "aac",
        "-b:a",
        f"{AUDIO_KBITS}k",
        "-ac",
        "1",
        "-movflags",
        "+faststart",
        target,
    ]


@transaction.atomic
def lesson_video_changed(*, lesson: Lesson) -> None:
    """Drop the old rendition of a lesson whose video changed; queue a new one."""
    if lesson.low_bitrate_file:
        old = lesson.low_bitrate_file.name
        storage = lesson.low_bitrate_file.storage
        transaction.on_commit(lambda: storage.delete(old))
        lesson.low_bitrate_file = ""
        lesson.save(update_fields=["low_bitrate_file"])
    if lesson.video_file:
        from learning.tasks import video_rendition_make

        enqueue_on_commit(video_rendition_make, lesson_id=lesson.pk)


def video_rendition_make(*, lesson_id: int) -> bool:
    """Make the low-bitrate rendition of a lesson's uploaded video; True if made.

    A lesson whose file changed while ffmpeg ran is left alone: the change
    queued its own rendition.
    """
    lesson = Lesson.objects.filter(pk=lesson_id).first()
    if lesson is None or not lesson.video_file:
        return False
    source_name = lesson.video_file.name
    with tempfile.TemporaryDirectory(prefix="rendition-") as work:
        source = Path(work) / ("source" + Path(source_name).suffix)
        target = Path(work) / "low.mp4"
        with lesson.video_file.open("rb") as upload, source.open("wb") as copy:
            for chunk in upload.chunks():
                copy.write(chunk)
        result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            rendition_command(str(source), str(target)),
            capture_output=True,
            timeout=FFMPEG_TIMEOUT,
            check=False,
        )
        if result.returncode != 0:
            logger.error(
                "rendition of lesson %s failed: %s",
                lesson_id,
                result.stderr.decode("utf-8", "replace")[-2000:],
            )
            return False
        with transaction.atomic():
            locked = Lesson.objects.select_for_update().filter(pk=lesson_id).first()
            if locked is None or locked.video_file.name != source_name:
                return False
            old = locked.low_bitrate_file.name if locked.low_bitrate_file else ""
            with target.open("rb") as made:
                name = Path(source_name).stem + "-360p.mp4"
                locked.low_bitrate_file.save(name, File(made), save=False)
            locked.save(update_fields=["low_bitrate_file"])
            if old:
                storage = locked.low_bitrate_file.storage
                transaction.on_commit(lambda: storage.delete(old))
    return True
