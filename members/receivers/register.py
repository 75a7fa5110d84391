"""Bump the cached figures of the register when its rows change (members.cache).

Every single-row write of a member, relative, care case, care visit, transfer,
unit, staff role or consent sends ``post_save``/``post_delete``, whoever wrote
it (a service, the admin, an erasure); this module bumps the families below
after commit, in the unit the row lives in (read from relations already
loaded, never with a query; the whole family when they are not loaded).
Writes in bulk send no signal: ``members_bulk_create``, the HRM import's
batches, transfers and absences, and the erasure's leaving date bump
explicitly (``cache_bump_on_commit``). The families (``members.cache``):

- ``REGISTER``: members, relatives, care cases and visits, transfers (the
  picture, the staff home's counts, boards and leagues that count members);
- ``UNITS``: the tree itself (names and paths in any figure); a unit write
  bumps ``REGISTER`` too;
- ``CONSENT``: consents in force (who may appear on a leaderboard);
- a staff role bumps ``REGISTER`` whole: boards leave staff out.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from members.cache import CONSENT, REGISTER, UNITS, cache_bump_on_commit
from members.models import (
    CareCase,
    CareVisit,
    Consent,
    Member,
    Relative,
    StaffRole,
    Transfer,
    Unit,
)


def _loaded(instance, *names: str):
    """Follow relations already loaded on the instance; None where one is not."""
    for name in names:
        if instance is None or not instance._meta.get_field(name).is_cached(instance):
            return None
        instance = getattr(instance, name)
    return instance


def _member_path(member: Member | None) -> str | None:
    if member is None:
        return None
    unit = _loaded(member, "unit")
    return unit.path if unit is not None else None


def _bump(family: str, *paths: str | None) -> None:
    # One unknown path: the whole family, rather than a stale figure.
    known = [path for path in paths if path]
    cache_bump_on_commit(family, paths=known if len(known) == len(paths) else None)


@receiver(post_save, sender=Member, dispatch_uid="cache_member_saved")
@receiver(post_delete, sender=Member, dispatch_uid="cache_member_deleted")
def _member_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _bump(REGISTER, _member_path(instance))


@receiver(post_save, sender=Relative, dispatch_uid="cache_relative_saved")
@receiver(post_delete, sender=Relative, dispatch_uid="cache_relative_deleted")
@receiver(post_save, sender=CareCase, dispatch_uid="cache_care_case_saved")
@receiver(post_delete, sender=CareCase, dispatch_uid="cache_care_case_deleted")
def _member_row_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _bump(REGISTER, _member_path(_loaded(instance, "member")))


@receiver(post_save, sender=CareVisit, dispatch_uid="cache_care_visit_saved")
@receiver(post_delete, sender=CareVisit, dispatch_uid="cache_care_visit_deleted")
def _care_visit_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _bump(REGISTER, _member_path(_loaded(instance, "case", "member")))


@receiver(post_save, sender=Transfer, dispatch_uid="cache_transfer_saved")
@receiver(post_delete, sender=Transfer, dispatch_uid="cache_transfer_deleted")
def _transfer_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        from_unit = _loaded(instance, "from_unit")
        to_unit = _loaded(instance, "to_unit")
        _bump(
            REGISTER,
            from_unit.path if from_unit else None,
            to_unit.path if to_unit else None,
        )


@receiver(post_save, sender=Unit, dispatch_uid="cache_unit_saved")
@receiver(post_delete, sender=Unit, dispatch_uid="cache_unit_deleted")
@receiver(post_save, sender=StaffRole, dispatch_uid="cache_staff_role_saved")
@receiver(post_delete, sender=StaffRole, dispatch_uid="cache_staff_role_deleted")
def _tree_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        families = [UNITS, REGISTER] if sender is Unit else [REGISTER]
        cache_bump_on_commit(families)


@receiver(post_save, sender=Consent, dispatch_uid="cache_consent_saved")
@receiver(post_delete, sender=Consent, dispatch_uid="cache_consent_deleted")
def _consent_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _bump(CONSENT, _member_path(_loaded(instance, "member")))
