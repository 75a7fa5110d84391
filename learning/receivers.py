"""What learning does when other apps' records change.

Events of members/signals.py earn XP: a recognised initiative (points and
the initiative badge, keyed on the initiative) and a survey answered
(participation points, keyed on the survey). Hearing one twice changes
nothing: the ledger's key and the award's are unique.

members/signals.py declares no event for a member who joins a unit, so this
listens to post_save of members.Member: a member created, moved to another
unit or back to active is enrolled in the courses assigned to their unit and
the units above it, once the member's own write has committed. Bulk writes
(HRM imports) send no post_save; the nightly ``assignments_sync`` enrols those.
"""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from learning.models import XpReason
from learning.services.badges import badges_for_initiative
from learning.services.enrolments import assignments_enrol_member
from learning.services.xp import xp_award
from members.models import Member
from members.signals import initiative_recognised, survey_answered

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


@receiver(initiative_recognised, dispatch_uid="learning_initiative_recognised")
def initiative_xp(sender, initiative_id, member_id, benefit_vnd, recognised_on, **kw):
    with transaction.atomic():
        if not Member.objects.filter(pk=member_id).exists():
            return
        xp_award(
            member_id=member_id,
            reason=XpReason.INITIATIVE,
            source_type="initiative",
            source_id=initiative_id,
        )
        badges_for_initiative(member_id=member_id, initiative_id=initiative_id)


@receiver(survey_answered, dispatch_uid="learning_survey_answered")
def survey_xp(sender, survey_id, member_id, anonymous, **kwargs):
    # Participation only: the event never says what was answered.
    with transaction.atomic():
        if not Member.objects.filter(pk=member_id).exists():
            return
        xp_award(
            member_id=member_id,
            reason=XpReason.SURVEY,
            source_type="survey",
            source_id=survey_id,
        )
