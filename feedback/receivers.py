"""Bump a survey's cached results when the survey or its questions change.

A survey's results are cached under the family ``survey_family(pk)``
(feedback.selectors.survey_results). A response bumps it in
``feedback.services.surveys`` (its count is written with an update, which
sends no signal); here every save or delete of the survey (title, k, k for
free text, anonymity) or of one of its questions (text, choices, order) does,
after commit, whoever wrote it (the builder in the admin, a service).
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from feedback.models.surveys import Survey, SurveyQuestion
from feedback.selectors.survey_results import survey_family
from members.cache import cache_bump_on_commit


@receiver(post_save, sender=Survey, dispatch_uid="results_survey_saved")
@receiver(post_delete, sender=Survey, dispatch_uid="results_survey_deleted")
def _survey_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        cache_bump_on_commit(survey_family(instance.pk))


@receiver(post_save, sender=SurveyQuestion, dispatch_uid="results_question_saved")
@receiver(post_delete, sender=SurveyQuestion, dispatch_uid="results_question_deleted")
def _question_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        cache_bump_on_commit(survey_family(instance.survey_id))
