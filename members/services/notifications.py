"""Notifications: stored once per dedupe key, sent once per channel, never at night.

The flow: ``reminder_run`` (or ``notify`` for a single message) stores
notifications in batches, each batch one transaction, skipping dedupe keys
already stored and people who opted out of an optional kind; it creates one
delivery row per channel (for Web Push, one per device) and, after commit,
hands the delivery ids in chunks to ``members.tasks.deliveries_send``. Sending
claims the chunk's waiting rows (status ``sending``) in one short transaction,
then marks each row sent by a committed UPDATE right after its channel took the
message, so a retried or redelivered task skips what was sent and resends at
most the one message a dead worker was handing over. ``deliveries_release``,
every minute, requeues deliveries held for quiet hours or because the broker
was down, those whose message the broker lost, and those claimed by a worker
past the chunk's hard time limit (dead, then).
"""

import logging
import time
import uuid
from collections.abc import Iterable
from contextlib import suppress
from datetime import date, datetime, timedelta
from itertools import islice

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.channels import (
    DeliveryRefusedError,
    DestinationGoneError,
    channel_get,
    channels_enabled,
)
from members.models import (
    Notification,
    NotificationDelivery,
    NotificationPreference,
    User,
)
from members.queue import enqueue, task_get
from members.reminders import ReminderTarget, reminder_get
from members.services.webpush import (
    push_subscription_delivered,
    push_subscription_drop,
    push_subscription_failed,
)

logger = logging.getLogger(__name__)

DELIVERY_CHUNK = 200
# A delivery handed to the broker and still waiting this long after was lost
# by it (a queue can take minutes to drain: 82,000 e-mails took up to 336 s).
STRANDED_AFTER = timedelta(minutes=10)
# The hard time limit of a chunk's task (members.tasks.SEND_TIME_LIMIT): its
# worker is killed then, so a claim older than this has nobody sending it.
CLAIM_TIME_LIMIT = timedelta(seconds=60)
Status = NotificationDelivery.Status


def batched(items: Iterable, size: int):
    """Yield lists of up to ``size`` items (itertools.batched needs Python 3.12)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def quiet_until(now: datetime) -> datetime | None:
    """Return when the quiet hours around ``now`` end, or None outside them."""
    local = timezone.localtime(now)
    start, end = settings.NOTIFICATION_QUIET_START, settings.NOTIFICATION_QUIET_END
    if end <= local.hour < start:
        return None
    wake = local.replace(hour=end, minute=0, second=0, microsecond=0)
    return wake + timedelta(days=1) if local.hour >= start else wake


def deliveries_queue(*, delivery_ids: list[int]) -> int:
    """Hand deliveries to the broker in chunks; return how many it took.

    Never raises: when the broker fails, the chunk it refused and the rest
    are held, due at once, and the next sweep (``deliveries_release``) hands
    them over once the broker is back.
    """
    deliveries_send = task_get("deliveries_send")
    queued = 0
    for chunk in batched(delivery_ids, DELIVERY_CHUNK):
        if not enqueue(deliveries_send, delivery_ids=chunk):
            deliveries_hold_for_sweep(delivery_ids=delivery_ids[queued:])
            break
        queued += len(chunk)
    return queued


def deliveries_hold_for_sweep(*, delivery_ids: list[int]) -> None:
    """Leave deliveries the broker did not take to the next sweep."""
    now = timezone.now()
    for chunk in batched(delivery_ids, 1000):
        NotificationDelivery.objects.filter(pk__in=chunk, status=Status.PENDING).update(
            status=Status.HELD, not_before=now
        )


@transaction.atomic
def notifications_store(
    *, kind: str, targets: Iterable[ReminderTarget], mandatory: bool
) -> int:
    """Store the targets' notifications not stored yet; return how many are new."""
    targets = list({t.dedupe_key: t for t in targets}.values())
    if not mandatory:
        opted_out = set(
            NotificationPreference.objects.filter(
                kind=kind,
                enabled=False,
                user_id__in={t.recipient_id for t in targets},
            ).values_list("user_id", flat=True)
        )
        targets = [t for t in targets if t.recipient_id not in opted_out]
    keys = [t.dedupe_key for t in targets]
    stored = set(
        Notification.objects.filter(dedupe_key__in=keys).values_list(
            "dedupe_key", flat=True
        )
    )
    new = [
        Notification(
            recipient_id=t.recipient_id,
            kind=kind,
            title=t.title[:255],
            body=t.body,
            link=t.link,
            dedupe_key=t.dedupe_key,
        )
        for t in targets
        if t.dedupe_key not in stored
    ]
    if not new:
        return 0
    # A concurrent run may have stored some keys since: the database decides.
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    # Rows a concurrent run stored first were committed with their deliveries
    # (and queued by it), so the rows without deliveries are this run's own.
    fresh = list(
        Notification.objects.filter(
            dedupe_key__in=[n.dedupe_key for n in new], deliveries__isnull=True
        ).select_related("recipient")
    )
    recipients = list({n.recipient_id: n.recipient for n in fresh}.values())
    # Where each channel reaches each recipient: the account, or each device.
    reach = [
        (channel.name, channel.destinations(recipients))
        for channel in channels_enabled()
    ]
    deliveries = [
        NotificationDelivery(
            notification=notification, channel=name, subscription_id=subscription_id
        )
        for notification in fresh
        for name, reached in reach
        for subscription_id in reached.get(notification.recipient_id, ())
    ]
    NotificationDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    pending = list(
        NotificationDelivery.objects.filter(
            notification__in=fresh, status=Status.PENDING
        ).values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: deliveries_queue(delivery_ids=pending))
    return len(fresh)


