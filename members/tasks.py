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
# rest to a new task; at the hard limit its worker is killed. The sweeper takes
# back claims older than the hard limit, so it never takes a chunk whose worker
# is still sending, and the chunk of a dead worker goes out within two minutes
# (the limit, then the next sweep a minute later).
SEND_TIME_LIMIT = int(notifications.CLAIM_TIME_LIMIT.total_seconds())
SEND_BUDGET = SEND_TIME_LIMIT // 2


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
        notifications.deliveries_queue(delivery_ids=result["released"])
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
    """Delete stored HRM files past their retention, and any no run uses (nightly).

    Erasures still waiting for their files (a message lost, an import that
    ran for a day) are carried out first.
    """
    from members.services.erasure_imports import (
        import_files_erase_pending,
        import_files_unreferenced_delete,
    )
    from members.services.hrm_import import import_files_purge

    import_files_erase_pending()
    purged = import_files_purge()
    purged["unreferenced"] = import_files_unreferenced_delete()
    return purged


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=144)
def import_files_erase(self) -> dict:
    """Rewrite the stored HRM files holding people just erased (queued on commit).

    Files an import is reading are retried every 10 minutes for a day; the
    nightly purge takes any left after that.
    """
    from members.services.erasure_imports import import_files_erase_pending

    done = import_files_erase_pending()
    if done.get("busy") or done.get("waiting"):
        raise self.retry(countdown=60 if done.get("busy") else 600)
    return done


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
