"""The one way services and receivers reach the members app's Celery tasks.

``members.tasks`` imports the services its tasks call, so a service (or a
receiver) that imported ``members.tasks`` at module level would close an
import circle. Every place that queues a task gets it from ``task_get``, which
imports ``members.tasks`` when it is called, and queues it after the
transaction commits: ``delay_on_commit`` inside a transaction, or ``delay``
inside a ``transaction.on_commit`` callback. Tasks take ids, never instances.
"""

from celery import Task


def task_get(name: str) -> Task:
    """Return the task ``members.tasks.<name>``, importing members.tasks now.

    The task's Celery name is ``members.tasks.<name>``; beat schedules stored
    in the database refer to it, so a task is never renamed or moved.
    """
    from members import tasks  # imports the services: see the module docstring

    return getattr(tasks, name)
