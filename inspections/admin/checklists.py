"""Checklist templates: editable until an activity uses them, then a new version."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inspections import services
from inspections.models import ChecklistItem, ChecklistTemplate
from members.scoped_admin import scope_exempt

scope_exempt(
    "inspections.ChecklistTemplate",
    why="the sector's checklist questions: no unit's or person's data",
)


class ItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1
    fields = ("order", "text", "answer_type", "max_score")


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "code", "version", "topic", "created_at")
    search_fields = ("title", "code", "topic")
    inlines = (ItemInline,)
    actions = ("make_new_version",)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.activities.exists():
            return ("code", "version", "title", "topic")
        return ("version",) if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        # A version in use keeps its questions: old activities were answered
        # against them. Make a new version instead.
        if obj is not None and obj.activities.exists():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.activities.exists():
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description=gettext_lazy("Make a new version to edit"))
    def make_new_version(self, request, queryset):
        for template in queryset:
            revised = services.checklist_template_revise(template=template)
            if revised.pk == template.pk:
                messages.info(
                    request,
                    _("%(template)s is not used yet: edit it as it is.")
                    % {"template": template},
                )
            else:
                messages.success(
                    request,
                    _("%(template)s made.") % {"template": revised},
                )
