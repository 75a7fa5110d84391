"""A course's question bank: categories, questions and their answers.

The shape follows Moodle's, so that GIFT and Aiken files map onto it: a
question has a type and answers, each answer a text, a fraction of the
question's mark (0-100; negative, a penalty, for multiple choice only) and
feedback. Numerical answers add a value and a tolerance; matching answers
pair a sub-question (``text``) with its match (``match_text``), and an answer
with a match but no sub-question is a distractor.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learning.models.courses import Course
from learning.models.text import NFCCharField, NFCTextField


class QuestionCategory(models.Model):
    """A category of a course's question bank; quizzes may draw from it."""

    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="question_categories",
    )
    name = NFCCharField(_("name"), max_length=255)
    description = NFCTextField(_("description"), blank=True)

    scope_path = "course__owner_unit__path"

    class Meta:
        verbose_name = _("question category")
        verbose_name_plural = _("question categories")
        ordering = ["course", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "name"],
                name="questioncategory_course_name_unique",
                violation_error_message=_(
                    "The course already has a question category of this name."
                ),
            ),
        ]

    def __str__(self):
        return self.name


class Question(models.Model):
    """A question of the bank, of one of the types a quiz scores."""

    class Type(models.TextChoices):
        MULTICHOICE = "multichoice", _("Multiple choice")
        TRUEFALSE = "truefalse", _("True/false")
        SHORTANSWER = "shortanswer", _("Short answer")
        NUMERICAL = "numerical", _("Numerical")
        MATCHING = "matching", _("Matching")

    class TextFormat(models.TextChoices):
        MOODLE = "moodle", _("Moodle auto-format")
        HTML = "html", "HTML"
        PLAIN = "plain", _("Plain text")
        MARKDOWN = "markdown", "Markdown"

    category = models.ForeignKey(
        QuestionCategory,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    single = models.BooleanField(
        _("one right answer"),
        default=True,
        help_text=_(
            "For multiple choice: one answer is chosen; otherwise several are, "
            "and their fractions add up."
        ),
    )
    name = NFCCharField(_("name"), max_length=255, blank=True)
    text = NFCTextField(_("question text"))
    text_format = models.CharField(
        _("text format"),
        max_length=8,
        choices=TextFormat.choices,
        default=TextFormat.PLAIN,
    )
    general_feedback = NFCTextField(_("general feedback"), blank=True)
    general_feedback_format = models.CharField(
        _("general feedback format"),
        max_length=8,
        choices=TextFormat.choices,
        default=TextFormat.PLAIN,
    )
    mark = models.DecimalField(
        _("mark"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_path = "category__course__owner_unit__path"

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["category", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mark__gt=0),
                name="question_mark_positive",
                violation_error_message=_("A question's mark is above zero."),
            ),
        ]

    def __str__(self):
        return self.name or self.text[:80]


class Answer(models.Model):
    """An answer of a question: its text, its fraction of the mark, its feedback."""

    question = models.ForeignKey(
        Question,
        verbose_name=_("question"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = NFCTextField(
        _("answer"),
        blank=True,
        help_text=_(
            "For matching: the sub-question (empty for an extra match that "
            "answers none). For short answer, * stands for any text."
        ),
    )
    fraction = models.DecimalField(
        _("fraction of the mark (%)"),
        max_digits=8,
        decimal_places=5,
        default=Decimal("0"),
        validators=[
            MinValueValidator(Decimal("-100")),
            MaxValueValidator(Decimal("100")),
        ],
    )
    # Formats are kept so that an exported bank reads back as it came in.
    text_format = models.CharField(
        _("answer format"),
        max_length=8,
        choices=Question.TextFormat.choices,
        blank=True,
        help_text=_("For multiple choice and matching; empty for plain answers."),
    )
    feedback = NFCTextField(_("feedback"), blank=True)
    feedback_format = models.CharField(
        _("feedback format"),
        max_length=8,
        choices=Question.TextFormat.choices,
        default=Question.TextFormat.PLAIN,
    )
    value = models.DecimalField(
        _("number"),
        max_digits=20,
        decimal_places=8,
        null=True,
        blank=True,
        help_text=_("For numerical questions: the right number."),
    )
    tolerance = models.DecimalField(
        _("tolerance"),
        max_digits=20,
        decimal_places=8,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("For numerical questions: how far from the number still counts."),
    )
    match_text = NFCCharField(
        _("match"),
        max_length=255,
        blank=True,
        help_text=_("For matching: the answer the sub-question pairs with."),
    )

    scope_path = "question__category__course__owner_unit__path"

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["question", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fraction__gte=-100, fraction__lte=100),
                name="answer_fraction_range",
                violation_error_message=_(
                    "A fraction lies between -100% and 100% of the mark."
                ),
            ),
            models.CheckConstraint(
                condition=Q(tolerance__gte=0),
                name="answer_tolerance_not_negative",
                violation_error_message=_("A tolerance cannot be negative."),
            ),
        ]

    def __str__(self):
        if self.match_text:
            return f"{self.text} -> {self.match_text}"
        return self.text or str(self.value)

    def clean(self):
        super().clean()
        question = getattr(self, "question", None)
        if question is None:
            return
        if question.type == Question.Type.NUMERICAL:
            if self.value is None and self.text != "*":
                raise ValidationError(
                    {"value": _("A numerical answer needs its number (or * as text).")}
                )
        elif question.type == Question.Type.MATCHING:
            if not self.match_text:
                raise ValidationError(
                    {"match_text": _("A matching answer needs its match.")}
                )
        elif not self.text:
            raise ValidationError({"text": _("An answer needs its text.")})
        if self.fraction < 0 and question.type != Question.Type.MULTICHOICE:
            raise ValidationError(
                {"fraction": _("Only multiple choice takes a negative fraction.")}
            )
