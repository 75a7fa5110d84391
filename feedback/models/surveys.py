"""Surveys: the builder's survey and questions, and answers kept unlinkable.

A member's taking part (``SurveyParticipation``: who, which survey) is stored
apart from what they answered (``SurveyResponse`` and its ``SurveyAnswer``
rows). A response holds no member, no IP address, no user agent and no time
finer than the day; its key and its answers' keys are random UUIDs, and no
model here orders by anything that follows the order of writing, so neither
ids nor times join a response to its participation. Only a named survey links
the two, through ``SurveyParticipation.response``.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member, Unit

__all__ = [
    "Survey",
    "SurveyAction",
    "SurveyAnalysisRun",
    "SurveyAnswer",
    "SurveyParticipation",
    "SurveyQuestion",
    "SurveyResponse",
    "SurveyTheme",
]

# The smallest group sizes a survey may set: below these a group's answers
# are too easy to tie to a person.
K_MIN_FLOOR = 3
K_TEXT_FLOOR = 5


class Survey(models.Model):
    """A survey of the members of some units, built and published by staff."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    owner_unit = models.ForeignKey(
        Unit,
        verbose_name=_("owner unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The union unit that runs the survey and sees its results."),
    )
    audience_units = models.ManyToManyField(
        Unit,
        verbose_name=_("audience units"),
        related_name="+",
        help_text=_("Their members, and the members of the units under them, answer."),
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    anonymous = models.BooleanField(
        _("anonymous"),
        default=True,
        help_text=_(
            "Answers cannot be tied to the member who gave them. Once a response "
            "exists, an anonymous survey stays anonymous."
        ),
    )
    k_min = models.PositiveSmallIntegerField(
        _("minimum group size"),
        default=5,
        validators=[MinValueValidator(K_MIN_FLOOR), MaxValueValidator(1000)],
        help_text=_("Results of a group with fewer responses are not shown."),
    )
    k_text = models.PositiveSmallIntegerField(
        _("minimum group size for free text"),
        default=10,
        validators=[MinValueValidator(K_TEXT_FLOOR), MaxValueValidator(1000)],
        help_text=_("Free-text answers of a group with fewer are not shown."),
    )
    # Bumped in the transaction of each response: the key of cached results.
    response_count = models.PositiveIntegerField(_("responses"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    scope_path = "owner_unit__path"

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ("-opens_at", "title")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="survey_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(k_min__gte=K_MIN_FLOOR)
                & models.Q(k_text__gte=K_TEXT_FLOOR),
                name="survey_k_at_least_floor",
            ),
        ]
        indexes = [models.Index(fields=["status", "closes_at"])]

    def __str__(self):
        return self.title

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.opens_at <= now < self.closes_at
        )


