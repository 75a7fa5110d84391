"""Beat schedules that the installed apps declare, installed into the database.

An app declares ``celery_schedules`` on its AppConfig: a list of dicts with
``name``, ``task``, and either ``every`` (seconds) or ``crontab`` (a dict of
crontab fields, in Asia/Ho_Chi_Minh time), optionally ``kwargs`` and
``description``; ``celery_schedules`` may be a property computed at start-up.
django-celery-beat keeps them in the database, where staff may edit them in
the admin; installing again creates the missing ones and leaves edits alone.
"""

import json

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


def declared_schedules() -> list[dict]:
    """Return every schedule the installed apps declare."""
    return [
        entry
        for config in apps.get_app_configs()
        for entry in getattr(config, "celery_schedules", ())
    ]


@transaction.atomic
def schedules_install(*, reset: bool = False) -> dict[str, int]:
    """Create the declared periodic tasks; with ``reset``, restore their timing."""
    counts = {"created": 0, "reset": 0, "kept": 0}
    for entry in declared_schedules():
        timing = _timing(entry)
        task = PeriodicTask.objects.filter(name=entry["name"]).first()
        if task is None:
            PeriodicTask.objects.create(
                name=entry["name"],
                task=entry["task"],
                kwargs=json.dumps(entry.get("kwargs", {})),
                description=str(entry.get("description", "")),
                **timing,
            )
            counts["created"] += 1
        elif reset:
            task.task = entry["task"]
            task.kwargs = json.dumps(entry.get("kwargs", {}))
            task.interval = timing.get("interval")
            task.crontab = timing.get("crontab")
            task.enabled = True
            task.save()
            counts["reset"] += 1
        else:
            counts["kept"] += 1
    return counts


def _timing(entry: dict) -> dict:
    if "every" in entry:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=entry["every"], period=IntervalSchedule.SECONDS
        )
        return {"interval": interval}
    fields = {"minute": "*", "hour": "*", "day_of_week": "*"}
    fields |= {"day_of_month": "*", "month_of_year": "*"} | entry["crontab"]
    crontab, _ = CrontabSchedule.objects.get_or_create(
        timezone=settings.TIME_ZONE, **fields
    )
    return {"crontab": crontab}
