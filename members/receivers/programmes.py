"""Refresh the care programmes' eligible lists when the register changes.

The register is written by the services, the admin and the HRM import. A
saved member, relative or care case queues the member's refresh; the ids of
one transaction are gathered and handed to one Celery task after commit
(``members.tasks.programmes_refresh_members``). The HRM import writes in bulk,
which sends no per-row signal: a finished import run refreshes the programmes
over its employer instead. A nightly task refreshes everything besides.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from members.models import (
    CareCase,
    CareProgramme,
    Consent,
    ImportRun,
    Member,
    Relative,
)
from members.queue import enqueue, task_get

# Ids per task message: one message stays small, whatever a transaction saved.
CHUNK = 1000


def _programmes_exist() -> bool:
    return CareProgramme.objects.exclude(status=CareProgramme.Status.CLOSED).exists()


class _Batch:
    """The members saved in one transaction, refreshed by one task after commit."""

    def __init__(self):
        self.member_ids: set[int] = set()

    def flush(self) -> None:
        """Send the ids gathered so far (the batch's first flush takes them all)."""
        ids = sorted(self.member_ids)
        self.member_ids.clear()
        if not ids or not _programmes_exist():
            return
        programmes_refresh_members = task_get("programmes_refresh_members")
        # A broker that is down is logged; the nightly refresh catches up.
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            if not enqueue(programmes_refresh_members, member_ids=chunk):
                return


def refresh_after_commit(member_id: int) -> None:
    """Refresh a member's rows in every programme once the transaction commits.

    The saves of one transaction share a batch: each registers its flush, and
    the first flush after commit sends every id. A batch none of whose flushes
    is still waiting (all run, or dropped with a rollback) is replaced, so ids
    of a rolled-back transaction do not linger; ids of a savepoint rolled back
    inside a committed transaction are refreshed all the same, which is harmless.
    """
    connection = transaction.get_connection()
    batch = getattr(connection, "_programmes_batch", None)
    if batch is None or not any(
        func == batch.flush for _sids, func, _robust in connection.run_on_commit
    ):
        batch = _Batch()
        connection._programmes_batch = batch
    batch.member_ids.add(member_id)
    # Outside a transaction this runs at once.
    transaction.on_commit(batch.flush)


@receiver(post_save, sender=Member, dispatch_uid="programmes_member_saved")
def _member_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh_after_commit(instance.pk)


@receiver(post_save, sender=Relative, dispatch_uid="programmes_relative_saved")
@receiver(post_delete, sender=Relative, dispatch_uid="programmes_relative_deleted")
def _relative_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh_after_commit(instance.member_id)


@receiver(post_save, sender=Consent, dispatch_uid="programmes_consent_saved")
def _consent_changed(sender, instance, raw=False, **kwargs):
    # Consent to the relatives' processing decides whether they count.
    if not raw and instance.purpose == Consent.Purpose.RELATIVES:
        refresh_after_commit(instance.member_id)


@receiver(post_save, sender=CareCase, dispatch_uid="programmes_care_case_saved")
def _care_case_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh_after_commit(instance.member_id)


@receiver(post_save, sender=ImportRun, dispatch_uid="programmes_import_finished")
def _import_finished(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.dry_run or instance.status != ImportRun.Status.DONE:
        return
    if update_fields is not None and "status" not in update_fields:
        return
    employer_id = instance.employer_id

    def queue():
        if _programmes_exist():
            enqueue(task_get("programmes_refresh_unit"), unit_id=employer_id)

    transaction.on_commit(queue)