class SurveyQuestion(models.Model):
    """One question of a survey, in its order, perhaps shown only after an answer."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        SCALE = "scale", _("Scale 1 to 5")
        YES_NO = "yes_no", _("Yes or no")
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")

    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)
    TEXT_KINDS = (Kind.SHORT_TEXT, Kind.LONG_TEXT)
    NUMBER_KINDS = (Kind.SCALE, Kind.YES_NO)

    survey = models.ForeignKey(
        Survey,
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=500)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    required = models.BooleanField(_("required"), default=False)
    choices = models.TextField(
        _("choices"),
        blank=True,
        help_text=_("For a choice question: one choice a line."),
    )
    show_if_question = models.ForeignKey(
        "self",
        verbose_name=_("show only if question"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("An earlier question of this survey."),
    )
    show_if_answer = models.CharField(
        _("has the answer"),
        max_length=200,
        blank=True,
        help_text=_("A choice's text, “yes” or “no”, or a number from 1 to 5."),
    )

    scope_path = "survey__owner_unit__path"

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ("survey", "order", "pk")

    def __str__(self):
        return self.text

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    @property
    def is_text(self) -> bool:
        return self.kind in self.TEXT_KINDS


class SurveyParticipation(models.Model):
    """That a member took part in a survey: no time, and no answer unless named."""

    survey = models.ForeignKey(
        Survey,
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        related_name="participations",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="survey_participations",
    )
    # Set only for a named survey; never for an anonymous one.
    response = models.OneToOneField(
        "SurveyResponse",
        verbose_name=_("response"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    scope_path = "member__unit__path"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("survey participation")
        verbose_name_plural = _("survey participations")
        constraints = [
            models.UniqueConstraint(
                fields=("survey", "member"), name="survey_one_participation_a_member"
            )
        ]

    def __str__(self):
        return f"{self.member} — {self.survey}"


class SurveyResponse(models.Model):
    """One member's answers to a survey, with nothing that says whose.

    No member, IP address or user agent; a random key; the day only. ``unit``
    is the respondent's union unit, for breakdowns shown at k or more.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(
        Survey,
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        related_name="responses",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("union unit"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_on = models.DateField(_("submitted on"))

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        # Deliberately no default ordering: nothing may follow the order of writing.
        indexes = [models.Index(fields=["survey", "unit"])]

    def __str__(self):
        return str(self.survey)


class SurveyTheme(models.Model):
    """A theme found in the free-text answers of a question, as staff keep it."""

    question = models.ForeignKey(
        SurveyQuestion,
        verbose_name=_("question"),
        on_delete=models.CASCADE,
        related_name="themes",
    )
    label = models.CharField(_("theme"), max_length=200)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    confirmed = models.BooleanField(_("confirmed"), default=False)
    answer_count = models.PositiveIntegerField(_("answers"), default=0)

    scope_path = "question__survey__owner_unit__path"

    class Meta:
        verbose_name = _("survey theme")
        verbose_name_plural = _("survey themes")
        ordering = ("question", "-answer_count", "pk")

    def __str__(self):
        return self.label


class SurveyAnswer(models.Model):
    """One answer of a response: a choice, a number, or a text."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(
        SurveyResponse,
        verbose_name=_("response"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    question = models.ForeignKey(
        SurveyQuestion,
        verbose_name=_("question"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    # The choice's index (0, 1, ...); for a multiple choice one row a choice.
    choice = models.PositiveSmallIntegerField(_("choice"), null=True, blank=True)
    # 1..5 for a scale; 1 (yes) or 0 (no).
    number = models.PositiveSmallIntegerField(_("number"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    theme = models.ForeignKey(
        SurveyTheme,
        verbose_name=_("theme"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answers",
    )

    scope_path = "response__unit__path"

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        indexes = [models.Index(fields=["question", "theme"])]

    def __str__(self):
        return str(self.question)


class SurveyAnalysisRun(models.Model):
    """One run of the theme analysis of a question's free text, with its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    question = models.ForeignKey(
        SurveyQuestion,
        verbose_name=_("question"),
        on_delete=models.CASCADE,
        related_name="analysis_runs",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("answers"), default=0)
    done = models.PositiveIntegerField(_("analysed"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_path = "question__survey__owner_unit__path"

    class Meta:
        verbose_name = _("theme analysis")
        verbose_name_plural = _("theme analyses")
        ordering = ("-created_at",)
        constraints = [
            # One analysis of a question at a time.
            models.UniqueConstraint(
                fields=("question",),
                condition=models.Q(status__in=("queued", "running")),
                name="survey_one_analysis_running_a_question",
            )
        ]

    def __str__(self):
        return str(self.question)

    @property
    def percent(self) -> int:
        return round(self.done * 100 / self.total) if self.total else 0


class SurveyAction(models.Model):
    """What the union did about what members said: “you said, we did”."""

    survey = models.ForeignKey(
        Survey,
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    themes = models.ManyToManyField(
        SurveyTheme, verbose_name=_("themes"), blank=True, related_name="actions"
    )
    you_said = models.TextField(_("you said"))
    we_did = models.TextField(_("we did"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    scope_path = "survey__owner_unit__path"

    class Meta:
        verbose_name = _("“you said, we did” action")
        verbose_name_plural = _("“you said, we did” actions")
        ordering = ("-published_at", "pk")

    def __str__(self):
        return self.we_did[:80]
