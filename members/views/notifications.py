"""Portal pages of the person's notifications: the inbox and what they receive."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from members.channels import webpush_offered
from members.reminders import reminder_get
from members.selectors.notifications import (
    notification_settings,
    notifications_for_user,
    push_devices_for_user,
)
from members.services.notifications import (
    notification_mark_read,
    notification_preference_set,
    notifications_mark_all_read,
)
from members.services.webpush import push_subscription_delete, push_subscription_save

INBOX_PAGE_SIZE = 20


def link_is_local(link: str) -> bool:
    """Return whether a notification's link is a path on this site.

    Links are stored as paths; anything with a scheme or a host (an address
    elsewhere, ``//host``, ``javascript:``) is not followed.
    """
    return link.startswith("/") and url_has_allowed_host_and_scheme(
        link, allowed_hosts=None
    )


@login_required
@require_GET
def inbox(request):
    """List the person's own notifications, newest first, the unread ones marked."""
    paginator = Paginator(notifications_for_user(user=request.user), INBOX_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [(notification, link_is_local(notification.link)) for notification in page]
    return render(
        request,
        "members/notifications/inbox.html",
        {
            "page_obj": page,
            "rows": rows,
            # Unread ones further back show the button on their own page.
            "has_unread": any(n.read_at is None for n, _link in rows),
        },
    )


@login_required
@require_POST
def notification_open(request, pk):
    """Mark one of the person's notifications read and go where it points."""
    notification = get_object_or_404(notifications_for_user(user=request.user), pk=pk)
    notification_mark_read(notification=notification, user=request.user)
    if link_is_local(notification.link):
        return redirect(notification.link)
    return redirect("members:inbox")


@login_required
@require_POST
def notifications_read_all(request):
    """Mark all the person's notifications read."""
    count = notifications_mark_all_read(user=request.user)
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked as read.",
            "%(count)d notifications marked as read.",
            count,
        )
        % {"count": count},
    )
    return redirect("members:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings_page(request):
    """Show every kind of notification; let the person turn optional ones off."""
    groups = notification_settings(user=request.user)
    if request.method == "POST":
        return _settings_save(request, groups)
    return render(
        request,
        "members/notifications/settings.html",
        {"groups": groups, "webpush": _webpush_context(request)},
    )


def _webpush_context(request) -> dict | None:
    # Without the portal's VAPID keys there is no switch to offer.
    if not webpush_offered():
        return None
    return {
        "public_key": settings.WEBPUSH_VAPID_PUBLIC_KEY,
        "subscribe_url": reverse("members:push_subscribe"),
        "unsubscribe_url": reverse("members:push_unsubscribe"),
        "service_worker_url": reverse("portal:service-worker"),
        "devices": list(push_devices_for_user(user=request.user)),
    }


def _settings_save(request, groups):
    # The form lists the optional kinds it shows in "kind" and the ticked ones
    # in "receive"; only the kinds whose choice changed are written.
    current = {
        setting.kind: setting.enabled for _r, group in groups for setting in group
    }
    shown = set(request.POST.getlist("kind")) & current.keys()
    receive = set(request.POST.getlist("receive"))
    changes = {
        kind: kind in receive
        for kind in sorted(shown)
        if current[kind] != (kind in receive)
    }
    # All or nothing: one refused kind leaves every choice as it was.
    with transaction.atomic():
        for kind, enabled in changes.items():
            try:
                notification_preference_set(
                    user=request.user, kind=kind, enabled=enabled
                )
            except ValidationError as error:
                transaction.set_rollback(True)
                label = reminder_get(kind).label
                for message in error.messages:
                    messages.error(request, f"{label}: {message}")
                return redirect("members:notification_settings")
    messages.success(request, _("Your notification settings were saved."))
    return redirect("members:notification_settings")


# Web Push: the settings page's switch posts here (static/members/js/webpush.js).


def _json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _json_body(request) -> dict | None:
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


@login_required
@require_POST
def push_subscribe(request):
    """Record this browser's push subscription for the person (JSON in and out)."""
    if not webpush_offered():
        return _json_error(
            _("Notifications on devices are not turned on for this portal."), 404
        )
    data = _json_body(request)
    keys = data.get("keys") if data else None
    if not isinstance(keys, dict):
        return _json_error(_("The browser's answer could not be read."))
    try:
        subscription = push_subscription_save(
            user=request.user,
            endpoint=data.get("endpoint"),
            p256dh=keys.get("p256dh"),
            auth=keys.get("auth"),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ValidationError as error:
        return _json_error(" ".join(error.messages))
    return JsonResponse(
        {"id": subscription.pk, "device": str(subscription)}, status=201
    )


@login_required
@require_POST
def push_unsubscribe(request):
    """Forget this browser's push subscription, if it is the person's own (JSON)."""
    data = _json_body(request)
    endpoint = data.get("endpoint") if data else None
    if not isinstance(endpoint, str):
        return _json_error(_("The browser's answer could not be read."))
    deleted = push_subscription_delete(user=request.user, endpoint=endpoint)
    return JsonResponse({"deleted": deleted})


@login_required
@require_POST
def push_device_remove(request, pk):
    """Remove one of the person's devices from the list on the settings page."""
    device = get_object_or_404(push_devices_for_user(user=request.user), pk=pk)
    push_subscription_delete(user=request.user, pk=device.pk)
    messages.success(
        request,
        _("%(device)s will no longer receive notifications.") % {"device": device},
    )
    return redirect("members:notification_settings")
