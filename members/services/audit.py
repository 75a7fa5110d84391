"""The one way into the audit trail: ``audit_record``."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import translation
from django.utils.text import capfirst

from members.logging import mask_data
from members.models import AuditEvent, StaffRole, Unit, User

Action = AuditEvent.Action
DETAIL_MAX_ITEMS = 200


def actor_unit(actor: User | None) -> Unit | None:
    """Return the unit of the actor's widest staff role (the highest in the tree)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    role = (
        StaffRole.objects.filter(user_id=actor.pk)
        .select_related("unit")
        .order_by("unit__depth", "pk")
        .first()
    )
    return role.unit if role else None


def record_unit_id(obj: Model) -> int | None:
    """Return the id of a record's unit, by the first of its ``scope_path``.

    The unit's id is read from the last foreign key, so that the unit itself
    is not loaded for an event that stores only its id.
    """
    if isinstance(obj, Unit):
        return obj.pk
    lookups = getattr(type(obj), "scope_path", None)
    if lookups is None:
        return None
    lookup = lookups if isinstance(lookups, str) else lookups[0]
    *path, last = lookup.removesuffix("__path").split("__")
    value = obj
    for part in path:
        value = getattr(value, part, None)
        if value is None:
            return None
    field = value._meta.get_field(last)
    return getattr(value, field.attname) if field.related_model is Unit else None


def record_label(obj: Model) -> str:
    """Return a record's name without personal data: its kind and number."""
    with translation.override(settings.LANGUAGE_CODE):
        return f"{capfirst(obj._meta.verbose_name)} #{obj.pk}"


def _bounded(detail: dict) -> dict:
    """Return the detail with long lists cut, so that a row stays small."""
    bounded = {}
    for key, value in detail.items():
        if isinstance(value, list) and len(value) > DETAIL_MAX_ITEMS:
            bounded[f"{key}_total"] = len(value)
            value = value[:DETAIL_MAX_ITEMS]
        bounded[key] = value
    return bounded


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: Model | None = None,
    detail: dict | None = None,
    unit: Unit | None = None,
) -> AuditEvent:
    """Append an event to the audit trail and return it.

    ``obj`` is the record concerned (its unit is found from its
    ``scope_path`` unless ``unit`` is given); ``actor`` None is the system.
    The detail loses any national ID, phone or e-mail it carries.
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = AuditEvent(
        actor=actor,
        actor_unit=actor_unit(actor),
        action=Action(action),
        detail=_bounded(mask_data(detail or {})),
        unit=unit,
    )
    if obj is not None:
        event.content_type = ContentType.objects.get_for_model(obj)
        event.object_id = str(obj.pk)
        event.label = record_label(obj)
        if unit is None:
            event.unit_id = record_unit_id(obj)
    event.save()
    return event
