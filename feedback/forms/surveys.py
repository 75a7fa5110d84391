"""Forms of surveys: the builder's rules in the admin, and the answering form."""

from django import forms
from django.utils.translation import gettext as _

from feedback.models.surveys import Survey, SurveyAction, SurveyQuestion
from feedback.services.surveys import GivenAnswer, survey_loosening_errors


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = (
            "title",
            "intro",
            "owner_unit",
            "audience_units",
            "opens_at",
            "closes_at",
            "status",
            "anonymous",
            "k_min",
            "k_text",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin splits each moment into a date and a time: name both.
        for name in ("opens_at", "closes_at"):
            field = self.fields.get(name)
            widgets = getattr(field.widget, "widgets", None) if field else None
            if widgets and len(widgets) == 2:
                label = str(field.label).capitalize()
                widgets[0].attrs["aria-label"] = _("%(field)s: date") % {"field": label}
                widgets[1].attrs["aria-label"] = _("%(field)s: time") % {"field": label}

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("A survey closes after it opens."))
        if "audience_units" in self.fields and not cleaned.get("audience_units"):
            self.add_error(
                "audience_units", _("Choose the units whose members answer.")
            )
        if self.instance.pk is not None:
            errors = survey_loosening_errors(
                survey=self.instance,
                anonymous=cleaned.get("anonymous", True),
                k_min=cleaned.get("k_min") or 0,
                k_text=cleaned.get("k_text") or 0,
            )
            for name, message in errors.items():
                self.add_error(name, message)
        return cleaned


def _condition_values(question: SurveyQuestion) -> set[str]:
    """The answers a branching condition on ``question`` may name (casefolded)."""
    kind = SurveyQuestion.Kind
    if question.kind in SurveyQuestion.CHOICE_KINDS:
        return {label.casefold() for label in question.choice_list}
    if question.kind == kind.YES_NO:
        return {"yes", "no", _("Yes").casefold(), _("No").casefold()}
    if question.kind == kind.SCALE:
        return {str(i) for i in range(1, 6)}
    return set()


class SurveyQuestionForm(forms.ModelForm):
    class Meta:
        model = SurveyQuestion
        fields = (
            "order",
            "text",
            "kind",
            "required",
            "choices",
            "show_if_question",
            "show_if_answer",
        )
        widgets = {"choices": forms.Textarea(attrs={"rows": 4})}

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        choices = [
            line.strip()
            for line in (cleaned.get("choices") or "").splitlines()
            if line.strip()
        ]
        if kind in SurveyQuestion.CHOICE_KINDS and len(choices) < 2:
            self.add_error("choices", _("Give at least two choices, one a line."))
        if kind and kind not in SurveyQuestion.CHOICE_KINDS and choices:
            self.add_error("choices", _("Only a choice question has choices."))
        if len(choices) != len({c.casefold() for c in choices}):
            self.add_error("choices", _("Each choice must differ from the others."))
        self._clean_locked(kind=kind, choices=choices)
        self._clean_branching(cleaned)
        return cleaned

    def _clean_locked(self, *, kind, choices) -> None:
        """Once answered, a question keeps its kind and its choices' places."""
        if self.instance.pk is None or not self.instance.answers.exists():
            return
        stored = SurveyQuestion.objects.get(pk=self.instance.pk)
        if kind != stored.kind:
            self.add_error("kind", _("This question has answers: its kind stays."))
        if len(choices) < len(stored.choice_list):
            self.add_error(
                "choices",
                _(
                    "This question has answers: choices may be reworded or added, "
                    "never removed."
                ),
            )

    def _clean_branching(self, cleaned) -> None:
        parent = cleaned.get("show_if_question")
        value = (cleaned.get("show_if_answer") or "").strip()
        if parent is None:
            if value:
                self.add_error(
                    "show_if_question", _("Choose the question this answer is to.")
                )
            return
        survey_id = self.instance.survey_id or getattr(self, "parent_survey_id", None)
        if parent.survey_id != survey_id or (
            self.instance.pk is not None and parent.pk == self.instance.pk
        ):
            self.add_error(
                "show_if_question", _("Choose an earlier question of this survey.")
            )
            return
        if parent.order >= (cleaned.get("order") or 0):
            self.add_error(
                "show_if_question", _("Choose an earlier question of this survey.")
            )
        if parent.is_text:
            self.add_error(
                "show_if_question",
                _("A question can follow a choice, yes/no or scale answer only."),
            )
        elif value.casefold() not in _condition_values(parent):
            self.add_error(
                "show_if_answer",
                _("Name one of the answers that question takes."),
            )


class SurveyActionForm(forms.ModelForm):
    class Meta:
        model = SurveyAction
        fields = ("survey", "themes", "you_said", "we_did")

    def clean(self):
        cleaned = super().clean()
        survey = cleaned.get("survey")
        themes = cleaned.get("themes") or []
        if survey is not None and any(
            theme.question.survey_id != survey.pk for theme in themes
        ):
            self.add_error("themes", _("Choose themes of this survey only."))
        return cleaned


# The answering form ---------------------------------------------------------------


def _field_for(question: SurveyQuestion) -> forms.Field:
    kind = SurveyQuestion.Kind
    common = {"label": question.text, "required": False}
    if question.kind == kind.SINGLE:
        return forms.TypedChoiceField(
            choices=list(enumerate(question.choice_list)),
            coerce=int,
            widget=forms.RadioSelect,
            **common,
        )
    if question.kind == kind.MULTIPLE:
        return forms.TypedMultipleChoiceField(
            choices=list(enumerate(question.choice_list)),
            coerce=int,
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if question.kind == kind.SCALE:
        return forms.TypedChoiceField(
            choices=[(i, str(i)) for i in range(1, 6)],
            coerce=int,
            widget=forms.RadioSelect,
            **common,
        )
    if question.kind == kind.YES_NO:
        return forms.TypedChoiceField(
            choices=[(1, _("Yes")), (0, _("No"))],
            coerce=int,
            widget=forms.RadioSelect,
            **common,
        )
    limit = 300 if question.kind == kind.SHORT_TEXT else 4000
    widget = (
        forms.TextInput()
        if question.kind == kind.SHORT_TEXT
        else forms.Textarea(attrs={"rows": 4})
    )
    return forms.CharField(max_length=limit, widget=widget, **common)


class SurveyAnswerForm(forms.Form):
    """One field a question (``q<id>``); the service checks required and branching."""

    def __init__(self, *args, questions: list[SurveyQuestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            field = _field_for(question)
            field.question = question
            self.fields[f"q{question.pk}"] = field

    def given(self) -> dict[int, GivenAnswer]:
        """The cleaned answers, as the service takes them."""
        given = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            if value in (None, "", []):
                continue
            if question.kind in SurveyQuestion.CHOICE_KINDS:
                choices = tuple(value) if isinstance(value, list) else (value,)
                given[question.pk] = GivenAnswer(
                    question_id=question.pk, choices=choices
                )
            elif question.kind in SurveyQuestion.NUMBER_KINDS:
                given[question.pk] = GivenAnswer(question_id=question.pk, number=value)
            else:
                given[question.pk] = GivenAnswer(question_id=question.pk, text=value)
        return given
