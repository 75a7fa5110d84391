"""Celery tasks of member voice: thin, ids only, each calling one service."""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def survey_analysis_run(*, run_id: int) -> None:
    """Find the themes of a question's free-text answers."""
    from feedback.services.survey_themes import analysis_run

    analysis_run(run_id=run_id)


@shared_task(acks_late=True, ignore_result=True)
def survey_action_notify(*, action_id: int) -> int:
    """Notify the respondents of a survey of a published “you said, we did”."""
    from feedback.services.surveys import action_notify

    return action_notify(action_id=action_id)
