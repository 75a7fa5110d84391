"""The form members ask the assistant with."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.services.assistant import QUESTION_MAX


class AskForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        max_length=QUESTION_MAX,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": _(
                    "For example: how many days' notice must I give before "
                    "leaving my job?"
                ),
            }
        ),
    )
    # One code a form shown: submitting it twice asks once.
    submit_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class HelpfulForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=(("yes", _("Helpful")), ("no", _("Not helpful"))),
        coerce=lambda value: value == "yes",
    )
