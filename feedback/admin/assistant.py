"""Admin of the assistant: knowledge base, curated answers, questions, tickets."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback import services
from feedback.models import (
    AssistantHandover,
    AssistantQuestion,
    AssistantSettings,
    AssistantTopic,
    CuratedAnswer,
    LegalArticle,
    LegalDocument,
)
from feedback.selectors.assistant import questions_by_topic
from members.scoped_admin import ScopedModelAdmin, action_run_each


class ArticleInline(admin.TabularInline):
    model = LegalArticle
    fields = ("number", "title", "chapter")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LegalDocument)
class LegalDocumentAdmin(admin.ModelAdmin):
    list_display = ("number", "short_title", "kind", "effective_on", "replaced_by")
    list_filter = ("kind",)
    search_fields = ("number", "title", "short_title")
    autocomplete_fields = ("replaced_by", "amends")
    inlines = (ArticleInline,)


@admin.register(LegalArticle)
class LegalArticleAdmin(admin.ModelAdmin):
    list_display = ("key", "title", "document", "amended_by")
    list_select_related = ("document", "amended_by__document")
    list_filter = ("document",)
    search_fields = ("key", "title", "text")
    autocomplete_fields = ("document", "amended_by")
    readonly_fields = ("key",)
    # The corpus files give addresses in full; one typed without a scheme is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request, obj=None):
        # The key ties the article to its corpus file: fixed once made.
        return ("key",) if obj else ()


@admin.register(AssistantTopic)
class AssistantTopicAdmin(admin.ModelAdmin):
    list_display = ("name", "enabled", "order", "note")
    list_editable = ("enabled",)
    list_filter = ("enabled",)
    search_fields = ("name", "keywords")


class ReviewDueFilter(admin.SimpleListFilter):
    title = gettext_lazy("served")
    parameter_name = "serving"

    def lookups(self, request, model_admin):
        return (
            ("yes", _("Served now")),
            ("review", _("Past its review date or not approved")),
        )

    def queryset(self, request, queryset):
        today = timezone.localdate()
        served = Q(is_active=True, approved_at__isnull=False, review_on__gte=today)
        if self.value() == "yes":
            return queryset.filter(served)
        if self.value() == "review":
            return queryset.exclude(served)
        return queryset


@admin.register(CuratedAnswer)
class CuratedAnswerAdmin(admin.ModelAdmin):
    list_display = (
        "question",
        "topic",
        "approved_by",
        "approved_at",
        "review_on",
        "is_active",
    )
    list_select_related = ("topic", "approved_by")
    list_filter = (ReviewDueFilter, "topic", "is_active")
    search_fields = ("question", "variants", "answer")
    autocomplete_fields = ("articles",)
    readonly_fields = ("approved_by", "approved_at")
    actions = ("approve",)

    @admin.action(description=gettext_lazy("Approve the selected curated answers"))
    def approve(self, request, queryset):
        action_run_each(request, queryset, _approve, as_="curated")

    def save_model(self, request, obj, form, change):
        # An edited answer is served again only once approved again.
        if change and {"answer", "question", "variants"} & set(form.changed_data):
            obj.approved_by, obj.approved_at = None, None
        super().save_model(request, obj, form, change)


def _approve(*, curated, actor):
    services.curated_approve(curated=curated, actor=actor)


@admin.register(AssistantSettings)
class AssistantSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "confidence_threshold", "answer_days", "updated_at")

    def has_add_permission(self, request):
        # One row, made with the knowledge base (services.topics_ensure).
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AssistantQuestion)
class AssistantQuestionAdmin(ScopedModelAdmin):
    list_display = (
        "text",
        "member",
        "unit",
        "topic",
        "outcome",
        "reason",
        "helpful",
        "created_at",
    )
    list_select_related = ("member", "unit", "topic")
    list_filter = ("outcome", "reason", "helpful", "topic")
    search_fields = ("text", "member__full_name")
    date_hierarchy = "created_at"
    fields = (
        "text",
        "member",
        "unit",
        "topic",
        "outcome",
        "reason",
        "confidence",
        "curated",
        "passages",
        "helpful",
        "latency_ms",
        "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "theo-chu-de/",
                self.admin_site.admin_view(self.by_topic_view),
                name="{}_{}_by_topic".format(*info),
            ),
            *super().get_urls(),
        ]

    def by_topic_view(self, request):
        """Questions by topic: asked, waiting for an officer, marked not helpful."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = reverse("admin:feedback_assistantquestion_changelist")
        handovers = reverse("admin:feedback_assistanthandover_changelist")
        rows = [
            {**row, **_topic_links(row, changelist, handovers)}
            for row in questions_by_topic(user=request.user)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Questions to the assistant by topic"),
            "rows": rows,
        }
        return TemplateResponse(
            request, "admin/feedback/assistantquestion/by_topic.html", context
        )


