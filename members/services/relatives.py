"""Members' relatives, edited by the member or by staff in scope."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.identifiers import phone_clean
from members.models import Relative, User, birthday_key
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


@transaction.atomic
def relative_save(*, relative: Relative, actor: User) -> Relative:
    """Add or change a relative; a member may edit only their own relatives."""
    owner = relative.member
    if not (owner.user_id == actor.pk or unit_in_scope(actor, owner.unit)):
        raise PermissionDenied(_("You may change only your own relatives."))
    _relative_clean(relative)
    relative.save()
    return relative


@transaction.atomic
def relative_delete(*, relative: Relative, actor: User) -> None:
    """Remove a relative; their care cases keep the member but lose the link."""
    owner = relative.member
    if not (owner.user_id == actor.pk or unit_in_scope(actor, owner.unit)):
        raise PermissionDenied(_("You may change only your own relatives."))
    relative.delete()
