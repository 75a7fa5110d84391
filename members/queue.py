"""The one way services, receivers and requests reach the members app's Celery tasks.

``members.tasks`` imports the services its tasks call, so a service (or a
receiver) that imported ``members.tasks`` at module level would close an
import circle. Every place that queues a task gets it from ``task_get``, which
imports ``members.tasks`` when it is called, and queues it after the
transaction commits: ``delay_on_commit`` inside a transaction, or ``enqueue``
inside a ``transaction.on_commit`` callback. Tasks take ids, never instances.

A task queued from a request runs after the request's transaction commits, so
an error from the broker can no longer undo anything: raised, it would only
answer a 500 for data that was saved, and people would submit again. So
``enqueue`` logs the failure and lets the caller leave its work waiting for a
sweeper (``on_failure``), and it fails fast: one quick retry, which lets a
pooled connection the broker dropped reconnect, then no more. Every task of
the portal's Celery app goes through here for ``delay_on_commit`` too
(``AfterCommitTask``, the app's task class).
"""

import logging
from collections.abc import Callable
from functools import partial

from celery import Task
from celery.contrib.django.task import DjangoTask
from django.db import transaction

logger = logging.getLogger(__name__)

# Celery's default retries a refused publish three times; the backoff and the
# reconnections took 1.7 s, and more against a broker that does not answer.
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
}


def enqueue(
    task: Task, *, on_failure: Callable[[], object] | None = None, **kwargs
) -> bool:
    """Hand ``task`` with ``kwargs`` to the broker now; return whether it took it.

    A broker that is down is logged, not raised; ``on_failure`` is then called
    so the caller can leave its rows to a sweeper. The result is not kept:
    nobody waits for a task queued this way, and keeping it would make the
    publisher subscribe to the result store too (with its own 20 retries of a
    second each while Redis is down).
    """
    try:
        task.apply_async(
            kwargs=kwargs,
            retry=True,
            retry_policy=PUBLISH_RETRY_POLICY,
            ignore_result=True,
        )
    except Exception as error:  # any broker or transport error
        logger.error("task %s not queued, the broker failed: %r", task.name, error)
        if on_failure is not None:
            try:
                on_failure()
            except Exception:
                logger.exception("task %s: its failure handler failed", task.name)
        return False
    return True


def enqueue_on_commit(
    task: Task, *, on_failure: Callable[[], object] | None = None, **kwargs
) -> None:
    """Queue ``task`` once the transaction commits (at once outside one)."""
    transaction.on_commit(partial(enqueue, task, on_failure=on_failure, **kwargs))


class AfterCommitTask(DjangoTask):
    """The portal's task class: ``delay_on_commit`` never fails the request."""

    def delay_on_commit(self, *args, **kwargs) -> None:
        if args:
            raise TypeError("Tasks take keyword arguments (ids), not positional ones.")
        enqueue_on_commit(self, **kwargs)


def task_get(name: str) -> Task:
    """Return the task ``members.tasks.<name>``, importing members.tasks now.

    The task's Celery name is ``members.tasks.<name>``; beat schedules stored
    in the database refer to it, so a task is never renamed or moved.
    """
    from members import tasks  # imports the services: see the module docstring

    return getattr(tasks, name)
