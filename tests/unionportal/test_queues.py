"""Celery's queues: every task of the project is routed to one of four, by name.

A big HRM import or a long analysis must never delay a reminder: reminders
run in their own queue, which production gives workers of its own
(docs/deploy.md). A new task must be placed in settings.QUEUE_TASKS.
"""

from django.conf import settings

from unionportal.celery import app

PROJECT_APPS = ("members.", "learning.", "inspections.", "feedback.", "unionportal.")


def _project_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if name.startswith(PROJECT_APPS)}


def test_every_task_of_the_project_is_routed_to_a_declared_queue():
    declared = {queue.name for queue in app.conf.task_queues}
    assert declared == {"default", "reminders", "imports", "analysis"}
    routed = {task for tasks in settings.QUEUE_TASKS.values() for task in tasks}
    tasks = _project_tasks()
    assert tasks, "no task of the project was found"
    assert tasks - routed == set(), "place these tasks in settings.QUEUE_TASKS"
    assert routed - tasks == set(), "these routes name no task"
    for task in tasks:
        queue = app.amqp.router.route({}, task)["queue"].name
        assert queue in declared, task


def test_reminders_and_imports_never_share_a_queue():
    def queue(task):
        return app.amqp.router.route({}, task)["queue"].name

    assert queue("members.tasks.reminder_due") == "reminders"
    assert queue("members.tasks.deliveries_send") == "reminders"
    assert queue("members.tasks.import_run_execute") == "imports"
    assert queue("learning.tasks.video_rendition_make") == "analysis"
    # A task nobody placed would land in the default queue, never in reminders.
    assert queue("members.tasks.not_a_task") == "default"
