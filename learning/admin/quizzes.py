"""Admin of quizzes and the questions they hold or draw."""

from django.contrib import admin

from learning.models import Quiz, QuizSlot
from members.scoped_admin import ScopedModelAdmin, ScopedTabularInline


class QuizSlotInline(ScopedTabularInline):
    model = QuizSlot
    extra = 0
    fields = ("order", "question", "category", "draw_count")
    ordering = ("order", "pk")
    autocomplete_fields = ("question", "category")


@admin.register(Quiz)
class QuizAdmin(ScopedModelAdmin):
    list_display = (
        "lesson",
        "pass_mark",
        "attempts_allowed",
        "time_limit_minutes",
        "shuffle_questions",
    )
    list_select_related = ("lesson__module__course",)
    search_fields = ("lesson__title", "lesson__module__course__title")
    autocomplete_fields = ("lesson",)
    inlines = (QuizSlotInline,)
