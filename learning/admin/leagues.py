"""Admin of unit quests: set for units in the officer's scope, with their progress."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from learning import services
from learning.models import Quest
from learning.selectors.leagues import quest_progress_cached
from learning.services.leagues import quest_clean
from members.scoped_admin import ScopedModelAdmin


@admin.register(Quest)
class QuestAdmin(ScopedModelAdmin):
    list_display = (
        "title",
        "unit",
        "course",
        "target_percent",
        "ends_on",
        "progress",
        "reached_at",
    )
    list_select_related = ("unit", "course")
    list_filter = ("ends_on", "reached_at")
    search_fields = ("title", "unit__name", "course__title")
    autocomplete_fields = ("unit", "course", "badge")
    readonly_fields = ("reached_at", "rewarded", "rewarded_at", "progress")
    fields = (
        "title",
        "unit",
        "course",
        "target_percent",
        "starts_on",
        "ends_on",
        "badge",
        "points",
        "progress",
        "reached_at",
        "rewarded",
        "rewarded_at",
    )

    @admin.display(description=_("progress"))
    def progress(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        progress = quest_progress_cached(quest=obj)
        return format_html(
            '<progress value="{}" max="100" aria-label="{}">{}%</progress> {}/{} ({}%)',
            progress.percent,
            obj.title,
            progress.percent,
            progress.done,
            progress.members,
            progress.percent,
        )

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.reached_at is None

    def save_model(self, request, obj, form, change):
        services.quest_save(quest=obj, actor=request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class QuestForm(form):
            def _post_clean(self):
                super()._post_clean()
                try:
                    quest_clean(self.instance, actor=request.user)
                except ValidationError as error:
                    self.add_error(None, error)

        return QuestForm
