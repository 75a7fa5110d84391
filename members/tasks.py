"""Celery tasks of the members app: thin, ids only, each calling one service."""

import time
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from members.services import hrm_import, notifications

# Back off 1, 2, 4, 8 then 16 minutes between e-mail attempts.
RETRY_DELAYS = [60, 120, 240, 480, 960]


@shared_task(acks_late=True, ignore_result=True)
def reminder_due(*, kind: str) -> dict:
    """Store today's notifications of one reminder kind and queue their e-mail."""
    return notifications.reminder_run(kind=kind, today=timezone.localdate())


# A chunk stops taking new messages after SEND_BUDGET seconds and hands the
# rest to a new task; the hard limit stays under STRANDED_AFTER, so the sweeper
# never takes back a chunk whose worker is still sending.
SEND_BUDGET = 240
SEND_TIME_LIMIT = int(notifications.STRANDED_AFTER.total_seconds() * 0.8)


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=len(RETRY_DELAYS),
    time_limit=SEND_TIME_LIMIT,
)
def deliveries_send(self, *, delivery_ids: list[int]) -> dict:
    """Send a chunk of deliveries; retry the ones that failed, with backoff."""
    final = self.request.retries >= self.max_retries
    result = notifications.deliveries_send(
        delivery_ids=delivery_ids,
        final=final,
        claim=self.request.id or "",
        deadline=time.monotonic() + SEND_BUDGET,
    )
    if result["released"]:
        deliveries_send.delay(delivery_ids=result["released"])
    if result["failed"] and not final:
        countdown = RETRY_DELAYS[self.request.retries]
        notifications.deliveries_retry_later(
            delivery_ids=result["failed"],
            at=timezone.now() + timedelta(seconds=countdown),
        )
        raise self.retry(kwargs={"delivery_ids": result["failed"]}, countdown=countdown)
    return result


@shared_task(acks_late=True, ignore_result=True)
def deliveries_release() -> int:
    """Requeue e-mail held for quiet hours or stranded in the queue."""
    return notifications.deliveries_release()


# An import stops itself (failed, resumable) before the hard limit kills its
# worker; a claim older than the hard limit belongs to a dead worker. While
# another execution holds the run, the task looks again each time that
# execution's claim could have gone stale, for as long as the run may last.
IMPORT_TIME_LIMIT = int(hrm_import.RUN_TIME_LIMIT.total_seconds())
IMPORT_LOOK_AGAIN = int(hrm_import.CLAIM_STALE_AFTER.total_seconds()) + 10
IMPORT_LOOKS = IMPORT_TIME_LIMIT // IMPORT_LOOK_AGAIN + 2


@shared_task(
    bind=True,
    acks_late=True,
    time_limit=IMPORT_TIME_LIMIT,
    soft_time_limit=IMPORT_TIME_LIMIT - 60,
    max_retries=IMPORT_LOOKS,
)
def import_run_execute(self, *, run_id: int) -> dict:
    """Execute (or, redelivered after a crash, resume) one HRM import run."""
    run = hrm_import.import_run_execute(run_id=run_id)
    if run.status in hrm_import.IN_PROGRESS:
        # Another execution holds it: if its worker died, take the run back.
        raise self.retry(kwargs={"run_id": run_id}, countdown=IMPORT_LOOK_AGAIN)
    return hrm_import.import_run_summary(run=run)


@shared_task(acks_late=True, ignore_result=True)
def import_drop_dir_scan() -> list[int]:
    """Import new files dropped in IMPORT_DROP_DIR/<employer code>/."""
    from members.services.hrm_import import import_drop_dir_scan

    return import_drop_dir_scan()


@shared_task(acks_late=True, ignore_result=True)
def programmes_refresh_members(*, member_ids: list[int]) -> list[dict]:
    """Refresh some members' rows in the eligible lists of the open programmes."""
    from members.services.programmes import programmes_refresh

    return programmes_refresh(member_ids=member_ids)


@shared_task(acks_late=True, ignore_result=True)
def programmes_refresh_unit(*, unit_id: int) -> list[dict]:
    """Refresh the eligible lists of the programmes over a unit (after an import)."""
    from members.models import Unit
    from members.services.programmes import programmes_refresh_under

    path = Unit.objects.values_list("path", flat=True).get(pk=unit_id)
    return programmes_refresh_under(unit_path=path)


@shared_task(acks_late=True, ignore_result=True)
def programmes_refresh_all() -> list[dict]:
    """Refresh the eligible lists of every programme not closed (nightly)."""
    from members.services.programmes import programmes_refresh

    return programmes_refresh()


@shared_task(acks_late=True, ignore_result=True)
def retention_run() -> list[int]:
    """De-identify the members whose retention period ended (nightly)."""
    from members.services.erasure import retention_apply

    return retention_apply(today=timezone.localdate())


@shared_task(acks_late=True, ignore_result=True)
def import_files_purge() -> dict:
    """Delete stored HRM files past their retention (nightly)."""
    from members.services.hrm_import import import_files_purge

    return import_files_purge()


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OSError,),  # smtplib.SMTPException is an OSError
    retry_backoff=60,
    max_retries=len(RETRY_DELAYS),
)
def account_activation_send(
    *, email: str, request_host: str, scheme: str, language: str
) -> bool:
    """E-mail an activation link if the address is due one (after the response)."""
    from members.services.accounts import account_activation_send

    return account_activation_send(
        email=email, request_host=request_host, scheme=scheme, language=language
    )
