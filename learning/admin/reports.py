"""The course report in the admin: a table and a chart, and the same as XLSX."""

from io import BytesIO
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from learning.models import Course
from learning.selectors.reports import (
    CHART_BAR_WIDTH,
    CHART_LABEL_WIDTH,
    CHART_ROW_HEIGHT,
    course_report,
    course_report_by_level_counted,
    report_bars,
    report_parents,
)
from members.models import Unit
from members.resources import XLSX_CONTENT_TYPE, cell_escape, sheet_title
from members.scope import staff_unit_paths


def _headers() -> list[str]:
    return [
        _("Course"),
        _("Union unit"),
        _("Assigned"),
        _("Enrolled"),
        _("Started"),
        _("Completed"),
        _("Overdue"),
        _("Average score"),
    ]


def report_workbook(rows) -> bytes:
    """Return the report as an .xlsx; no cell can run as a formula.

    XlsxWriter writes row by row in constant memory (the sector's report has
    tens of thousands of rows); text cells are written as text, escaped too.
    """
    import xlsxwriter

    out = BytesIO()
    book = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = book.add_worksheet(sheet_title(_("Course report")))
    for column, header in enumerate(_headers()):
        sheet.write_string(0, column, cell_escape(header))
    for index, row in enumerate(rows, start=1):
        sheet.write_string(index, 0, cell_escape(row.course_title))
        sheet.write_string(index, 1, cell_escape(row.unit_name))
        for column, value in enumerate(
            (row.assigned, row.enrolled, row.started, row.completed, row.overdue),
            start=2,
        ):
            sheet.write_number(index, column, value)
        if row.average_score is not None:
            sheet.write_number(index, 7, float(row.average_score))
    book.close()
    return out.getvalue()


class CourseReportAdminMixin:
    """The report under the enrolments' admin: its rows are enrolments in scope."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "bao-cao/",
                wrap(self.course_report_view),
                name="{}_{}_report".format(*info),
            ),
            path(
                "bao-cao/xlsx/",
                wrap(self.course_report_xlsx_view),
                name="{}_{}_report_xlsx".format(*info),
            ),
            *super().get_urls(),
        ]

    def _report_course(self, request) -> Course | None:
        if not self.has_view_permission(request):
            raise PermissionDenied
        value = request.GET.get("course", "")
        if not value:
            return None
        if not value.isdigit():
            raise Http404(_("No such course."))
        # Any course: the rows are the enrolments of the user's scope in it.
        course = Course.objects.filter(pk=int(value)).first()
        if course is None:
            raise Http404(_("No such course."))
        return course

    def _report_unit(self, request) -> Unit | None:
        """The unit the report opens (its children are the rows); None: the top."""
        value = request.GET.get("unit", "")
        if not value:
            return None
        if not value.isdigit():
            raise Http404(_("No such unit."))
        unit = Unit.objects.filter(pk=int(value)).first()
        if unit is None:
            raise Http404(_("No such unit."))
        return unit

    def _report_trail(self, request, unit: Unit | None) -> list[Unit]:
        """The units from the top of the user's scope down to the one opened."""
        if unit is None:
            return []
        tops = staff_unit_paths(request.user)
        paths = [
            path
            for path in Unit.lineage_paths(unit.path)
            if tops is None or any(path.startswith(top) for top in tops)
        ]
        return list(Unit.objects.filter(path__in=paths).order_by("path"))

    def course_report_view(self, request):
        course = self._report_course(request)
        unit = self._report_unit(request)
        parents = report_parents(user=request.user, unit=unit)
        counted = course_report_by_level_counted(
            user=request.user,
            parents=parents,
            course_id=course.pk if course is not None else None,
        )
        rows = counted.rows
        bars = report_bars(rows, with_course=course is None)
        params = {}
        if course is not None:
            params["course"] = course.pk
        if unit is not None:
            params["unit"] = unit.pk
        query = f"?{urlencode(params)}" if params else ""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": (
                _("Report of %(course)s") % {"course": course.title}
                if course is not None
                else _("Course report")
            ),
            "subtitle": None,
            "course": course,
            "unit": unit,
            "trail": self._report_trail(request, unit),
            "course_query": f"course={course.pk}&" if course is not None else "",
            "headers": _headers(),
            "rows": rows,
            "as_of": counted.as_of,
            "bars": bars,
            "chart_width": CHART_LABEL_WIDTH + 8 + CHART_BAR_WIDTH + 48,
            "chart_height": max(len(bars), 1) * CHART_ROW_HEIGHT,
            "chart_label_x": CHART_LABEL_WIDTH,
            "chart_bar_x": CHART_LABEL_WIDTH + 8,
            "xlsx_url": reverse("admin:learning_enrolment_report_xlsx") + query,
        }
        return TemplateResponse(
            request, "admin/learning/enrolment/report.html", context
        )

    def course_report_xlsx_view(self, request):
        course = self._report_course(request)
        # Every learner's own unit, of the whole scope or the unit opened.
        rows = course_report(
            user=request.user,
            course_id=course.pk if course is not None else None,
            unit=self._report_unit(request),
        )
        name = (
            f"bao-cao-{course.slug if course is not None else 'khoa-hoc'}"
            f"-{timezone.localdate():%Y%m%d}.xlsx"
        )
        response = HttpResponse(report_workbook(rows), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
