"""Forms of the HRM import admin: the upload, profiles and department mapping."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from members.models import HrmDepartment, HrmProfile, Unit
from members.scope import scoped
from members.text import nfc

UNION_LEVELS = (Unit.Level.GRASSROOTS, Unit.Level.GROUP)
FILE_SUFFIXES = (".xlsx", ".csv")


def for_user(form_class, user):
    """Return the form class bound to the user whose scope limits its choices."""
    return type(form_class.__name__, (form_class,), {"user": user})


def employer_units(user):
    """Return the employer units the user may import into."""
    return scoped(Unit.objects.filter(is_employer=True), user).order_by("path")


def union_units(user, employer: Unit | None = None):
    """Return the grassroots unions and groups new employees may join."""
    units = scoped(Unit.objects.filter(level__in=UNION_LEVELS), user)
    if employer is not None:
        units = units.filter(path__startswith=employer.path)
    return units.order_by("path")


def _check_unit_under_employer(form, field: str) -> None:
    employer = form.cleaned_data.get("employer") or getattr(
        form.instance, "employer", None
    )
    unit = form.cleaned_data.get(field)
    if (
        unit is not None
        and employer is not None
        and not unit.path.startswith(employer.path)
    ):
        form.add_error(
            field,
            _("Choose a union unit under %(employer)s.") % {"employer": employer},
        )


class EmployerChoiceField(forms.ModelChoiceField):
    """Employer units, offered by their company's name rather than their union's."""

    def label_from_instance(self, obj):
        return obj.company_name


class ImportUploadForm(forms.Form):
    """An HRM file for one employer in the user's scope."""

    employer = EmployerChoiceField(queryset=Unit.objects.none(), label=_("Employer"))
    file = forms.FileField(
        label=_("HRM file"), help_text=_("An .xlsx workbook or a .csv file.")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = employer_units(user)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in FILE_SUFFIXES:
            raise forms.ValidationError(
                _("Upload an .xlsx or .csv file."), code="suffix"
            )
        if upload.size > settings.HRM_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB."),
                code="too_large",
                params={"limit": settings.HRM_IMPORT_MAX_BYTES // (1024 * 1024)},
            )
        return upload


class _EmployerUnitForm(forms.ModelForm):
    """A record of an employer whose union unit (``unit_field``) lies under it."""

    # The admin sets the user on the class it builds for each request.
    user = None
    unit_field = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        employer = self.instance.employer if self.instance.employer_id else None
        if "employer" in self.fields:
            self.fields["employer"].queryset = employer_units(self.user)
        self.fields[self.unit_field].queryset = union_units(self.user, employer)

    def clean(self):
        cleaned = super().clean()
        _check_unit_under_employer(self, self.unit_field)
        return cleaned


class HrmProfileForm(_EmployerUnitForm):
    """A mapping profile; its default unit lies under its employer."""

    unit_field = "default_unit"

    class Meta:
        model = HrmProfile
        fields = ("employer", "mapping", "full_file", "default_unit")
        field_classes = {"employer": EmployerChoiceField}


class HrmDepartmentForm(_EmployerUnitForm):
    """A department and the union unit under its employer that it maps to."""

    unit_field = "unit"

    class Meta:
        model = HrmDepartment
        fields = ("employer", "code", "name", "unit")
        field_classes = {"employer": EmployerChoiceField}


class DepartmentUnitForm(HrmDepartmentForm):
    """The changelist's inline-editable unit of one department."""

    class Meta:
        model = HrmDepartment
        fields = ("unit",)


class HeldRowFixForm(forms.Form):
    """A held row's cells: one input per column of its file, prefilled as in the file.

    ``columns`` are ``members.services.hrm_review.HeldColumn`` in file order;
    the fields are named by position, since headers may hold any text.
    """

    def __init__(self, *args, columns, original: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.headers: dict[str, str] = {}
        for index, column in enumerate(columns):
            name = f"column_{index}"
            self.fields[name] = forms.CharField(
                label=column.header,
                required=False,
                max_length=1000,
                initial=original.get(column.header, ""),
                help_text=column.label or _("not imported"),
            )
            self.headers[name] = column.header

    def row_values(self) -> dict[str, str]:
        """Return the cells as entered, keyed by the file's headers."""
        return {
            header: self.cleaned_data.get(name, "")
            for name, header in self.headers.items()
        }

    def add_row_errors(self, error: forms.ValidationError) -> None:
        """Show a service's errors, keyed by header, next to their inputs."""
        names = {header: name for name, header in self.headers.items()}
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for header, messages in error.message_dict.items():
            self.add_error(names.get(header), messages)


class HeldRowDismissForm(forms.Form):
    """Why held rows are dismissed, in a few words."""

    note = forms.CharField(
        label=_("Reason for dismissing"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_(
            "A few words for whoever reviews this import later, such as "
            '"left the company before the file was made".'
        ),
    )

    def clean_note(self) -> str:
        return nfc(self.cleaned_data["note"])
