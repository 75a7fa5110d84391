"""Admin of the question banks: categories, questions and their answers."""

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from learning.models import Answer, Question, QuestionCategory
from members.scoped_admin import ScopedModelAdmin, ScopedTabularInline


@admin.register(QuestionCategory)
class QuestionCategoryAdmin(ScopedModelAdmin):
    list_display = ("name", "course")
    list_select_related = ("course",)
    search_fields = ("name", "course__title")
    autocomplete_fields = ("course",)


class AnswerInline(ScopedTabularInline):
    model = Answer
    extra = 0
    fields = ("order", "text", "fraction", "match_text", "value", "tolerance")
    ordering = ("order", "pk")


@admin.register(Question)
class QuestionAdmin(ScopedModelAdmin):
    list_display = ("short_text", "type", "category", "mark")
    list_filter = ("type",)
    list_select_related = ("category__course",)
    search_fields = ("name", "text", "category__name")
    autocomplete_fields = ("category",)
    fields = (
        "category",
        ("type", "single"),
        "name",
        ("text", "text_format"),
        "mark",
        "general_feedback",
    )
    inlines = (AnswerInline,)

    @admin.display(description=_("question text"), ordering="text")
    def short_text(self, obj):
        return obj.name or Truncator(obj.text).chars(80)
