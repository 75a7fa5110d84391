"""Admin of surveys: the builder, results with charts and XLSX, themes, actions."""

from datetime import timedelta
from io import BytesIO

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback import services
from feedback.forms.surveys import SurveyActionForm, SurveyForm, SurveyQuestionForm
from feedback.models.surveys import (
    Survey,
    SurveyAction,
    SurveyAnalysisRun,
    SurveyQuestion,
    SurveyTheme,
)
from feedback.selectors.survey_results import (
    question_themes,
    survey_results,
    theme_texts,
)
from members.models import AuditEvent, Unit
from members.resources import XLSX_CONTENT_TYPE, cell_escape, sheet_title
from members.scope import scoped
from members.scoped_admin import ScopedModelAdmin, ScopedStackedInline, action_run_each
from members.services.audit import audit_record

CHART_LABEL_WIDTH = 220
CHART_BAR_WIDTH = 320
CHART_ROW_HEIGHT = 24


class ClosingFilter(admin.SimpleListFilter):
    title = gettext_lazy("closing")
    parameter_name = "closing"

    def lookups(self, request, model_admin):
        return [("week", _("Published, closing within a week"))]

    def queryset(self, request, queryset):
        if self.value() == "week":
            now = timezone.now()
            return queryset.filter(
                status=Survey.Status.PUBLISHED,
                closes_at__gt=now,
                closes_at__lt=now + timedelta(days=7),
            )
        return queryset


class SurveyQuestionInline(ScopedStackedInline):
    model = SurveyQuestion
    form = SurveyQuestionForm
    extra = 1
    ordering = ("order", "pk")
    fields = (
        ("order", "kind", "required"),
        "text",
        "choices",
        ("show_if_question", "show_if_answer"),
    )

    def get_formset(self, request, obj=None, **kwargs):
        self._survey = obj
        formset = super().get_formset(request, obj, **kwargs)
        survey_id = obj.pk if obj is not None else None
        formset.form = type(
            "SurveyQuestionFormOf", (formset.form,), {"parent_survey_id": survey_id}
        )
        return formset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "show_if_question":
            survey = getattr(self, "_survey", None)
            field.queryset = field.queryset.filter(
                survey_id=survey.pk if survey is not None else None
            )
        return field

    def has_delete_permission(self, request, obj=None):
        # A survey with responses keeps its questions: their answers hang on them.
        if obj is not None and obj.response_count:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Survey)
