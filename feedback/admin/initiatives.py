"""Admin of initiatives: review and decisions, rounds, benefits, targets, dashboard."""

from io import BytesIO

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback import services
from feedback.forms.initiatives import DecisionForm, ScoresForm
from feedback.models import (
    BenefitFollowUp,
    Initiative,
    InitiativeAttachment,
    InitiativeCoauthor,
    InitiativeStatusChange,
    InitiativeTarget,
    ReviewCriterion,
    ReviewRound,
    ReviewScore,
)
from feedback.selectors.initiatives import (
    QUARTERS,
    WAITING_STATUSES,
    Dashboard,
    programme_dashboard,
)
from feedback.services.initiatives import STEPS
from members.forms import form_add_service_errors
from members.money import vnd
from members.resources import XLSX_CONTENT_TYPE, cell_escape, sheet_title
from members.scope import require_unit_in_scope
from members.scoped_admin import ScopedModelAdmin, ScopedTabularInline
from members.text import fold

Status = Initiative.Status


class WaitingListFilter(admin.SimpleListFilter):
    """Initiatives submitted or under review: what the staff home counts."""

    title = gettext_lazy("waiting")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("yes", _("Waiting for review"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status__in=WAITING_STATUSES)
        return queryset


class ReadOnlyInline(ScopedTabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CoauthorInline(ReadOnlyInline):
    model = InitiativeCoauthor
    fields = readonly_fields = ("member",)


class AttachmentInline(ReadOnlyInline):
    model = InitiativeAttachment
    fields = readonly_fields = ("download", "size", "uploaded_at")

    @admin.display(description=gettext_lazy("file"))
    def download(self, attachment):
        url = reverse(
            "admin:feedback_initiative_attachment", args=[attachment.initiative_id]
        )
        return format_html(
            '<a href="{}?file={}">{}</a>', url, attachment.pk, attachment
        )


class StatusChangeInline(ReadOnlyInline):
    model = InitiativeStatusChange
    fields = readonly_fields = ("from_status", "to_status", "reason", "actor", "at")


class ScoreInline(ReadOnlyInline):
    model = ReviewScore
    fields = readonly_fields = ("criterion", "reviewer", "score", "scored_at")


class FollowUpInline(ReadOnlyInline):
    model = BenefitFollowUp
    fields = readonly_fields = ("months", "due_on", "actual", "note", "recorded_at")

    @admin.display(description=gettext_lazy("actual money benefit (VND)"))
    def actual(self, follow_up):
        return vnd(follow_up.actual_benefit_vnd)


def _year(request) -> int:
    raw = request.GET.get("year", "")
    if not raw:
        return timezone.localdate().year
    if not (raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2100):
        raise Http404
    return int(raw)


# Bars of the chart, in the SVG's own units.
CHART_HEIGHT, CHART_BAR, CHART_GROUP, CHART_LEFT = 160, 22, 90, 40


def dashboard_chart(dashboard: Dashboard) -> dict:
    """Return the SVG bars of initiatives submitted and recognised by quarter."""
    totals = dashboard.quarter_totals()
    top = max([1, *(max(t["submitted"], t["recognised"]) for t in totals)])
    groups = []
    for index, total in enumerate(totals):
        x = CHART_LEFT + index * CHART_GROUP
        bars = []
        for offset, key in ((0, "submitted"), (CHART_BAR + 4, "recognised")):
            height = round(CHART_HEIGHT * total[key] / top)
            bars.append(
                {
                    "key": key,
                    "x": x + offset,
                    "y": 10 + CHART_HEIGHT - height,
                    "height": height,
                    "value": total[key],
                    "label_y": 10 + CHART_HEIGHT - height - 3,
                    "text_x": x + offset + CHART_BAR // 2,
                }
            )
        groups.append(
            {
                "label": _("Q%(quarter)s") % {"quarter": total["quarter"]},
                "label_x": x + CHART_BAR,
                "bars": bars,
            }
        )
    return {
        "width": CHART_LEFT + len(totals) * CHART_GROUP,
        "height": CHART_HEIGHT + 40,
        "bar": CHART_BAR,
        "axis_y": 10 + CHART_HEIGHT,
        "label_y": CHART_HEIGHT + 30,
        "top": top,
        "groups": groups,
    }


def dashboard_workbook(dashboard: Dashboard) -> bytes:
    """Return the dashboard's tables as XLSX; no cell can run as a formula."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_title(_("By unit and quarter")))
    header = [_("Unit")]
    for quarter in QUARTERS:
        header += [
            _("Q%(quarter)s submitted") % {"quarter": quarter},
            _("Q%(quarter)s recognised") % {"quarter": quarter},
            _("Q%(quarter)s benefit (VND)") % {"quarter": quarter},
            _("Q%(quarter)s rank") % {"quarter": quarter},
        ]
    sheet.append([cell_escape(str(h)) for h in header])
    for unit in dashboard.units:
        cells = [cell_escape(unit.name)]
        for q in unit.quarters():
            cells += [q["submitted"], q["recognised"], q["benefit"], q["rank"]]
        sheet.append(cells)
    sheet = book.create_sheet(title=sheet_title(_("Targets")))
    sheet.append(
        [
            cell_escape(str(h))
            for h in (
                _("Unit"),
                _("Target: initiatives recognised"),
                _("Initiatives recognised"),
                _("Target: money benefit (VND)"),
                _("Money benefit (VND)"),
            )
        ]
    )
    for progress in dashboard.targets:
        sheet.append(
            [
                cell_escape(progress.target.unit.name),
                progress.target.recognised_count,
                progress.recognised,
                progress.target.benefit_vnd,
                progress.benefit,
            ]
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@admin.register(Initiative)
class InitiativeAdmin(ScopedModelAdmin):
    """Members submit in the portal; staff review, score and decide here."""

    list_display = (
        "title",
        "member",
        "unit",
        "status",
        "submitted_at",
        "evaluated_benefit",
    )
    list_filter = (WaitingListFilter, "status")
    list_select_related = ("member", "unit")
    search_fields = ("title_folded", "member__full_name_folded")
    date_hierarchy = "submitted_at"
    readonly_fields = (
        "member",
        "unit",
        "title",
        "problem",
        "solution",
        "applied_where",
        "expected_benefit",
        "other_benefits",
        "status",
        "review_round",
        "decision_reason",
        "evaluated_benefit",
        "recognised_on",
        "applied_on",
        "submitted_at",
    )
    fields = readonly_fields
    inlines = (
        CoauthorInline,
        AttachmentInline,
        StatusChangeInline,
        ScoreInline,
        FollowUpInline,
    )
    change_form_template = "admin/feedback/initiative/change_form.html"
    change_list_template = "admin/feedback/initiative/change_list.html"

    @admin.display(description=gettext_lazy("expected money benefit (VND a year)"))
    def expected_benefit(self, initiative):
        return vnd(initiative.expected_benefit_vnd)

    @admin.display(
        description=gettext_lazy("evaluated money benefit (VND a year)"),
        ordering="evaluated_benefit_vnd",
    )
    def evaluated_benefit(self, initiative):
        return vnd(initiative.evaluated_benefit_vnd)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, fold(search_term))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Nothing here is edited: decisions and scores are on "Review and decide".
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        site = self.admin_site
        return [
            path(
                "dashboard/",
                site.admin_view(self.dashboard_view),
                name="feedback_initiative_dashboard",
            ),
            path(
                "dashboard/xlsx/",
                site.admin_view(self.dashboard_xlsx_view),
                name="feedback_initiative_dashboard_xlsx",
            ),
            path(
                "<path:object_id>/decide/",
                site.admin_view(self.decide_view),
                name="feedback_initiative_decide",
            ),
            path(
                "<path:object_id>/attachment/",
                site.admin_view(self.attachment_view),
                name="feedback_initiative_attachment",
            ),
            *super().get_urls(),
        ]

    def _initiative(self, request, object_id) -> Initiative:
        initiative = self.get_object(request, object_id)
        if initiative is None:
            raise Http404
        return initiative

    def attachment_view(self, request, object_id):
        """Send one file of an initiative in the scope (``?file=<id>``)."""
        initiative = self._initiative(request, object_id)
        if not self.has_view_permission(request, initiative):
            raise PermissionDenied
        raw = request.GET.get("file", "")
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            raise Http404
        attachment = initiative.attachments.filter(pk=int(raw)).first()
        if attachment is None:
            raise Http404
        return FileResponse(
            attachment.file.open("rb"), as_attachment=True, filename=attachment.name
        )

    def decide_view(self, request, object_id):
        """Score an initiative under review, and take its next step."""
        initiative = self._initiative(request, object_id)
        if not self.has_change_permission(request, initiative):
            raise PermissionDenied
        steps = [step for step, before in STEPS.items() if before == initiative.status]
        criteria = (
            list(initiative.review_round.criteria.all())
            if initiative.review_round_id
            else []
        )
        mine = {
            s.criterion_id: s.score
            for s in initiative.scores.filter(reviewer=request.user)
        }
        posted = request.POST if request.method == "POST" else None
        which = request.POST.get("form") if posted else None
        decision = DecisionForm(
            posted if which == "decision" else None,
            initiative=initiative,
            user=request.user,
            steps=steps,
        )
        scores = ScoresForm(
            posted if which == "scores" else None, criteria=criteria, current=mine
        )
        if which == "decision" and decision.is_valid():
            data = decision.cleaned_data
            try:
                services.initiative_decide(
                    initiative=initiative,
                    to_status=data["to_status"],
                    actor=request.user,
                    reason=data["reason"],
                    review_round=data["review_round"],
                    evaluated_benefit_vnd=data["evaluated_benefit_vnd"],
                )
            except ValidationError as error:
                form_add_service_errors(decision, error)
            else:
                messages.success(request, _("The decision is recorded."))
                return redirect("admin:feedback_initiative_decide", initiative.pk)
        if which == "scores" and scores.is_valid():
            try:
                services.review_scores_record(
                    initiative=initiative,
                    reviewer=request.user,
                    scores=scores.scores(),
                )
            except ValidationError as error:
                form_add_service_errors(scores, error)
            else:
                messages.success(request, _("Your scores are recorded."))
                return redirect("admin:feedback_initiative_decide", initiative.pk)
        table = [
            {
                "criterion": c,
                "scores": [
                    s for s in initiative.scores.all() if s.criterion_id == c.pk
                ],
            }
            for c in criteria
        ]
        for row in table:
            values = [s.score for s in row["scores"]]
            row["mean"] = round(sum(values) / len(values), 1) if values else None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Review: %(title)s") % {"title": initiative.title},
            "opts": self.model._meta,
            "original": initiative,
            "initiative": initiative,
            "decision": decision if steps else None,
            "scores_form": scores
            if criteria and initiative.status == Status.UNDER_REVIEW
            else None,
            "score_table": table,
            "history": initiative.status_changes.select_related("actor"),
        }
        return TemplateResponse(
            request, "admin/feedback/initiative/decide.html", context
        )

    def dashboard_view(self, request):
        """Counts, benefit, rankings and targets of the programme in the scope."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        year = _year(request)
        dashboard = programme_dashboard(user=request.user, year=year)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Initiatives programme, %(year)s") % {"year": year},
            "opts": self.model._meta,
            "dashboard": dashboard,
            "year": year,
            "years": range(
                timezone.localdate().year, timezone.localdate().year - 5, -1
            ),
            "chart": dashboard_chart(dashboard),
            "totals": dashboard.quarter_totals(),
            "rankings": dashboard.rankings(),
        }
        return TemplateResponse(
            request, "admin/feedback/initiative/dashboard.html", context
        )

    def dashboard_xlsx_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        year = _year(request)
        dashboard = programme_dashboard(user=request.user, year=year)
        response = HttpResponse(
            dashboard_workbook(dashboard), content_type=XLSX_CONTENT_TYPE
        )
        response["Content-Disposition"] = (
            f'attachment; filename="sang-kien-{year}.xlsx"'
        )
        return response


class ReviewCriterionInline(ScopedTabularInline):
    model = ReviewCriterion
    extra = 1
    fields = ("name", "max_score", "order")


@admin.register(ReviewRound)
class ReviewRoundAdmin(ScopedModelAdmin):
    """A council's review round and the criteria its reviewers score on."""

    list_display = ("title", "unit", "opens_on", "closes_on")
    list_select_related = ("unit",)
    search_fields = ("title",)
    fields = ("unit", "title", "opens_on", "closes_on")
    inlines = (ReviewCriterionInline,)

    def save_model(self, request, obj, form, change):
        require_unit_in_scope(request.user, obj.unit)
        super().save_model(request, obj, form, change)


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = BenefitFollowUp
        fields = ("actual_benefit_vnd", "note")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("actual_benefit_vnd") is None:
            self.add_error("actual_benefit_vnd", _("Give the money benefit in đồng."))
        due_on = self.instance.due_on
        if due_on and timezone.localdate() < due_on:
            raise ValidationError(
                _("This follow-up falls due on %(date)s.")
                % {"date": f"{due_on:%d/%m/%Y}"}
            )
        return cleaned


class DueListFilter(admin.SimpleListFilter):
    title = gettext_lazy("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("yes", _("Due and not recorded"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(
                due_on__lte=timezone.localdate(), recorded_at__isnull=True
            )
        return queryset


@admin.register(BenefitFollowUp)
class BenefitFollowUpAdmin(ScopedModelAdmin):
    """The actual benefit of recognised initiatives, 6 and 12 months on."""

    form = FollowUpForm
    list_display = ("initiative", "months", "due_on", "actual", "recorded_at")
    list_filter = (DueListFilter, "months")
    list_select_related = ("initiative",)
    search_fields = ("initiative__title_folded",)
    readonly_fields = ("initiative", "months", "due_on", "recorded_at", "recorded_by")
    fields = (*readonly_fields, "actual_benefit_vnd", "note")

    @admin.display(description=gettext_lazy("actual money benefit (VND)"))
    def actual(self, follow_up):
        return vnd(follow_up.actual_benefit_vnd)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, fold(search_term))

    def save_model(self, request, obj, form, change):
        try:
            services.benefit_actual_record(
                follow_up=obj,
                actual_benefit_vnd=form.cleaned_data["actual_benefit_vnd"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            # Shown after the redirect; nothing was written.
            messages.error(request, " ".join(error.messages))


@admin.register(InitiativeTarget)
class InitiativeTargetAdmin(ScopedModelAdmin):
    """The programme's target of a unit for a year, which the dashboard follows."""

    list_display = ("unit", "year", "recognised_count", "benefit")
    list_filter = ("year",)
    list_select_related = ("unit",)
    fields = ("unit", "year", "recognised_count", "benefit_vnd")

    @admin.display(description=gettext_lazy("money benefit (VND)"))
    def benefit(self, target):
        return vnd(target.benefit_vnd)

    def save_model(self, request, obj, form, change):
        require_unit_in_scope(request.user, obj.unit)
        super().save_model(request, obj, form, change)
