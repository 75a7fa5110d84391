"""Admin of points: the rules' values, the level table, the ledger and profiles."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from learning import services
from learning.models import Level, XpEvent, XpProfile, XpRule
from members.scoped_admin import ScopedModelAdmin, scope_exempt

scope_exempt("learning.XpRule", why="points per reason: settings, nobody's data")
scope_exempt("learning.Level", why="the level table: settings, nobody's data")


@admin.register(XpRule)
class XpRuleAdmin(admin.ModelAdmin):
    list_display = ("reason", "points", "updated_at")
    list_editable = ("points",)
    fields = ("reason", "points")
    readonly_fields = ("reason",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    """Changing a threshold recomputes members' levels; the ledger stays as it is."""

    list_display = ("number", "threshold", "title")
    ordering = ("number",)

    def save_model(self, request, obj, form, change):
        services.level_save(level=obj)

    def delete_model(self, request, obj):
        try:
            services.level_delete(level=obj)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))

    def delete_queryset(self, request, queryset):
        for level in queryset:
            self.delete_model(request, level)


class _ReadOnly:
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(XpEvent)
class XpEventAdmin(_ReadOnly, ScopedModelAdmin):
    list_display = ("created_at", "member", "reason", "title", "points", "blocked")
    list_select_related = ("member",)
    list_filter = ("reason", "blocked", "day")
    search_fields = ("member__full_name", "title")
    date_hierarchy = "day"
    show_full_result_count = False
    # The source's type is a key of the ledger, not words for staff: the
    # reason and the title say what it was.
    fields = (
        "member",
        "reason",
        "title",
        "source_id",
        "points",
        "blocked",
        "created_at",
        "day",
    )


@admin.register(XpProfile)
class XpProfileAdmin(_ReadOnly, ScopedModelAdmin):
    list_display = ("member", "total", "level", "streak", "freezes", "daily_goal")
    list_select_related = ("member",)
    search_fields = ("member__full_name",)
    ordering = ("-total",)
    show_full_result_count = False
