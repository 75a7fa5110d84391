"""Members' relatives, edited by the member or by staff in scope."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.identifiers import phone_clean
from members.models import Member, Relative, User, birthday_key
from members.scope import unit_in_scope
from members.text import nfc


def _relative_clean(relative: Relative) -> Relative:
    relative.full_name = nfc(relative.full_name)
    relative.note = (relative.note or "").strip()
    relative.birthday_key = birthday_key(relative.date_of_birth)
    if relative.phone:
        try:
            relative.phone = phone_clean(relative.phone)
        except ValidationError as error:
            raise ValidationError({"phone": error.messages}) from error
    if relative.date_of_birth and relative.date_of_birth > timezone.localdate():
        raise ValidationError(
            {"date_of_birth": _("The date of birth is in the future.")}
        )
    relative.full_clean()
    return relative


def _require_access(actor: User | None, member: Member) -> None:
    """Let the member themself, staff in scope, or the system (None) through."""
    if actor is None or member.user_id == actor.pk or unit_in_scope(actor, member.unit):
        return
    raise PermissionDenied(_("You may change only your own relatives."))


@transaction.atomic
def relative_save(*, relative: Relative, actor: User | None) -> Relative:
    """Add or change a relative; a member may edit only their own relatives."""
    if relative.pk is not None:
        stored = Relative.objects.select_related("member__unit").get(pk=relative.pk)
        _require_access(actor, stored.member)
    _require_access(actor, relative.member)
    _relative_clean(relative)
    relative.save()
    return relative


@transaction.atomic
def relative_delete(*, relative: Relative, actor: User | None) -> None:
    """Remove a relative; their care cases keep the member but lose the link."""
    stored = Relative.objects.select_related("member__unit").get(pk=relative.pk)
    _require_access(actor, stored.member)
    stored.delete()