class SurveyAdmin(ScopedModelAdmin):
    form = SurveyForm
    list_display = (
        "title",
        "owner_unit",
        "opens_at",
        "closes_at",
        "status",
        "anonymous",
        "response_count",
        "results_link",
    )
    list_filter = ("status", "anonymous", ClosingFilter)
    list_select_related = ("owner_unit",)
    search_fields = ("title",)
    # Audience units are a plain list to pick from: the autocomplete's search
    # box for many values, and the two-box filter, carry no valid label.
    autocomplete_fields = ("owner_unit",)
    readonly_fields = ("response_count",)
    inlines = (SurveyQuestionInline,)

    @admin.display(description=gettext_lazy("results"))
    def results_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:feedback_survey_results", args=[obj.pk]),
            _("Results"),
        )

    def has_delete_permission(self, request, obj=None):
        # Answers given are kept with their survey.
        if obj is not None and obj.response_count:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        services.survey_audience_check(
            user=request.user,
            owner_unit=form.instance.owner_unit,
            units=form.cleaned_data.get("audience_units") or [],
        )
        super().save_related(request, form, formsets, change)
        services.survey_tighten(survey=form.instance)

    # Results, themes -----------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:survey_id>/ket-qua/",
                wrap(self.results_view),
                name="feedback_survey_results",
            ),
            path(
                "<int:survey_id>/ket-qua/xlsx/",
                wrap(self.results_xlsx_view),
                name="feedback_survey_results_xlsx",
            ),
            path(
                "<int:survey_id>/chu-de/",
                wrap(self.themes_view),
                name="feedback_survey_themes",
            ),
            *super().get_urls(),
        ]

    def _survey(self, request, survey_id: int) -> Survey:
        if not self.has_view_permission(request):
            raise PermissionDenied
        survey = self.get_queryset(request).filter(pk=survey_id).first()
        if survey is None:
            raise Http404(_("No such survey."))
        return survey

    def _unit(self, request) -> Unit | None:
        value = request.GET.get("unit", "")
        if not value:
            return None
        if not value.isdigit():
            raise Http404(_("No such union unit."))
        unit = scoped(Unit.objects.all(), request.user).filter(pk=int(value)).first()
        if unit is None:
            raise Http404(_("No such union unit."))
        return unit

    def results_view(self, request, survey_id: int):
        survey = self._survey(request, survey_id)
        unit = self._unit(request)
        results = survey_results(survey=survey, user=request.user, unit=unit)
        query = f"?unit={unit.pk}" if unit is not None else ""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Results of %(survey)s") % {"survey": survey.title},
            "subtitle": None,
            "survey": survey,
            "results": results,
            "charts": [_chart(q) for q in results.questions],
            "chart_label_x": CHART_LABEL_WIDTH,
            "chart_bar_x": CHART_LABEL_WIDTH + 8,
            "xlsx_url": reverse("admin:feedback_survey_results_xlsx", args=[survey.pk])
            + query,
        }
        return TemplateResponse(request, "admin/feedback/survey/results.html", context)

    def results_xlsx_view(self, request, survey_id: int):
        survey = self._survey(request, survey_id)
        unit = self._unit(request)
        results = survey_results(survey=survey, user=request.user, unit=unit)
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.EXPORT,
            obj=survey,
            detail={"action": "survey_results_xlsx", "unit": unit.pk if unit else None},
        )
        name = f"ket-qua-khao-sat-{survey.pk}-{timezone.localdate():%Y%m%d}.xlsx"
        response = HttpResponse(
            results_workbook(results), content_type=XLSX_CONTENT_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def themes_view(self, request, survey_id: int):
        survey = self._survey(request, survey_id)
        value = request.GET.get("question", "")
        question = (
            survey.questions.filter(pk=int(value)).first() if value.isdigit() else None
        )
        if question is None or not question.is_text:
            raise Http404(_("No such question."))
        if request.method == "POST":
            if not self.has_change_permission(request, survey):
                raise PermissionDenied
            try:
                services.analysis_start(question=question, user=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The analysis has started."))
            return HttpResponseRedirect(f"{request.path}?question={question.pk}")
        unit = self._unit(request)
        results = survey_results(survey=survey, user=request.user, unit=unit)
        view = question_themes(question=question, results=results, user=request.user)
        run = question.analysis_runs.first()
        chosen = None
        texts: list[str] = []
        theme_id = request.GET.get("theme", "")
        if theme_id.isdigit() and not view.hidden:
            chosen = question.themes.filter(pk=int(theme_id)).first()
            if chosen is not None:
                texts = theme_texts(theme=chosen, user=request.user, unit=unit)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Themes of “%(question)s”") % {"question": question.text},
            "subtitle": None,
            "survey": survey,
            "question": question,
            "view": view,
            "rows": [
                (row, list(zip(row.by_group, view.groups, strict=True)))
                for row in view.themes
            ],
            "run": run,
            "running": run is not None
            and run.status
            in (SurveyAnalysisRun.Status.QUEUED, SurveyAnalysisRun.Status.RUNNING),
            "chosen": chosen,
            "texts": texts,
            "unit": unit,
            "can_start": self.has_change_permission(request, survey),
        }
        return TemplateResponse(request, "admin/feedback/survey/themes.html", context)


def _chart(result) -> dict:
    """The bars of a question's options, in per cent, as the SVG draws them."""
    bars = []
    for index, option in enumerate(result.options):
        percent = option.percent or 0
        width = round(CHART_BAR_WIDTH * percent / 100)
        bars.append(
            {
                "label": option.label,
                "percent": percent,
                "y": index * CHART_ROW_HEIGHT,
                "width": width,
                "value_x": CHART_LABEL_WIDTH + 8 + width + 4,
            }
        )
    return {
        "bars": bars,
        "width": CHART_LABEL_WIDTH + 8 + CHART_BAR_WIDTH + 56,
        "height": max(len(bars), 1) * CHART_ROW_HEIGHT,
    }


def _hidden_mark(k: int) -> str:
    return _("fewer than %(k)s") % {"k": k}


def results_workbook(results) -> bytes:
    """Return the results as an .xlsx under the same suppression as the page."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    whole = book.create_sheet(title=sheet_title(_("Results")))
    whole.append(
        [
            cell_escape(h)
            for h in (_("Question"), _("Answer"), _("Count"), _("Per cent"), _("Mean"))
        ]
    )
    for result in results.questions:
        text = cell_escape(result.question.text)
        if result.hidden:
            whole.append([text, _hidden_mark(result.k), None, None, None])
            continue
        if not result.options:
            whole.append([text, _("Answered"), result.answered, None, None])
        for option in result.options:
            whole.append(
                [text, cell_escape(option.label), option.count, option.percent, None]
            )
        if result.mean is not None:
            whole.append([text, _("Mean"), None, None, result.mean])
    by_unit = book.create_sheet(title=sheet_title(_("By unit")))
    by_unit.append(
        [
            cell_escape(h)
            for h in (
                _("Question"),
                _("Union unit"),
                _("Answered"),
                _("Answer"),
                _("Per cent"),
                _("Mean"),
            )
        ]
    )
    for result in results.questions:
        text = cell_escape(result.question.text)
        labels = [option.label for option in result.options] or [None]
        for row in result.rows:
            unit = cell_escape(row.group.label)
            if row.hidden:
                by_unit.append([text, unit, _hidden_mark(result.k), None, None, None])
                continue
            if not row.percents:
                by_unit.append([text, unit, row.answered, None, None, row.mean])
                continue
            for label, percent in zip(labels, row.percents, strict=False):
                by_unit.append(
                    [text, unit, row.answered, cell_escape(label), percent, row.mean]
                )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@admin.register(SurveyTheme)
class SurveyThemeAdmin(ScopedModelAdmin):
    list_display = ("label", "question", "answer_count", "confirmed")
    list_filter = ("confirmed",)
    list_select_related = ("question__survey",)
    search_fields = ("label", "question__text", "question__survey__title")
    fields = ("label", "question", "keywords", "answer_count", "confirmed")
    readonly_fields = ("question", "keywords", "answer_count", "confirmed")
    actions = ("confirm", "unconfirm", "merge")

    def has_add_permission(self, request):
        # Themes come from the analysis of the answers.
        return False

    def save_model(self, request, obj, form, change):
        services.theme_rename(
            theme=obj, label=form.cleaned_data["label"], actor=request.user
        )

    @admin.action(
        description=gettext_lazy("Confirm the selected themes"), permissions=["change"]
    )
    def confirm(self, request, queryset):
        action_run_each(
            request,
            queryset.select_related("question__survey__owner_unit"),
            services.theme_confirm,
            as_="theme",
        )

    @admin.action(
        description=gettext_lazy("Unconfirm the selected themes"),
        permissions=["change"],
    )
    def unconfirm(self, request, queryset):
        def unconfirm(*, theme, actor):
            return services.theme_confirm(theme=theme, actor=actor, confirmed=False)

        action_run_each(
            request,
            queryset.select_related("question__survey__owner_unit"),
            unconfirm,
            as_="theme",
        )

    @admin.action(
        description=gettext_lazy("Merge the selected themes"), permissions=["change"]
    )
    def merge(self, request, queryset):
        try:
            target = services.theme_merge(
                themes=list(queryset.select_related("question__survey__owner_unit")),
                actor=request.user,
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(
                request, _("Merged into “%(theme)s”.") % {"theme": target.label}
            )


@admin.register(SurveyAction)
class SurveyActionAdmin(ScopedModelAdmin):
    form = SurveyActionForm
    list_display = ("__str__", "survey", "published_at")
    list_filter = (("published_at", admin.EmptyFieldListFilter),)
    list_select_related = ("survey",)
    search_fields = ("we_did", "you_said", "survey__title")
    autocomplete_fields = ("survey",)
    filter_horizontal = ("themes",)
    readonly_fields = ("published_at",)
    actions = ("publish",)

    @admin.action(
        description=gettext_lazy("Publish and notify the respondents"),
        permissions=["change"],
    )
    def publish(self, request, queryset):
        action_run_each(
            request,
            queryset.select_related("survey__owner_unit"),
            services.action_publish,
            as_="action",
        )
