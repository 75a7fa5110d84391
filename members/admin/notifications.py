"""Admin of notifications and their deliveries: read-only, each person's own.

Staff see only the notifications addressed to them (``owner_path``, the portal
scope), superusers see every one; failed deliveries are retried from here.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from members.models import Notification, NotificationDelivery
from members.reminders import reminders_all
from members.scope import scoped
from members.scoped_admin import ScopedFieldsMixin
from members.services.notifications import deliveries_retry


def _own_or_all(queryset, request):
    """Narrow to the user's own rows; superusers' scope is everything."""
    return scoped(queryset, request.user, portal=not request.user.is_superuser)


def _kind_labels() -> dict[str, str]:
    return {kind.name: kind.label for kind in reminders_all()}


class OwnRecordsAdmin(ScopedFieldsMixin, admin.ModelAdmin):
    """A read-only ModelAdmin of records addressed to the user."""

    def get_queryset(self, request):
        return _own_or_all(super().get_queryset(request), request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class KindListFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        labels = _kind_labels()
        kinds = (
            model_admin.get_queryset(request)
            .order_by("kind")
            .values_list("kind", flat=True)
            .distinct()
        )
        return [(kind, labels.get(kind, kind)) for kind in kinds]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(kind=self.value())
        return queryset


class ReadListFilter(admin.SimpleListFilter):
    title = _("read")
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [
            ("no", pgettext_lazy("notification", "Unread")),
            ("yes", pgettext_lazy("notification", "Read")),
        ]

    def queryset(self, request, queryset):
        if self.value() in {"yes", "no"}:
            return queryset.filter(read_at__isnull=self.value() == "no")
        return queryset


class DeliveryInline(ScopedFieldsMixin, admin.TabularInline):
    model = NotificationDelivery
    extra = 0
    fields = (
        "channel",
        "subscription",
        "status",
        "attempts",
        "last_error",
        "not_before",
        "sent_at",
    )
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("subscription")
        return _own_or_all(queryset, request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(OwnRecordsAdmin):
    list_display = ("title", "kind_label", "created_at", "read_at")
    list_filter = (KindListFilter, ReadListFilter)
    list_select_related = ("recipient",)
    search_fields = ("title",)
    fields = (
        "recipient",
        "kind_label",
        "title",
        "body",
        "link",
        "created_at",
        "read_at",
        "dedupe_key",
    )
    readonly_fields = fields
    inlines = (DeliveryInline,)

    def get_list_display(self, request):
        if request.user.is_superuser:
            # Only superusers see other people's notifications.
            return ("title", "recipient", "kind_label", "created_at", "read_at")
        return self.list_display

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, obj):
        return _kind_labels().get(obj.kind, obj.kind)


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(OwnRecordsAdmin):
    list_display = (
        "notification",
        "channel",
        "status",
        "attempts",
        "last_error",
        "sent_at",
    )
    list_filter = ("status", "channel")
    list_select_related = ("notification",)
    fields = (
        "notification",
        "channel",
        "subscription",
        "status",
        "attempts",
        "last_error",
        "not_before",
        "claimed_at",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields
    actions = ("retry_failed",)

    def has_retry_permission(self, request):
        return request.user.has_perm("members.change_notificationdelivery")

    @admin.action(
        description=_("Retry the selected failed deliveries"),
        permissions=("retry",),
    )
    def retry_failed(self, request, queryset):
        selected = len(queryset)
        count = deliveries_retry(deliveries=queryset)
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)d failed delivery will be sent again.",
                    "%(count)d failed deliveries will be sent again.",
                    count,
                )
                % {"count": count},
            )
        if selected > count:
            messages.warning(
                request,
                ngettext(
                    "%(count)d selected delivery had not failed and was left as is.",
                    "%(count)d selected deliveries had not failed and were left as is.",
                    selected - count,
                )
                % {"count": selected - count},
            )
