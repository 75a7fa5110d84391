"""The audit trail: an append-only log of who saw, exported or changed what.

Rows are written by ``members.services.audit.audit_record`` only and never
change: the model and its queryset refuse updates and deletes, the admin
offers neither, and the database refuses them too (triggers of migrations
0010 and 0012: UPDATE, DELETE and TRUNCATE on PostgreSQL, UPDATE on SQLite,
where Django's own test flush deletes rows).
"""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models.accounts import User
from members.models.units import Unit


class AuditEventImmutableError(Exception):
    """Raised on an attempt to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditEventImmutableError("Audit events cannot be changed.")

    def delete(self):
        raise AuditEventImmutableError("Audit events cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditEventImmutableError("Audit events cannot be changed.")


class AuditEvent(models.Model):
    """One access to or change of personal data: who, what, which record, when.

    ``label`` names the record without personal data ("Đoàn viên #12");
    ``detail`` is a small JSON object, masked of national IDs and phones.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed personal data")
        EXPORT = "export", _("Exported")
        IMPORT = "import", _("Imported an HRM file")
        ROLE_GRANTED = "role_granted", _("Granted a staff role")
        ROLE_REVOKED = "role_revoked", _("Revoked a staff role")
        DATA_REQUEST = "data_request", _("Data-rights request")
        CONSENT = "consent", _("Consent given or withdrawn")
        ERASED = "erased", _("Personal data erased")
        SECOND_FACTOR_ADDED = "2fa_added", _("Two-step sign-in set up")
        SECOND_FACTOR_REMOVED = "2fa_removed", _("Two-step sign-in removed")
        SECOND_FACTOR_RESET = "2fa_reset", _("Recovery codes replaced")
        # A staff action of another app (learning, inspections, feedback); the
        # detail's "action" names it (e.g. "course_copy").
        STAFF_ACTION = "staff_action", _("Staff action")
        # A member's own write in another app (an initiative submitted); the
        # detail's "action" names it.
        MEMBER_ACTION = "member_action", _("Member's own action")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the system (a scheduled task or an import)."),
    )
    actor_unit = models.ForeignKey(
        Unit,
        verbose_name=_("their unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("record type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    label = models.CharField(_("record"), max_length=255, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("record's unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    # Staff see what was done in their units and what their units' staff did.
    scope_path = ("unit__path", "actor_unit__path")

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        at = timezone.localtime(self.at)
        return f"{at:%d/%m/%Y %H:%M} {self.get_action_display()} {self.label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditEventImmutableError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEventImmutableError("Audit events cannot be deleted.")