def reminder_run(*, kind: str, today: date | None = None, batch_size: int = 1000):
    """Store a reminder kind's notifications for today, batch by batch.

    Each batch is its own transaction, so a run stopped half-way and run again
    stores the rest and nothing twice.
    """
    reminder = reminder_get(kind)
    today = today or timezone.localdate()
    created = total = 0
    with translation.override(settings.LANGUAGE_CODE):
        for batch in batched(reminder.targets(today=today), batch_size):
            total += len(batch)
            created += notifications_store(
                kind=kind, targets=batch, mandatory=reminder.mandatory
            )
    logger.info("reminder %s: %s targets, %s new", kind, total, created)
    return {"kind": kind, "targets": total, "created": created}


def notify(
    *,
    recipient: User,
    kind: str,
    dedupe_key: str,
    title: str,
    body: str = "",
    link: str = "",
    mandatory: bool = True,
) -> Notification | None:
    """Store one notification (once per dedupe key) and queue its deliveries.

    The notification is stored unless one with ``dedupe_key`` exists already,
    or the kind is optional (``mandatory=False``) and the recipient turned it
    off. It gets one delivery a channel that reaches the person (e-mail: an
    active account with an address; Web Push: one a device the person turned
    it on in), queued after commit and sent outside quiet hours. Returns the
    notification stored under the key, or None when none is.
    """
    target = ReminderTarget(
        recipient_id=recipient.pk,
        dedupe_key=dedupe_key,
        title=title,
        body=body,
        link=link,
    )
    notifications_store(kind=kind, targets=[target], mandatory=mandatory)
    return Notification.objects.filter(dedupe_key=dedupe_key).first()


def _claim(
    *, delivery_ids: list[int], claim: str, now: datetime
) -> tuple[list[NotificationDelivery], int]:
    """Mark the chunk's deliveries still to send ``sending``; hold them at night.

    Returns the claimed deliveries and how many were held for quiet hours.

    One short transaction: rows another worker is claiming wait for it, then
    drop out of the filter (PostgreSQL re-checks it after the wait). Rows left
    ``sending`` under this claim were claimed by an earlier delivery of this
    same task that died; they are taken again.
    """
    with transaction.atomic():
        rows = list(
            NotificationDelivery.objects.select_for_update(of=("self",))
            .select_related("notification__recipient", "subscription")
            .filter(pk__in=delivery_ids)
            .filter(
                Q(status__in=[Status.PENDING, Status.HELD])
                | Q(status=Status.SENDING, claim=claim)
            )
            .order_by("pk")
        )
        until = quiet_until(now)
        held: list[int] = []
        claimed: list[NotificationDelivery] = []
        for row in rows:
            if until is not None and channel_get(row.channel).respects_quiet_hours:
                held.append(row.pk)
            else:
                claimed.append(row)
        if held:
            NotificationDelivery.objects.filter(pk__in=held).update(
                status=Status.HELD, not_before=until, claim="", claimed_at=None
            )
        NotificationDelivery.objects.filter(pk__in=[r.pk for r in claimed]).update(
            status=Status.SENDING, claim=claim, claimed_at=now
        )
    return claimed, len(held)