def _topic_links(row: dict, changelist: str, handovers: str) -> dict:
    """The name of a row's topic, and the lists of its waiting and unhelpful ones."""
    if row["topic_id"]:
        on_ticket = f"question__topic__id__exact={row['topic_id']}"
        on_question = f"topic__id__exact={row['topic_id']}"
    else:
        on_ticket, on_question = "question__topic__isnull=True", "topic__isnull=True"
    return {
        "name": row["topic__name"] or _("No topic"),
        "waiting_url": f"{handovers}?waiting=yes&{on_ticket}",
        "unhelpful_url": f"{changelist}?helpful__exact=0&{on_question}",
    }


class WaitingFilter(admin.SimpleListFilter):
    title = gettext_lazy("answer")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return (("yes", _("Waiting for an answer")), ("no", _("Answered")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(answered_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(answered_at__isnull=False)
        return queryset


class HandoverForm(forms.ModelForm):
    class Meta:
        model = AssistantHandover
        fields = ("answer", "articles")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read-only, hence absent, once the ticket is answered.
        if "answer" in self.fields:
            self.fields["answer"].required = True


@admin.register(AssistantHandover)
class AssistantHandoverAdmin(ScopedModelAdmin):
    form = HandoverForm
    list_display = (
        "question",
        "member",
        "unit",
        "due_on",
        "answered_at",
        "promoted_to",
    )
    list_select_related = ("question__member", "unit", "promoted_to")
    list_filter = (WaitingFilter, "due_on", "question__topic")
    search_fields = ("question__text", "question__member__full_name")
    autocomplete_fields = ("articles",)
    actions = ("promote",)

    @admin.display(description=gettext_lazy("member"))
    def member(self, obj):
        return obj.question.member

    def get_fields(self, request, obj=None):
        return (
            "question_text",
            "member",
            "unit",
            "due_on",
            "answer",
            "articles",
            "answered_by",
            "answered_at",
            "promoted_to",
        )

    def get_readonly_fields(self, request, obj=None):
        fixed = [
            "question_text",
            "member",
            "unit",
            "due_on",
            "answered_by",
            "answered_at",
            "promoted_to",
        ]
        if obj is not None and obj.answered_at is not None:
            fixed += ["answer", "articles"]
        return fixed

    @admin.display(description=gettext_lazy("question"))
    def question_text(self, obj):
        return obj.question.text

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.handover_answer(
            handover=obj,
            actor=request.user,
            # Both are read-only once answered: the service refuses that.
            answer=form.cleaned_data.get("answer", ""),
            articles=form.cleaned_data.get("articles", ()),
        )

    def save_related(self, request, form, formsets, change):
        # The service stored the articles with the answer.
        return None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)

    @admin.action(description=gettext_lazy("Make the answers curated answers"))
    def promote(self, request, queryset):
        action_run_each(request, queryset, _promote, as_="handover")


def _promote(*, handover, actor):
    services.handover_promote(handover=handover, actor=actor)
