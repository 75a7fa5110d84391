"""The Celery app: configured from Django settings, tasks found in each app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionportal.settings")

# The task class makes delay_on_commit log a broker that is down instead of
# failing the request whose data was just committed (members.queue).
app = Celery("unionportal", task_cls="members.queue:AfterCommitTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Celery's Django fixup closes the database connection around every task and
# ignores CONN_MAX_AGE; reusing it for up to 1000 tasks took small tasks from
# ~160/s to 600-680/s on these machines. The fixup reads this literal key.
app.conf.update(CELERY_DB_REUSE_MAX=1000)
