"""Audit events for writes that happen outside members' own services.

Import runs are created by the HRM importer from three doors (the admin's
upload, ``manage.py import_hrm``, the drop-folder scan) and a confirmation;
the run's creation is the one moment they share, so it is recorded here.
Second factors are set up, removed and reset by allauth's own pages, which
say so with allauth.mfa's signals.
"""

from allauth.mfa import signals as mfa_signals
from django.db.models.signals import post_save
from django.dispatch import receiver

from members.models import AuditEvent, ImportRun
from members.services.accounts import second_factor_change_record
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


def _actor(request, user):
    """Return who acted: the signed-in person, else the account itself."""
    actor = getattr(request, "user", None)
    return actor if getattr(actor, "is_authenticated", False) else user


@receiver(mfa_signals.authenticator_added, dispatch_uid="audit_second_factor_added")
def _second_factor_added(sender, request=None, user=None, authenticator=None, **kw):
    second_factor_change_record(
        actor=_actor(request, user),
        user=user,
        authenticator=authenticator,
        change="added",
    )


@receiver(mfa_signals.authenticator_removed, dispatch_uid="audit_second_factor_removed")
def _second_factor_removed(sender, request=None, user=None, authenticator=None, **kw):
    second_factor_change_record(
        actor=_actor(request, user),
        user=user,
        authenticator=authenticator,
        change="removed",
    )


@receiver(mfa_signals.authenticator_reset, dispatch_uid="audit_second_factor_reset")
def _second_factor_reset(sender, request=None, user=None, authenticator=None, **kw):
    second_factor_change_record(
        actor=_actor(request, user),
        user=user,
        authenticator=authenticator,
        change="reset",
    )