# One statement per e-mail, in autocommit: the mark is durable before the next
# message goes out, so a worker killed at any moment resends at most the one
# message it was handing over. Raw SQL because the ORM's per-call query
# compilation cost more than the statement itself (docs/benchmarks.md).
_MARK_SENT = (
    "UPDATE {table} SET status = %s, sent_at = %s, attempts = attempts + 1,"
    " last_error = '', claim = '' WHERE id = %s AND status = %s AND claim = %s"
)


def deliveries_send(
    *,
    delivery_ids: list[int],
    final: bool = False,
    now: datetime | None = None,
    claim: str = "",
    deadline: float | None = None,
) -> dict:
    """Send a chunk of deliveries, each at most once, one connection per channel.

    The chunk is claimed first (``sending``); each message is then marked
    sent by its own committed UPDATE right after the server took it. ``claim``
    names this attempt (the task passes its id, which a redelivery keeps);
    past ``deadline`` (``time.monotonic()``) the rest is released, unsent, to
    be queued again. A transient error (an OSError: a hang-up, a timeout, a
    push service's 5xx) leaves the delivery to retry; a refusal for good
    fails it at once; a device that is gone is removed with its deliveries.
    Returns counts, the ids that failed with a transient error (to retry) and
    the ids released.
    """
    now = now or timezone.now()
    claim = claim or uuid.uuid4().hex
    claimed, held = _claim(delivery_ids=delivery_ids, claim=claim, now=now)
    skipped = len(set(delivery_ids)) - len(claimed) - held
    counts = {"sent": 0, "held": held, "skipped": skipped, "refused": 0, "gone": 0}
    failed: list[int] = []
    gone: set[int] = set()  # devices removed during this chunk
    released: list[int] = []
    connections = {}
    mark_sent = _MARK_SENT.format(
        table=connection.ops.quote_name(NotificationDelivery._meta.db_table)
    )
    try:
        with connection.cursor() as cursor:
            for index, delivery in enumerate(claimed):
                if deadline is not None and time.monotonic() > deadline:
                    released = [row.pk for row in claimed[index:]]
                    break
                name, device = delivery.channel, delivery.subscription_id
                if device in gone:
                    counts["gone"] += 1  # removed with its device a moment ago
                    continue
                if name not in connections:
                    connections[name] = channel_get(name).open()
                try:
                    channel_get(name).send(
                        delivery.notification,
                        connection=connections[name],
                        subscription=delivery.subscription,
                    )
                except DestinationGoneError as error:
                    push_subscription_drop(subscription_id=device, reason=str(error))
                    gone.add(device)
                    counts["gone"] += 1
                    continue
                except DeliveryRefusedError as error:
                    logger.warning("delivery %s refused: %s", delivery.pk, error)
                    delivery_failure_record(
                        delivery_id=delivery.pk, error=str(error), final=True
                    )
                    if device is not None:
                        push_subscription_failed(subscription_id=device)
                    counts["refused"] += 1
                    continue
                except OSError as error:  # smtplib.SMTPException is an OSError
                    logger.warning("delivery %s failed: %s", delivery.pk, error)
                    delivery_failure_record(
                        delivery_id=delivery.pk, error=str(error), final=final
                    )
                    if device is not None:
                        push_subscription_failed(subscription_id=device)
                    failed.append(delivery.pk)
                    # The server may have hung up: the next delivery reconnects.
                    if connections[name] is not None:
                        with suppress(OSError):
                            connections[name].close()
                    continue
                cursor.execute(
                    mark_sent, [Status.SENT, now, delivery.pk, Status.SENDING, claim]
                )
                if device is not None:
                    push_subscription_delivered(subscription_id=device, at=now)
                counts["sent"] += 1
    finally:
        for open_connection in connections.values():
            if open_connection is not None:
                open_connection.close()
        if released:
            NotificationDelivery.objects.filter(
                pk__in=released, status=Status.SENDING, claim=claim
            ).update(status=Status.PENDING, claim="", claimed_at=None, not_before=now)
    return {**counts, "failed": failed, "released": released}


