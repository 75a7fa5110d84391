"""What learning does when other apps' records change.

members/signals.py declares no event for a member who joins a unit, so this
listens to post_save of members.Member: a member created, moved to another
unit or back to active is enrolled in the courses assigned to their unit and
the units above it, once the member's own write has committed. Bulk writes
(HRM imports) send no post_save; the nightly ``assignments_sync`` enrols those.
"""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from learning.services.enrolments import assignments_enrol_member
from members.models import Member

_JOINING_FIELDS = {"unit", "unit_id", "status"}


@receiver(post_save, sender=Member, dispatch_uid="learning_member_saved")
def member_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw:
        return
    if not created and update_fields and not _JOINING_FIELDS & set(update_fields):
        return
    member_id = instance.pk
    transaction.on_commit(
        lambda: assignments_enrol_member(member_id=member_id), robust=True
    )
