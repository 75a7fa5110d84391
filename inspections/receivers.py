"""Bump the split's cached figures when an activity, a plan or a target changes.

Every write of these rows (the services, the admin, the activities' import)
sends ``post_save``/``post_delete``; the bump waits for the commit
(members.cache). An activity or plan bumps the subtree of its inspecting
unit (whose officers' splits count it), read from the relation when loaded,
else the whole family; a target bumps the whole family.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from inspections.models import Activity, Plan, SplitTarget
from inspections.selectors.split import SPLIT
from members.cache import cache_bump_on_commit


def _inspecting_path(instance) -> str | None:
    field = instance._meta.get_field("inspecting_unit")
    return instance.inspecting_unit.path if field.is_cached(instance) else None


@receiver(post_save, sender=Activity, dispatch_uid="split_activity_saved")
@receiver(post_delete, sender=Activity, dispatch_uid="split_activity_deleted")
@receiver(post_save, sender=Plan, dispatch_uid="split_plan_saved")
@receiver(post_delete, sender=Plan, dispatch_uid="split_plan_deleted")
def _activity_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        path = _inspecting_path(instance)
        cache_bump_on_commit(SPLIT, paths=[path] if path else None)


@receiver(post_save, sender=SplitTarget, dispatch_uid="split_target_saved")
@receiver(post_delete, sender=SplitTarget, dispatch_uid="split_target_deleted")
def _target_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        cache_bump_on_commit(SPLIT)
