"""Lesson videos and captions for enrolled members, with HTTP Range for seeking.

In development (and wherever no web server fronts the portal) Django answers
Range requests itself: 206 with Content-Range for one range, 416 for a range
past the end, 200 with the whole file otherwise (several ranges included, as
RFC 9110 allows). In production, with ``MEDIA_ACCEL_REDIRECT`` set, the view
only checks who may watch and hands the file to the web server
(``X-Accel-Redirect`` for nginx, or ``X-Sendfile`` with ``MEDIA_ACCEL_HEADER``),
which serves the ranges itself; with the files in a bucket
(``MEDIA_STORAGE=s3``) it redirects to a signed link of the object, which the
bucket serves with its ranges; see docs/deploy.md.
"""

import mimetypes
import re
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from learning.selectors.portal import lesson_for_member
from members.views import member_required

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".vtt": "text/vtt"}


def byte_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """Return (first, last) of one satisfiable range, None for the whole file.

    False: the range cannot be satisfied (416).
    """
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None  # absent, malformed or several ranges: the whole file
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return False
        return max(size - suffix, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size:
        return False
    if last and int(last) < start:
        return None
    return start, end


def _chunks(file, start: int, length: int):
    try:
        file.seek(start)
        while length > 0:
            data = file.read(min(CHUNK, length))
            if not data:
                break
            length -= len(data)
            yield data
    finally:
        file.close()


def file_response(request, field_file, *, content_type: str | None = None):
    """Answer a stored file, honouring one byte range, or hand it to the web server."""
    name = field_file.name
    content_type = content_type or _TYPES.get(
        Path(name).suffix.lower(),
        mimetypes.guess_type(name)[0] or "application/octet-stream",
    )
    storage = field_file.storage
    if not isinstance(storage, FileSystemStorage):
        # A bucket (MEDIA_STORAGE=s3): the browser reads the object, ranges
        # and all, through a signed link that expires (CSP_MEDIA_HOSTS
        # names the bucket's host).
        response = HttpResponseRedirect(storage.url(name))
        response["Cache-Control"] = "private, no-store"
        return response
    accel = getattr(settings, "MEDIA_ACCEL_REDIRECT", "")
    if accel:
        response = HttpResponse(content_type=content_type)
        header = getattr(settings, "MEDIA_ACCEL_HEADER", "") or "X-Accel-Redirect"
        if header.lower() == "x-accel-redirect":
            response[header] = accel.rstrip("/") + "/" + name.lstrip("/")
        else:  # X-Sendfile (Apache, lighttpd): the file's path on disk
            response[header] = field_file.path
        response["Cache-Control"] = "private, max-age=3600"
        return response
    try:
        size = storage.size(name)
        modified = storage.get_modified_time(name)
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    wanted = byte_range(request.headers.get("Range", ""), size)
    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = wanted if wanted else (0, size - 1)
    length = max(last - first + 1, 0)
    body = (
        b""
        if request.method == "HEAD"
        else _chunks(storage.open(name, "rb"), first, length)
    )
    response = StreamingHttpResponse(
        body, status=206 if wanted else 200, content_type=content_type
    )
    if wanted:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Last-Modified"] = http_date(modified.timestamp())
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _lesson(member, lesson_id):
    lesson = lesson_for_member(member=member, lesson_id=lesson_id)
    if lesson is None:
        raise Http404
    return lesson


@require_safe
@member_required
def lesson_video(request, lesson_id: int, *, member):
    """Serve the lesson's uploaded video to a member enrolled in its course."""
    lesson = _lesson(member, lesson_id)
    if not lesson.video_file:
        raise Http404
    return file_response(request, lesson.video_file)


@require_safe
@member_required
def lesson_video_low(request, lesson_id: int, *, member):
    """Serve the low-bitrate rendition; the full video while none is made yet."""
    lesson = _lesson(member, lesson_id)
    field_file = lesson.low_bitrate_file or lesson.video_file
    if not field_file:
        raise Http404
    return file_response(request, field_file)


@require_safe
@member_required
def lesson_captions(request, lesson_id: int, *, member):
    """Serve the lesson's WebVTT captions to a member enrolled in its course."""
    lesson = _lesson(member, lesson_id)
    if not lesson.captions:
        raise Http404
    return file_response(
        request, lesson.captions, content_type="text/vtt; charset=utf-8"
    )
