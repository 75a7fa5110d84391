"""Notifications: a row a message to a person, a delivery row a channel or device."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models.accounts import User


class Notification(models.Model):
    """A message for one person, shown in the portal inbox and sent by its channels.

    The dedupe key names the occasion (``care-birthday:member:12:2026-12-01:7``);
    it is unique in the database, so a retried or re-run task cannot store, and
    therefore cannot send, the same reminder twice.
    """

    recipient = models.ForeignKey(
        User,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    owner_path = "recipient"

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.title


class PushSubscription(models.Model):
    """A browser on one of the person's devices that receives Web Push.

    The endpoint is the push service's address for that browser, and the two
    keys are the browser's: messages are encrypted to them, so the push
    service carries what it cannot read. Removed by the person, or when the
    push service answers that the subscription is gone (404 or 410).
    """

    user = models.ForeignKey(
        User,
        verbose_name=_("user account"),
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
    )
    endpoint = models.URLField(_("push endpoint"), max_length=2000, unique=True)
    p256dh = models.CharField(_("encryption key"), max_length=100)
    auth = models.CharField(_("authentication secret"), max_length=50)
    # "Chrome · Android", read from the User-Agent once; the header is not kept.
    device_label = models.CharField(_("device"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_success_at = models.DateTimeField(_("last delivered"), null=True, blank=True)
    # Failed attempts since the last message the push service took.
    failures = models.PositiveIntegerField(_("failures"), default=0)

    owner_path = "user"

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.device_label or _("Device %(number)s") % {"number": self.pk}


class NotificationDelivery(models.Model):
    """The sending of a notification through one channel (e-mail, Web Push...).

    E-mail has one delivery a notification; Web Push one a device of the
    recipient (``subscription``), so that each device is sent to, retried and
    marked sent on its own.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        HELD = "held", _("Held for quiet hours or a queue outage")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("channel"), max_length=16)
    # The device of a Web Push delivery; its deliveries go when it is removed.
    subscription = models.ForeignKey(
        PushSubscription,
        verbose_name=_("device"),
        on_delete=models.CASCADE,
        related_name="deliveries",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    # Which task attempt is sending it, and since when (see deliveries_send).
    claim = models.CharField(_("claimed by"), max_length=64, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    owner_path = "notification__recipient"

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=models.Q(subscription__isnull=True),
                name="delivery_once_per_channel",
            ),
            models.UniqueConstraint(
                fields=["notification", "subscription"],
                condition=models.Q(subscription__isnull=False),
                name="delivery_once_per_device",
            ),
        ]
        indexes = [models.Index(fields=["status", "not_before"])]

    def __str__(self):
        return f"{self.notification} ({self.channel}: {self.get_status_display()})"


class NotificationPreference(models.Model):
    """A person's choice to receive an optional kind of notification or not."""

    user = models.ForeignKey(
        User,
        verbose_name=_("user account"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=64)
    enabled = models.BooleanField(_("receive"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    owner_path = "user"

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], name="notification_preference_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.kind}"
