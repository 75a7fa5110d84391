"""The split's targets: the sector's settings, changed by superusers only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from inspections.models import SplitTarget
from members.scoped_admin import scope_exempt

scope_exempt(
    "inspections.SplitTarget",
    why="the sector's targets for the online share: two numbers, nobody's data",
)


@admin.register(SplitTarget)
class SplitTargetAdmin(admin.ModelAdmin):
    list_display = ("kind", "online_percent", "in_person_percent", "updated_at")
    readonly_fields = ("in_person_percent", "updated_at")
    fields = ("kind", "online_percent", "in_person_percent", "updated_at")

    @admin.display(description=_("in-person share (%)"))
    def in_person_percent(self, obj):
        return obj.in_person_percent if obj.pk else ""

    # The targets are the whole sector's: only a superuser changes them.
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False
