"""Which courses a member may see and enrol in: published, and meant for them."""

from django.db.models import Q, QuerySet

from learning.models import Course
from members.models import Member, StaffRole, Unit

# Members who may learn: not those who left, retired or moved to another union.
LEARNING_STATUSES = (Member.Status.ACTIVE, Member.Status.DUES_EXEMPT)


def member_is_officer(*, member: Member) -> bool:
    """Return whether the member is a union officer: their account has a staff role."""
    return (
        bool(member.user_id)
        and StaffRole.objects.filter(
            user_id=member.user_id, user__is_active=True
        ).exists()
    )


def _audience_q(*, member: Member) -> Q:
    lineage = Unit.lineage_paths(member.unit.path)
    q = Q(audience=Course.Audience.ALL) | Q(
        audience=Course.Audience.UNITS, audience_units__path__in=lineage
    )
    if member_is_officer(member=member):
        q |= Q(audience=Course.Audience.OFFICERS)
    return q


def courses_open_to(*, member: Member) -> QuerySet[Course]:
    """Return the published courses whose audience takes the member in."""
    if member.status not in LEARNING_STATUSES:
        return Course.objects.none()
    return (
        Course.objects.filter(status=Course.Status.PUBLISHED)
        .filter(_audience_q(member=member))
        .distinct()
    )


def course_open_to(*, course: Course, member: Member) -> bool:
    """Return whether the member may enrol in the course themselves."""
    return courses_open_to(member=member).filter(pk=course.pk).exists()
