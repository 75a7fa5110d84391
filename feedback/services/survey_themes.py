"""Writes of survey themes: the analysis of free text, and staff's edits of themes.

The analysis runs in a Celery task (ids only) and records its progress; the
themes it finds replace the question's unconfirmed ones in one transaction.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.models.surveys import (
    SurveyAnalysisRun,
    SurveyAnswer,
    SurveyQuestion,
    SurveyTheme,
)
from feedback.services.surveys import survey_staff_audit
from members.queue import enqueue_on_commit
from members.scope import require_unit_in_scope
from members.text import nfc

__all__ = [
    "analysis_run",
    "analysis_start",
    "theme_confirm",
    "theme_merge",
    "theme_rename",
]

logger = logging.getLogger(__name__)


@transaction.atomic
def analysis_start(*, question: SurveyQuestion, user) -> SurveyAnalysisRun:
    """Queue the theme analysis of a free-text question's answers."""
    require_unit_in_scope(user, question.survey.owner_unit)
    if not question.is_text:
        raise ValidationError(_("Only free-text questions are analysed into themes."))
    if question.themes.filter(confirmed=True).exists():
        raise ValidationError(
            _(
                "Staff confirmed some themes of this question: unconfirm them to "
                "analyse it again."
            )
        )
    total = question.answers.exclude(text="").count()
    if total < question.survey.k_text:
        raise ValidationError(
            _("Too few answers to find themes: at least %(k)s are needed.")
            % {"k": question.survey.k_text}
        )
    try:
        with transaction.atomic():
            run = SurveyAnalysisRun.objects.create(
                question=question, total=total, started_by=user
            )
    except IntegrityError as error:
        raise ValidationError(
            _("An analysis of this question is already under way.")
        ) from error
    survey_staff_audit(user=user, name="survey_analysis_start", obj=question.survey)
    from feedback.tasks import survey_analysis_run

    enqueue_on_commit(survey_analysis_run, run_id=run.pk)
    return run


def analysis_run(*, run_id: int) -> SurveyAnalysisRun:
    """Find the themes of a question's free text; record progress as it goes.

    Progress is written outside the final transaction, so the page shows it;
    the themes replace the question's earlier ones in one transaction at the end.
    """
    from feedback.survey_themes import themes_find

    claimed = SurveyAnalysisRun.objects.filter(
        pk=run_id, status=SurveyAnalysisRun.Status.QUEUED
    ).update(status=SurveyAnalysisRun.Status.RUNNING)
    run = SurveyAnalysisRun.objects.select_related("question").get(pk=run_id)
    if not claimed:
        return run
    question = run.question
    rows = list(
        question.answers.exclude(text="").order_by("pk").values_list("pk", "text")
    )

    def progress(done: int) -> None:
        SurveyAnalysisRun.objects.filter(pk=run_id).update(done=done, total=len(rows))

    try:
        found = themes_find([text for _pk, text in rows], progress=progress)
        with transaction.atomic():
            _themes_replace(question=question, rows=rows, found=found)
            run.status = SurveyAnalysisRun.Status.DONE
            run.done = run.total = len(rows)
            run.finished_at = timezone.now()
            run.message = ""
            run.save(
                update_fields=["status", "done", "total", "finished_at", "message"]
            )
    except Exception:
        logger.exception("survey analysis %s failed", run_id)
        SurveyAnalysisRun.objects.filter(pk=run_id).update(
            status=SurveyAnalysisRun.Status.FAILED,
            finished_at=timezone.now(),
            message=_("The analysis failed; start it again."),
        )
        raise
    return run


def _themes_replace(*, question: SurveyQuestion, rows, found) -> None:
    question.answers.update(theme=None)
    question.themes.filter(confirmed=False).delete()
    themes = SurveyTheme.objects.bulk_create(
        [
            SurveyTheme(
                question=question,
                label=theme.label,
                keywords=theme.keywords,
                answer_count=len(theme.members),
            )
            for theme in found.themes
        ]
    )
    for theme, made in zip(found.themes, themes, strict=True):
        ids = [rows[index][0] for index in theme.members]
        for start in range(0, len(ids), 5000):
            SurveyAnswer.objects.filter(pk__in=ids[start : start + 5000]).update(
                theme=made
            )


@transaction.atomic
def theme_rename(*, theme: SurveyTheme, label: str, actor) -> SurveyTheme:
    """Give a theme the name staff chose."""
    require_unit_in_scope(actor, theme.question.survey.owner_unit)
    label = nfc(label).strip()
    if not label:
        raise ValidationError(_("Give the theme a name."))
    old, theme.label = theme.label, label[:200]
    theme.save(update_fields=["label"])
    survey_staff_audit(
        user=actor, name="survey_theme_rename", obj=theme, old=old, new=label
    )
    return theme


@transaction.atomic
def theme_confirm(*, theme: SurveyTheme, actor, confirmed: bool = True) -> SurveyTheme:
    """Mark a theme as checked by staff (or not): a new analysis keeps it."""
    require_unit_in_scope(actor, theme.question.survey.owner_unit)
    theme.confirmed = confirmed
    theme.save(update_fields=["confirmed"])
    survey_staff_audit(
        user=actor, name="survey_theme_confirm", obj=theme, confirmed=confirmed
    )
    return theme


@transaction.atomic
def theme_merge(*, themes: list[SurveyTheme], actor) -> SurveyTheme:
    """Merge themes of one question into the largest: answers, keywords, actions."""
    if len(themes) < 2:
        raise ValidationError(_("Choose at least two themes to merge."))
    if len({theme.question_id for theme in themes}) != 1:
        raise ValidationError(_("Only themes of the same question can be merged."))
    for theme in themes:
        require_unit_in_scope(actor, theme.question.survey.owner_unit)
    themes = sorted(themes, key=lambda t: (-t.answer_count, t.pk))
    target, others = themes[0], themes[1:]
    other_ids = [theme.pk for theme in others]
    SurveyAnswer.objects.filter(theme_id__in=other_ids).update(theme=target)
    keywords = list(target.keywords)
    for theme in others:
        keywords += [word for word in theme.keywords if word not in keywords]
        for action in theme.actions.all():
            action.themes.add(target)
    target.keywords = keywords[:12]
    target.answer_count = target.answers.count()
    target.confirmed = target.confirmed or any(t.confirmed for t in others)
    target.save(update_fields=["keywords", "answer_count", "confirmed"])
    SurveyTheme.objects.filter(pk__in=other_ids).delete()
    survey_staff_audit(
        user=actor,
        name="survey_theme_merge",
        obj=target,
        merged=[theme.label for theme in others],
    )
    return target
