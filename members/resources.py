"""django-import-export resources: explicit fields, Vietnamese headers, safe cells.

Every spreadsheet the project writes, in any app, passes its text cells
through ``cell_escape`` (a resource: subclass ``SafeExportResource``), names
its sheets with ``sheet_title`` and is served as ``XLSX_CONTENT_TYPE``.
"""

from import_export import fields, resources

from members.models import Member

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "-"))


def sheet_title(title) -> str:
    """Return a title Excel takes for a sheet: no []:*?/\\, at most 31 characters."""
    return str(title).translate(_SHEET_TITLE_FORBIDDEN)[:31]


def cell_escape(value):
    """Return the value so that no spreadsheet reads it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class SafeExportResource(resources.ModelResource):
    """A resource whose exported text cells can never run as formulas."""

    def export_field(self, field, instance, **kwargs):
        return cell_escape(super().export_field(field, instance, **kwargs))


def _field(name: str, attribute: str | None = None, **kwargs) -> fields.Field:
    """Return an export field headed by the model field's translated name."""
    label = Member._meta.get_field(name.split("__")[0]).verbose_name
    return fields.Field(attribute=attribute or name, column_name=label, **kwargs)


class MemberResource(SafeExportResource):
    """Members as staff export them: one row a member, units by code and name."""

    employer_code = _field("employer", "employer__code")
    employee_code = _field("employee_code")
    full_name = _field("full_name")
    gender = _field("gender", "get_gender_display")
    date_of_birth = _field("date_of_birth")
    national_id = _field("national_id")
    phone = _field("phone")
    email = _field("email")
    position = _field("position")
    unit_name = _field("unit", "unit__name")
    status = _field("status", "get_status_display")
    card_number = _field("card_number")
    union_joined_on = _field("union_joined_on")

    class Meta:
        model = Member
        fields = export_order = (
            "employer_code",
            "employee_code",
            "full_name",
            "gender",
            "date_of_birth",
            "national_id",
            "phone",
            "email",
            "position",
            "unit_name",
            "status",
            "card_number",
            "union_joined_on",
        )
