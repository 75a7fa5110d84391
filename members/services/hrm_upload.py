"""An HRM file uploaded in the admin: checked in bounded memory, then its run queued.

The request reads no sheet. It checks what needs no unpacking (size, real
type and, for a workbook, the zip's directory: parts, declared sizes,
ratios), stores the file and queues a dry run; finding the layout and reading
the rows happen in a worker (the "imports" queue), which streams every part
first and refuses on the run's page what it cannot read. A file the request's
checks refuse is recorded as a refused run at once, as the worker would.
"""

import io
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from members.hrm import FileRefused, file_check
from members.models import ImportRun, Unit, User
from members.queue import task_get
from members.scope import require_unit_in_scope
from members.services.hrm_import import import_run_create


@transaction.atomic
def import_run_upload(
    *, employer: Unit, file_name: str, content: bytes, user: User
) -> ImportRun:
    """Record a dry run of an uploaded file: queued, or refused with its reason.

    A refused run has status REFUSED and the reason as its message (in the
    site's language, like the worker's); nothing is queued for it.
    """
    require_unit_in_scope(user, employer)
    started_at, started = timezone.now(), time.monotonic()
    refusal = None
    try:
        file_check(
            io.BytesIO(content),
            file_name=file_name,
            max_bytes=settings.HRM_IMPORT_MAX_BYTES,
        )
    except FileRefused as error:
        refusal = error
    run = import_run_create(
        employer=employer,
        source=ImportRun.Source.UPLOAD,
        file_name=file_name,
        content=content,
        started_by=user,
        dry_run=True,
    )
    if refusal is None:
        execute_task = task_get("import_run_execute")
        execute_task.delay_on_commit(run_id=run.pk)
        return run
    # The uploader reads the reason on the form: no notification, unlike the
    # worker, whose result arrives when nobody is looking.
    with translation.override(settings.LANGUAGE_CODE):
        run.message = refusal.text
    run.status = ImportRun.Status.REFUSED
    run.started_at = started_at
    run.finished_at = timezone.now()
    run.duration_ms = round((time.monotonic() - started) * 1000)
    run.save(
        update_fields=["status", "message", "started_at", "finished_at", "duration_ms"]
    )
    return run
