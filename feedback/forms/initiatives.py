"""Forms of initiatives: the member's submission, the staff's decision and scores."""

import re

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from feedback.models import Initiative, ReviewRound
from members.scope import scoped
from members.text import fold

CHECK_SALT = "feedback.initiative.checked"
# Digits grouped the Vietnamese way ("50.000.000"), or with spaces or commas.
_GROUPING = re.compile(r"[\s.,\u00a0]")


class MoneyField(forms.CharField):
    """A whole number of đồng, typed with or without thousands separators."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        digits = _GROUPING.sub("", value).removesuffix("đ").removesuffix("₫")
        if not digits.isascii() or not digits.isdigit() or len(digits) > 15:
            raise ValidationError(
                _("Type the amount in đồng, digits only (e.g. 50.000.000).")
            )
        return int(digits)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks their number, size and kind."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


def title_checked_token(title: str) -> str:
    """Return the token that says the similar initiatives of a title were shown."""
    return signing.dumps(fold(title), salt=CHECK_SALT)


class InitiativeForm(forms.Form):
    """What a member submits; shown again beside the similar initiatives."""

    title = forms.CharField(label=_("Name of the initiative"), max_length=255)
    problem = forms.CharField(
        label=_("The problem"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What goes wrong or costs too much today."),
    )
    solution = forms.CharField(
        label=_("The solution"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you propose, and how it works."),
    )
    applied_where = forms.CharField(
        label=_("Where it is or will be applied"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    expected_benefit_vnd = MoneyField(
        label=_("Expected money benefit (VND a year)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    other_benefits = forms.CharField(
        label=_("Other benefits"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Safety, quality, time saved, the environment..."),
    )
    coauthors = forms.CharField(
        label=_("Co-authors"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One a line: the full name of a member of your grassroots union, or "
            "the employee code or e-mail of a member of another unit."
        ),
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    checked = forms.CharField(required=False, widget=forms.HiddenInput)

    def coauthor_entries(self) -> list[str]:
        return [
            line.strip()
            for line in self.cleaned_data.get("coauthors", "").splitlines()
            if line.strip()
        ]

    def was_checked(self) -> bool:
        """Say whether the similar initiatives of this very title were shown."""
        try:
            folded = signing.loads(
                self.cleaned_data.get("checked", ""), salt=CHECK_SALT
            )
        except signing.BadSignature:
            return False
        return folded == fold(self.cleaned_data["title"])


class AttachmentsForm(forms.Form):
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_(
            "Up to 5 files of 10 MB: PDF, Word, Excel, PowerPoint, JPEG or PNG."
        ),
    )


class DecisionForm(forms.Form):
    """A staff decision on an initiative: the next step and what it needs."""

    to_status = forms.ChoiceField(label=_("Decision"))
    review_round = forms.ModelChoiceField(
        label=_("Review round"), queryset=ReviewRound.objects.none(), required=False
    )
    evaluated_benefit_vnd = MoneyField(
        label=_("Evaluated money benefit (VND a year)"), required=False
    )
    reason = forms.CharField(
        label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, initiative: Initiative, user, steps, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [(s.value, s.label) for s in steps]
        self.fields["review_round"].queryset = scoped(
            ReviewRound.objects.all(), user
        ).order_by("-opens_on")


class ScoresForm(forms.Form):
    """A reviewer's scores: one field a criterion of the initiative's round."""

    def __init__(self, *args, criteria, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.IntegerField(
                label=f"{criterion.name} (0-{criterion.max_score})",
                min_value=0,
                max_value=criterion.max_score,
                initial=current.get(criterion.pk),
            )

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"criterion_{c.pk}"] for c in self.criteria}
