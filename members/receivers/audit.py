"""Audit events for writes that happen outside members' own services.

Import runs are created by the HRM importer from three doors (the admin's
upload, ``manage.py import_hrm``, the drop-folder scan) and a confirmation;
the run's creation is the one moment they share, so it is recorded here.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from members.models import AuditEvent, ImportRun
from members.services.audit import audit_record


@receiver(post_save, sender=ImportRun, dispatch_uid="audit_import_run_created")
def _import_run_created(sender, instance, created=False, raw=False, **kwargs):
    if not created or raw:
        return
    audit_record(
        actor=instance.started_by,
        action=AuditEvent.Action.IMPORT,
        obj=instance,
        detail={
            "source": instance.source,
            "dry_run": instance.dry_run,
            "file_name": instance.file_name,
            "file_sha256": instance.file_sha256,
            "file_size": instance.file_size,
        },
    )
