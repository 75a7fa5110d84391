"""Forms of the member portal: activation, password, relatives."""

from django import forms
from django.contrib.auth.forms import SetPasswordMixin
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from members.models import Relative

# Phones' numeric keypads may lack "/", so 15062015 is read as 15/06/2015 too.
COMPACT_DATE_FORMAT = "%d%m%Y"


class ActivationRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("The e-mail address your union has on record for you."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ActivationPasswordForm(SetPasswordMixin, forms.Form):
    """Choose a password; the service applies the password validators."""

    password1, password2 = SetPasswordMixin.create_password_fields()

    def clean(self):
        self.validate_passwords()
        return super().clean()


class DayMonthYearInput(forms.TextInput):
    """A date typed as dd/mm/yyyy: shown that way whatever the phone's language."""

    input_type = "text"

    def __init__(self, attrs=None):
        defaults = {
            "placeholder": _("dd/mm/yyyy"),
            "inputmode": "numeric",
            "autocomplete": "off",
            "maxlength": "10",
        }
        super().__init__({**defaults, **(attrs or {})})

    def format_value(self, value):
        if hasattr(value, "strftime"):
            return value.strftime("%d/%m/%Y")
        return super().format_value(value)


class RelativeForm(forms.ModelForm):
    class Meta:
        model = Relative
        fields = ["full_name", "relationship", "date_of_birth", "phone", "note"]
        widgets = {
            "date_of_birth": DayMonthYearInput(),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].input_formats = [
            *formats.get_format("DATE_INPUT_FORMATS"),
            COMPACT_DATE_FORMAT,
        ]
        self.fields["date_of_birth"].help_text = _("For example 15/06/2015.")
