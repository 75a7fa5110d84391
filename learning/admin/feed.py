"""Admin of the member feed: posts, their read counts, and the 20/80 report."""

from io import BytesIO

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learning import services
from learning.models import FeedPost
from learning.selectors.feed import (
    CHART_BAR_WIDTH,
    CHART_LABEL_WIDTH,
    CHART_ROW_HEIGHT,
    TARGET_PERCENT,
    feed_ratio_report,
    feed_reads,
    ratio_bars,
    target_x,
)
from members.resources import XLSX_CONTENT_TYPE, cell_escape, sheet_title
from members.scoped_admin import ScopedModelAdmin, action_run_each

REPORT_DAYS = (7, 30, 90)
# What a published post keeps: its audience and its place under the 20/80 rule.
FROZEN_WHEN_PUBLISHED = (
    "category",
    "audience_units",
    "owner_unit",
    "publish_at",
    "confirm_required",
)


class FeedPostForm(forms.ModelForm):
    class Meta:
        model = FeedPost
        fields = (
            "title",
            "category",
            "body",
            "image",
            "video",
            "link_kind",
            "course",
            "link_path",
            "owner_unit",
            "audience_units",
            "publish_at",
            "confirm_required",
            "confirm_by",
        )

    def clean(self):
        cleaned = super().clean()
        try:
            services.feed_link_check(
                link_kind=cleaned.get("link_kind", ""),
                course=cleaned.get("course"),
                link_path=cleaned.get("link_path", ""),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        if cleaned.get("confirm_required"):
            if cleaned.get("category") != FeedPost.Category.MESSAGING:
                self.add_error(
                    "confirm_required",
                    _("Only a union message can ask members to confirm."),
                )
            if not cleaned.get("confirm_by"):
                self.add_error(
                    "confirm_by", _("Give the day by which members should confirm.")
                )
        if cleaned.get("image") and cleaned.get("video"):
            self.add_error("video", _("A post shows an image or a video, not both."))
        return cleaned


@admin.register(FeedPost)
class FeedPostAdmin(ScopedModelAdmin):
    form = FeedPostForm
    list_display = (
        "title",
        "category",
        "status",
        "publish_at",
        "released_at",
        "confirm_required",
        "owner_unit",
    )
    list_filter = ("status", "category", "confirm_required")
    list_select_related = ("owner_unit",)
    search_fields = ("title",)
    autocomplete_fields = ("owner_unit", "audience_units", "course")
    date_hierarchy = "publish_at"
    actions = ("publish", "withdraw")

    @admin.action(description=gettext_lazy("Publish"), permissions=["change"])
    def publish(self, request, queryset):
        action_run_each(request, queryset, services.feed_post_publish, as_="post")

    @admin.action(description=gettext_lazy("Withdraw"), permissions=["change"])
    def withdraw(self, request, queryset):
        action_run_each(request, queryset, services.feed_post_withdraw, as_="post")

    def get_readonly_fields(self, request, obj=None):
        fields = ["status", "released_at", "read_counts"]
        if obj is not None and obj.status != FeedPost.Status.DRAFT:
            fields += FROZEN_WHEN_PUBLISHED
        return fields

    @admin.display(description=gettext_lazy("Read counts"))
    def read_counts(self, obj):
        if obj is None or obj.pk is None or obj.status == FeedPost.Status.DRAFT:
            return "-"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:learning_feedpost_reads", args=[obj.pk]),
            _("Who has read it, by unit"),
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        # A published post stays: members read it, the rule counted it.
        if obj is not None and obj.status != FeedPost.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    # Custom views -----------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("bao-cao/", wrap(self.report_view), name="learning_feedpost_report"),
            path(
                "bao-cao/xlsx/",
                wrap(self.report_xlsx_view),
                name="learning_feedpost_report_xlsx",
            ),
            path(
                "<int:post_id>/luot-doc/",
                wrap(self.reads_view),
                name="learning_feedpost_reads",
            ),
            *super().get_urls(),
        ]

    def reads_view(self, request, post_id: int):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        post = self.get_queryset(request).filter(pk=post_id).first()
        if post is None:
            raise Http404(_("No such post."))
        rows = feed_reads(user=request.user, post=post)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Read counts of %(post)s") % {"post": post.title},
            "subtitle": None,
            "post": post,
            "rows": rows,
            "totals": {
                "audience": sum(row.audience for row in rows),
                "viewed": sum(row.viewed for row in rows),
                "confirmed": sum(row.confirmed for row in rows),
            },
        }
        return TemplateResponse(request, "admin/learning/feedpost/reads.html", context)

    def _report_days(self, request) -> int:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        value = request.GET.get("days", "")
        return int(value) if value in {str(d) for d in REPORT_DAYS} else 7

    def report_view(self, request):
        days = self._report_days(request)
        rows = feed_ratio_report(user=request.user, days=days)
        bars = ratio_bars(rows)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("The feed's 20/80 rule, by unit"),
            "subtitle": None,
            "headers": [
                _("Union unit"),
                _("Posts published"),
                _("Messaging published, %"),
                _("Posts viewed"),
                _("Messaging viewed, %"),
                _("Against the target"),
            ],
            "rows": rows,
            "bars": bars,
            "days": days,
            "choices": REPORT_DAYS,
            "target": TARGET_PERCENT,
            "chart_width": CHART_LABEL_WIDTH + 8 + CHART_BAR_WIDTH + 48,
            "chart_height": max(len(bars), 1) * CHART_ROW_HEIGHT * 2,
            "chart_label_x": CHART_LABEL_WIDTH,
            "chart_bar_x": CHART_LABEL_WIDTH + 8,
            "chart_value_x": CHART_LABEL_WIDTH + 8 + CHART_BAR_WIDTH + 4,
            "target_x": target_x(),
            "xlsx_url": reverse("admin:learning_feedpost_report_xlsx")
            + f"?days={days}",
        }
        return TemplateResponse(request, "admin/learning/feedpost/report.html", context)

    def report_xlsx_view(self, request):
        days = self._report_days(request)
        rows = feed_ratio_report(user=request.user, days=days)
        name = f"bang-tin-20-80-{days}-ngay-{timezone.localdate():%Y%m%d}.xlsx"
        response = HttpResponse(
            report_workbook(rows, days=days), content_type=XLSX_CONTENT_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def _headers() -> list[str]:
    return [
        _("Union unit"),
        _("Posts published"),
        _("Union messaging published"),
        _("Messaging published, %"),
        _("Posts viewed"),
        _("Union messaging viewed"),
        _("Messaging viewed, %"),
        _("Target, %"),
    ]


def report_workbook(rows, *, days: int) -> bytes:
    """Return the 20/80 report as an .xlsx; no cell can run as a formula."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(
        title=sheet_title(_("Feed %(days)s days") % {"days": days})
    )
    sheet.append([cell_escape(header) for header in _headers()])
    for row in rows:
        sheet.append(
            [
                cell_escape(row.unit_name),
                row.published,
                row.published_messaging,
                row.published_percent,
                row.viewed,
                row.viewed_messaging,
                row.viewed_percent,
                TARGET_PERCENT,
            ]
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