@transaction.atomic
def delivery_failure_record(*, delivery_id: int, error: str, final: bool) -> None:
    """Count a failed attempt; after the last one the delivery is marked failed."""
    delivery = (
        NotificationDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    )
    # Sent meanwhile, or removed with its device while it was being sent.
    if delivery is None or delivery.status == Status.SENT:
        return
    delivery.attempts += 1
    delivery.last_error = error[:500]
    delivery.status = Status.FAILED if final else Status.PENDING
    delivery.claim, delivery.claimed_at = "", None
    delivery.save(
        update_fields=["attempts", "last_error", "status", "claim", "claimed_at"]
    )


def deliveries_retry_later(*, delivery_ids: list[int], at: datetime) -> None:
    """Note when failed deliveries are tried again, so the sweeper waits for it."""
    NotificationDelivery.objects.filter(
        pk__in=delivery_ids, status__in=[Status.PENDING, Status.HELD]
    ).update(not_before=at)


def deliveries_release(*, now: datetime | None = None) -> int:
    """Hand to the broker what waits for the sweeper; return how many it took.

    That is: deliveries held for quiet hours that have ended, or because the
    broker was down when they were stored; deliveries handed over more than
    STRANDED_AFTER ago and still waiting (the broker lost the message); and
    deliveries claimed longer ago than a chunk's hard time limit, whose worker
    died (the one message it was handing over may have gone, the rest did
    not). Each is marked handed over now, so the next sweep, a minute later,
    leaves it to the queue instead of queueing it again.
    """
    now = now or timezone.now()
    stale = now - STRANDED_AFTER
    due = Q(status=Status.HELD, not_before__lte=now)
    # A delivery waiting for its retry is left to it until that is long overdue.
    lost = Q(status=Status.PENDING, created_at__lt=stale) & ~Q(not_before__gte=stale)
    abandoned = Q(status=Status.SENDING, claimed_at__lt=now - CLAIM_TIME_LIMIT)
    with transaction.atomic():
        # Rows a worker is claiming right now are its own: skipped.
        ids = list(
            NotificationDelivery.objects.select_for_update(skip_locked=True)
            .filter(due | lost | abandoned)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for chunk in batched(ids, 1000):
            NotificationDelivery.objects.filter(pk__in=chunk).update(
                status=Status.PENDING, not_before=now, claim="", claimed_at=None
            )
    return deliveries_queue(delivery_ids=ids) if ids else 0


@transaction.atomic
def deliveries_retry(*, deliveries: Iterable[NotificationDelivery]) -> int:
    """Give failed deliveries another round (an admin action)."""
    ids = [d.pk for d in deliveries if d.status == Status.FAILED]
    NotificationDelivery.objects.filter(pk__in=ids).update(
        status=Status.PENDING, not_before=timezone.now()
    )
    transaction.on_commit(lambda: deliveries_queue(delivery_ids=ids))
    return len(ids)


@transaction.atomic
def notification_mark_read(*, notification: Notification, user: User) -> None:
    """Mark one of the person's own notifications read."""
    if notification.recipient_id != user.pk:
        raise PermissionDenied(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    """Mark all the person's unread notifications read; return how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def notification_preference_set(*, user: User, kind: str, enabled: bool) -> None:
    """Turn an optional kind on or off for the person; mandatory kinds stay on."""
    reminder = reminder_get(kind)
    if reminder.mandatory and not enabled:
        raise ValidationError(_("This notification cannot be turned off."))
    NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"enabled": enabled}
    )
