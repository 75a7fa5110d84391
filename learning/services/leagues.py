"""Unit quests: set by staff in their scope, reached once, rewarded once a member.

Reaching is claimed by one conditional update of ``reached_at``: of two
checks at once, one wins and rewards; the other finds it claimed. Each
member's points and badge are keyed on the quest besides, so a retried
reward still gives nothing twice.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learning.models import Quest, XpEvent, XpReason
from learning.selectors.leagues import QUEST, quest_members, quest_progress
from learning.services.badges import badge_award
from learning.services.xp import xp_award
from members.cache import cache_bump_on_commit
from members.models import AuditEvent, Member, Unit, User
from members.scope import require_unit_in_scope
from members.services.audit import audit_record


def quest_clean(quest: Quest, *, actor: User | None) -> None:
    """Refuse a quest outside the actor's scope, on a past end date, or reached."""
    unit = Unit.objects.get(pk=quest.unit_id) if quest.unit_id else None
    if unit is None:
        raise ValidationError(_("Choose the unit the quest is for."), code="unit")
    require_unit_in_scope(actor, unit)
    if quest.pk:
        stored = Quest.objects.select_related("unit").get(pk=quest.pk)
        require_unit_in_scope(actor, stored.unit)
        if stored.reached_at is not None:
            raise ValidationError(
                _("This quest was reached and rewarded: it cannot change."),
                code="reached",
            )
    if quest.ends_on and quest.ends_on < timezone.localdate() and not quest.pk:
        raise ValidationError(_("A new quest cannot end in the past."), code="ends_on")


@transaction.atomic
def quest_save(*, quest: Quest, actor: User | None) -> Quest:
    """Create or change a quest after the checks; audited."""
    quest_clean(quest, actor=actor)
    created = quest.pk is None
    if created:
        quest.created_by = actor
    quest.full_clean()
    quest.save()
    cache_bump_on_commit(QUEST)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.STAFF_ACTION,
        obj=quest,
        detail={"action": "quest_create" if created else "quest_change"},
    )
    return quest


REWARD_CHUNK = 500


def quest_check(*, quest_id: int) -> int:
    """Reward the unit's members if the quest is reached; return members rewarded.

    The claim is one short transaction; the rewards follow in chunks of
    ``REWARD_CHUNK`` members, each its own transaction, so that a sector's
    quest never holds tens of thousands of locks at once.
    """
    with transaction.atomic():
        quest = Quest.objects.select_related("unit").get(pk=quest_id)
        if quest.reached_at is not None:
            return 0
        today = timezone.localdate()
        if not (quest.starts_on <= today <= quest.ends_on):
            return 0
        if not quest_progress(quest=quest).reached:
            return 0
        claimed = Quest.objects.filter(pk=quest.pk, reached_at__isnull=True).update(
            reached_at=timezone.now()
        )
    if not claimed:
        return 0
    return quest_reward(quest_id=quest_id)


def quest_reward(*, quest_id: int) -> int:
    """Give every member of a reached quest's unit its points and badge, once.

    Each member's points and badge are keyed on the quest, so a reward cut
    short and run again gives nobody anything twice. Return the members
    rewarded by this run.
    """
    quest = Quest.objects.select_related("unit", "badge").get(pk=quest_id)
    if quest.reached_at is None or quest.rewarded_at is not None:
        return 0
    member_ids = list(quest_members(quest).order_by("pk").values_list("pk", flat=True))
    rewarded = 0
    for start in range(0, len(member_ids), REWARD_CHUNK):
        with transaction.atomic():
            for member_id in member_ids[start : start + REWARD_CHUNK]:
                event = xp_award(
                    member_id=member_id,
                    reason=XpReason.QUEST,
                    source_type="quest",
                    source_id=quest.pk,
                    points=quest.points,
                    title=quest.title,
                    now=quest.reached_at,
                )
                if quest.badge_id:
                    badge_award(
                        badge=quest.badge,
                        member_id=member_id,
                        source=f"quest:{quest.pk}",
                        now=quest.reached_at,
                    )
                rewarded += event is not None
    total = XpEvent.objects.filter(
        reason=XpReason.QUEST, source_type="quest", source_id=quest.pk
    ).count()
    Quest.objects.filter(pk=quest.pk).update(rewarded=total, rewarded_at=timezone.now())
    return rewarded


def quests_check_all() -> int:
    """Check every quest running today; finish rewards cut short; return rewarded."""
    today = timezone.localdate()
    ids = Quest.objects.filter(
        reached_at__isnull=True, starts_on__lte=today, ends_on__gte=today
    ).values_list("pk", flat=True)
    checked = sum(bool(quest_check(quest_id=pk)) for pk in list(ids))
    unfinished = Quest.objects.filter(
        reached_at__isnull=False, rewarded_at__isnull=True
    ).values_list("pk", flat=True)
    return checked + sum(bool(quest_reward(quest_id=pk)) for pk in list(unfinished))


def quests_check_for_member(*, member_id: int) -> int:
    """Check the running quests of the member's unit and those above it."""
    unit_path = (
        Member.objects.filter(pk=member_id).values_list("unit__path", flat=True).first()
    )
    if unit_path is None:
        return 0
    today = timezone.localdate()
    ids = Quest.objects.filter(
        unit__path__in=Unit.lineage_paths(unit_path),
        reached_at__isnull=True,
        starts_on__lte=today,
        ends_on__gte=today,
    ).values_list("pk", flat=True)
    return sum(bool(quest_check(quest_id=pk)) for pk in list(ids))
