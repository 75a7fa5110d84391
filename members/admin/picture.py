"""The register's picture in the admin: its page and its tables as XLSX."""

from io import BytesIO

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from members.models import Unit
from members.resources import XLSX_CONTENT_TYPE, cell_escape, sheet_title
from members.scope import require_unit_in_scope
from members.selectors.picture import Block, register_picture

# Characters a worksheet's name may not hold.


def chosen_unit(request) -> Unit | None:
    """Return the unit of the ``unit`` parameter, refused unless in the scope."""
    raw = request.GET.get("unit", "")
    if not raw:
        return None
    # ASCII digits that fit a bigint: "²" or 30 digits must not reach the query.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise Http404
    unit = Unit.objects.filter(pk=int(raw)).first()
    if unit is None:
        raise Http404
    require_unit_in_scope(request.user, unit)
    return unit


def _scope_label(picture) -> str:
    if picture.unit is not None:
        return picture.unit["name"]
    return _("All the units you see")


def picture_workbook(*, picture, blocks: list[Block]) -> bytes:
    """Return an .xlsx with one sheet a table; no cell can run as a formula."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    scope = _scope_label(picture)
    on = date_format(picture.today, "SHORT_DATE_FORMAT")
    for block in blocks:
        title = sheet_title(block.sheet_title)
        sheet = book.create_sheet(title=title)
        sheet.append([cell_escape(str(block.title))])
        sheet.append(
            [cell_escape(_("%(scope)s, on %(date)s") % {"scope": scope, "date": on})]
        )
        sheet.append([])
        sheet.append(
            [cell_escape(str(h)) for h in (block.label_header, *block.columns)]
        )
        rows = [*block.rows, block.total] if block.total else block.rows
        for row in rows:
            sheet.append([cell_escape(str(row.label)), *row.values])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


class RegisterPictureAdminMixin:
    """The picture's page and export under the members admin.

    It also names the changelist template that links to the picture: the
    export mixin's template shows the object tools only to those who may add.
    """

    import_export_change_list_template = "admin/members/member/change_list.html"

    def get_urls(self):
        site = self.admin_site
        return [
            path(
                "picture/",
                site.admin_view(self.register_picture_view),
                name="members_register_picture",
            ),
            # Not "…_export": that suffix is django-import-export's form.
            path(
                "picture/xlsx/",
                site.admin_view(self.register_picture_xlsx_view),
                name="members_register_picture_xlsx",
            ),
            *super().get_urls(),
        ]

    def register_picture_view(self, request):
        """Show the figures of the user's scope, or of one unit in it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        unit = chosen_unit(request)
        picture = register_picture(user=request.user, unit=unit)
        context = {
            **self.admin_site.each_context(request),
            "title": _("The register's picture"),
            "opts": self.model._meta,
            "picture": picture,
            "scope_label": _scope_label(picture),
            "unit_query": f"&unit={unit.pk}" if unit is not None else "",
        }
        return TemplateResponse(request, "admin/members/member/picture.html", context)

    def register_picture_xlsx_view(self, request):
        """Send one table of the picture (``block``), or all of them, as XLSX."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        unit = chosen_unit(request)
        picture = register_picture(user=request.user, unit=unit)
        key = request.GET.get("block", "")
        if key:
            block = picture.block(key)
            if block is None:
                raise Http404
            blocks = [block]
        else:
            blocks = list(picture.blocks)
        name = f"register-picture-{key or 'all'}-{picture.today:%Y%m%d}.xlsx"
        response = HttpResponse(
            picture_workbook(picture=picture, blocks=blocks),
            content_type=XLSX_CONTENT_TYPE,
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
