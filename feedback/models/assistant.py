"""The assistant: the legal knowledge base, curated answers, questions and handovers."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.models import Member, Unit

__all__ = [
    "AssistantHandover",
    "AssistantQuestion",
    "AssistantSettings",
    "AssistantTopic",
    "CuratedAnswer",
    "LegalArticle",
    "LegalDocument",
]


class AssistantTopic(models.Model):
    """A subject members ask about, recognised by its keywords; staff switch it off.

    A question whose words match a topic switched off is handed to an officer
    whatever the base holds: a subject the base does not cover yet (union dues
    before the Trade Union Law is loaded) or one the union never answers by
    machine (divorce, land).
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    keywords = models.TextField(
        _("keywords"),
        help_text=_("One word or phrase a line; matched without diacritics or case."),
    )
    enabled = models.BooleanField(
        _("answered by the assistant"),
        default=True,
        help_text=_("Off: every question on this topic goes to an officer."),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("assistant topic")
        verbose_name_plural = _("assistant topics")
        ordering = ("order", "name")

    def __str__(self):
        return self.name


class LegalDocument(models.Model):
    """A legal text of the knowledge base: a code, a law, a decree, a circular."""

    class Kind(models.TextChoices):
        CODE = "code", pgettext_lazy("legal document", "Code")
        LAW = "law", _("Law")
        DECREE = "decree", _("Decree")
        CIRCULAR = "circular", _("Circular")
        OTHER = "other", _("Other")

    number = models.CharField(_("number"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=500)
    short_title = models.CharField(
        _("name in citations"),
        max_length=255,
        help_text=_("As a citation names it, for example Bộ luật Lao động 2019."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    effective_on = models.DateField(_("in force from"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
    )
    amends = models.ForeignKey(
        "self",
        verbose_name=_("amends"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="amended_by",
    )
    source = models.TextField(_("source"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("legal document")
        verbose_name_plural = _("legal documents")
        ordering = ("number",)

    def __str__(self):
        return f"{self.short_title} ({self.number})"

    @property
    def in_force(self) -> bool:
        return self.replaced_by_id is None


class LegalArticle(models.Model):
    """An article (Điều) of a legal document, with its clauses in its text."""

    document = models.ForeignKey(
        LegalDocument,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="articles",
    )
    # "35", "7a": kept as written.
    number = models.CharField(_("article number"), max_length=16)
    # "45/2019/QH14#Điều 35": the id the corpus files and evaluation use.
    key = models.CharField(_("key"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    chapter = models.CharField(_("chapter"), max_length=500, blank=True)
    section = models.CharField(_("section"), max_length=500, blank=True)
    text = models.TextField(_("text"))
    source_url = models.URLField(_("source address"), max_length=500, blank=True)
    # An article a later law rewrote: the answer quotes the amending clause too.
    amended_by = models.ForeignKey(
        "self",
        verbose_name=_("amended by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="amends",
    )
    amended_by_clause = models.PositiveSmallIntegerField(
        _("amending clause"), null=True, blank=True
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("legal article")
        verbose_name_plural = _("legal articles")
        ordering = ("document__number", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=("document", "number"), name="legal_article_unique_number"
            ),
        ]

    def __str__(self):
        return self.citation

    def get_absolute_url(self) -> str:
        return reverse("feedback:assistant_article", args=[self.pk])

    @property
    def citation(self) -> str:
        """The article as a citation names it: "Điều 35 Bộ luật Lao động 2019"."""
        return f"Điều {self.number} {self.document.short_title}"


class CuratedAnswer(models.Model):
    """An answer written by staff for a question members ask, served first."""

    topic = models.ForeignKey(
        AssistantTopic,
        verbose_name=_("topic"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="curated_answers",
    )
    question = models.CharField(_("question"), max_length=500)
    variants = models.TextField(
        _("other ways to ask"),
        blank=True,
        help_text=_("One wording a line, as members would type it."),
    )
    answer = models.TextField(_("answer"))
    articles = models.ManyToManyField(
        LegalArticle,
        verbose_name=_("articles it rests on"),
        related_name="curated_answers",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    review_on = models.DateField(
        _("review by"),
        help_text=_("After this date the answer is no longer served until reviewed."),
    )
    is_active = models.BooleanField(_("served"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("curated answer")
        verbose_name_plural = _("curated answers")
        ordering = ("question",)

    def __str__(self):
        return self.question

    @property
    def questions(self) -> list[str]:
        """The question and its variants, one wording each."""
        lines = [self.question, *self.variants.splitlines()]
        return [line.strip() for line in lines if line.strip()]


class AssistantSettings(models.Model):
    """The assistant's settings: one row, edited in the admin."""

    confidence_threshold = models.DecimalField(
        _("confidence threshold"),
        max_digits=3,
        decimal_places=2,
        default=0.25,
        help_text=_("Between 0 and 1: below it, the question goes to an officer."),
    )
    answer_days = models.PositiveSmallIntegerField(
        _("days for an officer to answer"), default=5
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("assistant settings")
        verbose_name_plural = _("assistant settings")

    def __str__(self):
        return str(_("Assistant settings"))


class AssistantQuestion(models.Model):
    """A member's question and what the assistant did with it."""

    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("Answered by the assistant")
        HANDED_OVER = "handed_over", _("Handed to an officer")

    class Reason(models.TextChoices):
        LOW_CONFIDENCE = "low_confidence", _("Not confident enough")
        TOPIC_OFF = "topic_off", _("Topic switched off")
        OUT_OF_SCOPE = "out_of_scope", _("Outside the knowledge base")
        PERSONAL_CASE = "personal_case", _("Needs a person: the member's own case")
        MEDICAL = "medical", _("Medical diagnosis")
        POLITICS = "politics", _("Politics")

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="assistant_questions",
    )
    # The member's grassroots unit when asked: whose officers answer.
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("grassroots unit"),
        on_delete=models.PROTECT,
        related_name="assistant_questions",
    )
    # The form's one-time code: a second submit of the same form is the same question.
    submit_token = models.UUIDField(_("submission code"), default=uuid.uuid4)
    text = models.TextField(_("question"))
    topic = models.ForeignKey(
        AssistantTopic,
        verbose_name=_("topic"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    reason = models.CharField(
        _("why handed over"), max_length=16, choices=Reason.choices, blank=True
    )
    confidence = models.FloatField(_("confidence"), default=0.0)
    curated = models.ForeignKey(
        CuratedAnswer,
        verbose_name=_("curated answer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="served",
    )
    # The passages the answer quotes: [{"article", "key", "citation", "clause",
    # "text", "in_force", "note"}]; the citations shown come from these only.
    passages = models.JSONField(_("passages quoted"), default=list, blank=True)
    # Every article retrieved, best first: [{"article", "key", "score"}].
    retrieved = models.JSONField(_("articles retrieved"), default=list, blank=True)
    helpful = models.BooleanField(_("helpful"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("answer time (ms)"), default=0)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)

    scope_path = "unit__path"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("question to the assistant")
        verbose_name_plural = _("questions to the assistant")
        ordering = ("-created_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=("member", "submit_token"), name="assistant_question_once"
            ),
        ]
        indexes = [
            models.Index(fields=("member", "-created_at"), name="assistant_q_member"),
        ]

    def __str__(self):
        return self.text[:80]


class AssistantHandover(models.Model):
    """The ticket of a question handed to the member's grassroots union."""

    question = models.OneToOneField(
        AssistantQuestion,
        verbose_name=_("question"),
        on_delete=models.CASCADE,
        related_name="handover",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("grassroots unit"),
        on_delete=models.PROTECT,
        related_name="assistant_handovers",
    )
    due_on = models.DateField(_("answer by"))
    answer = models.TextField(_("officer's answer"), blank=True)
    articles = models.ManyToManyField(
        LegalArticle,
        verbose_name=_("articles cited"),
        blank=True,
        related_name="handovers",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    promoted_to = models.ForeignKey(
        CuratedAnswer,
        verbose_name=_("promoted to curated answer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="promoted_from",
    )
    created_at = models.DateTimeField(_("handed over"), auto_now_add=True)

    scope_path = "unit__path"
    owner_path = "question__member__user"

    class Meta:
        verbose_name = _("question handed to an officer")
        verbose_name_plural = _("questions handed to officers")
        ordering = ("answered_at", "due_on", "pk")
        indexes = [
            models.Index(
                fields=("unit", "due_on"),
                condition=Q(answered_at__isnull=True),
                name="assistant_handover_waiting",
            ),
        ]

    def __str__(self):
        return str(self.question)

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
