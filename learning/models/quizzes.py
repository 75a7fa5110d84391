"""Quizzes, the questions they hold or draw, and members' attempts at them."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learning.models.courses import Lesson
from learning.models.questions import Question, QuestionCategory
from members.models import Member


class Quiz(models.Model):
    """The quiz of a quiz lesson: pass mark, attempts, time limit, shuffling."""

    lesson = models.OneToOneField(
        Lesson,
        verbose_name=_("lesson"),
        on_delete=models.CASCADE,
        related_name="quiz",
        limit_choices_to={"kind": Lesson.Kind.QUIZ},
    )
    pass_mark = models.DecimalField(
        _("pass mark (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=0, help_text=_("0: no limit.")
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: no limit. Answers sent after the limit do not count."),
    )
    shuffle_questions = models.BooleanField(_("shuffle the questions"), default=True)
    shuffle_answers = models.BooleanField(_("shuffle the answers"), default=True)

    scope_path = "lesson__module__course__owner_unit__path"

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        ordering = ["lesson"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_mark__gte=0, pass_mark__lte=100),
                name="quiz_pass_mark_range",
                violation_error_message=_("A pass mark lies between 0% and 100%."),
            ),
        ]

    def __str__(self):
        return str(self.lesson)

    def clean(self):
        super().clean()
        lesson = getattr(self, "lesson", None)
        if lesson is not None and lesson.kind != Lesson.Kind.QUIZ:
            raise ValidationError({"lesson": _("A quiz belongs to a quiz lesson.")})


class QuizSlot(models.Model):
    """A place in a quiz: one fixed question, or N drawn at random from a category."""

    quiz = models.ForeignKey(
        Quiz, verbose_name=_("quiz"), on_delete=models.CASCADE, related_name="slots"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    question = models.ForeignKey(
        Question,
        verbose_name=_("question"),
        # A question in use stays, unless its whole course goes with it.
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
    )
    category = models.ForeignKey(
        QuestionCategory,
        verbose_name=_("random from category"),
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
    )
    draw_count = models.PositiveSmallIntegerField(
        _("questions drawn"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("For a category: how many of its questions each attempt draws."),
    )

    scope_path = "quiz__lesson__module__course__owner_unit__path"

    class Meta:
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        ordering = ["quiz", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(question__isnull=False, category__isnull=True)
                    | Q(question__isnull=True, category__isnull=False)
                ),
                name="quizslot_question_or_category",
                violation_error_message=_(
                    "Choose either a question or a category to draw from."
                ),
            ),
            models.CheckConstraint(
                condition=Q(draw_count__gte=1),
                name="quizslot_draws_one_or_more",
                violation_error_message=_("A slot draws at least one question."),
            ),
        ]

    def __str__(self):
        if self.question_id:
            return str(self.question)
        return f"{self.category} x {self.draw_count}"

    def clean(self):
        super().clean()
        quiz = getattr(self, "quiz", None)
        if quiz is None:
            return
        course_id = quiz.lesson.module.course_id
        category = self.question.category if self.question_id else self.category
        if category is not None and category.course_id != course_id:
            raise ValidationError(
                _("The question must come from this course's question bank.")
            )


class Attempt(models.Model):
    """A member's attempt at a quiz: the questions drawn, the answers, the score.

    ``layout`` holds what was drawn for this attempt, in the order shown:
    ``[{"question": id, "mark": "1.00", "answers": [ids], "choices": [ids]}]``
    (``choices``: the matches of a matching question, shuffled). The score
    is computed on the server from ``responses`` and the layout.
    """

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
    )
    quiz = models.ForeignKey(
        Quiz,
        verbose_name=_("quiz"),
        on_delete=models.PROTECT,
        related_name="attempts",
    )
    number = models.PositiveSmallIntegerField(_("attempt number"))
    started_at = models.DateTimeField(_("started"))
    deadline = models.DateTimeField(_("time limit ends"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    layout = models.JSONField(_("questions drawn"), default=list)
    responses = models.JSONField(_("answers given"), default=dict, blank=True)
    responses_saved_at = models.DateTimeField(_("answers saved"), null=True, blank=True)
    score = models.DecimalField(
        _("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    late = models.BooleanField(
        _("submitted after the time limit"),
        default=False,
        help_text=_("Only the answers saved within the time limit were scored."),
    )

    scope_path = "member__unit__path"
    # The member reaches their own in the portal (members.scope, portal=True).
    owner_path = "member__user"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "quiz", "number"],
                name="attempt_member_quiz_number_unique",
                violation_error_message=_("This attempt number is taken."),
            ),
            models.UniqueConstraint(
                fields=["member", "quiz"],
                condition=Q(submitted_at__isnull=True),
                name="attempt_one_open_per_member_quiz",
                violation_error_message=_("An attempt at this quiz is in progress."),
            ),
        ]

    def __str__(self):
        return f"{self.member} - {self.quiz} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None
