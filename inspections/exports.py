"""The year's activities, findings and recommendations as XLSX, streamed, no row cap.

XlsxWriter in ``constant_memory`` mode writes each row to disk as it comes,
so memory stays flat whatever the size; the file is then streamed from disk.
Every text cell goes through ``members.resources.cell_escape``.
"""

import tempfile

from django.utils.translation import gettext as _

from inspections.models import Finding, Recommendation
from members.resources import cell_escape, sheet_title

CHUNK = 2000


def _date(value) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def _sheet(book, title: str, headers: list[str], rows) -> None:
    sheet = book.add_worksheet(sheet_title(title))
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, [cell_escape(h) for h in headers], bold)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, [cell_escape(value) for value in row])


def _activity_rows(activities):
    for a in activities.iterator(chunk_size=CHUNK):
        yield (
            a.pk,
            a.inspecting_unit.name,
            a.inspected_unit.name,
            a.get_kind_display(),
            a.get_mode_display(),
            a.topic,
            _date(a.planned_start),
            _date(a.planned_end),
            _date(a.original_start) if a.original_start != a.planned_start else "",
            _date(a.actual_start),
            _date(a.actual_end),
            a.get_status_display(),
            a.lead.get_full_name() or a.lead.email,
            a.cancelled_reason,
        )


def _finding_rows(findings):
    for f in findings.iterator(chunk_size=CHUNK):
        yield (
            f.pk,
            f.activity_id,
            f.inspected_unit.name,
            f.topic,
            f.description,
            _("Yes") if f.repeated_of_id else "",
            _date(f.created_at),
        )


def _recommendation_rows(recommendations):
    for r in recommendations.iterator(chunk_size=CHUNK):
        yield (
            r.pk,
            r.finding_id,
            r.inspected_unit.name,
            r.text,
            r.owner.get_full_name() or r.owner.email,
            _date(r.due_date),
            r.get_status_display(),
            r.response,
            _date(r.responded_at),
            _date(r.reviewed_at),
        )


def year_workbook(*, activities, findings, recommendations):
    """Write the three sheets to a temporary file and return it, rewound."""
    import xlsxwriter

    # Handed to FileResponse, which closes it once streamed.
    out = tempfile.TemporaryFile()  # noqa: SIM115
    book = xlsxwriter.Workbook(
        out, {"constant_memory": True, "strings_to_formulas": False}
    )
    _sheet(
        book,
        _("Activities"),
        [
            _("No."),
            _("inspecting unit"),
            _("inspected unit"),
            _("kind"),
            _("mode"),
            _("topic"),
            _("planned start"),
            _("planned end"),
            _("first planned start"),
            _("actual start"),
            _("actual end"),
            _("status"),
            _("team lead"),
            _("reason cancelled"),
        ],
        _activity_rows(
            activities.select_related(
                "inspecting_unit", "inspected_unit", "lead"
            ).order_by("planned_start", "pk")
        ),
    )
    _sheet(
        book,
        _("Findings"),
        [
            _("No."),
            _("activity"),
            _("inspected unit"),
            _("topic"),
            _("description"),
            _("Repeated"),
            _("recorded"),
        ],
        _finding_rows(findings.select_related("inspected_unit").order_by("pk")),
    )
    _sheet(
        book,
        _("Recommendations"),
        [
            _("No."),
            _("finding"),
            _("inspected unit"),
            _("recommendation"),
            _("owner in the inspected unit"),
            _("due date"),
            _("status"),
            _("the unit's response"),
            _("responded"),
            _("reviewed"),
        ],
        _recommendation_rows(
            recommendations.select_related("inspected_unit", "owner").order_by("pk")
        ),
    )
    book.close()
    out.seek(0)
    return out


def year_querysets(*, scoped_activities, year: int):
    """The year's activities given, and their findings and recommendations."""
    activities = scoped_activities.filter(year=year)
    ids = activities.values("pk")
    return {
        "activities": activities,
        "findings": Finding.objects.filter(activity__in=ids),
        "recommendations": Recommendation.objects.filter(finding__activity__in=ids),
    }
