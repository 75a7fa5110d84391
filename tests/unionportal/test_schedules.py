"""Beat schedules: installed once from the app configs, admin edits kept until reset."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from unionportal.schedules import declared_schedules, schedules_install

pytestmark = pytest.mark.django_db

HEARTBEAT = "worker-heartbeat"


@pytest.fixture
def declared() -> int:
    names = [entry["name"] for entry in declared_schedules()]
    assert HEARTBEAT in names
    return len(names)


def heartbeat_task() -> PeriodicTask:
    return PeriodicTask.objects.select_related("interval").get(name=HEARTBEAT)


def admin_change(client, task: PeriodicTask, **changes) -> None:
    """Save the task's change form in the admin, as staff would."""
    form = {
        "name": task.name,
        "regtask": "",
        "task": task.task,
        "enabled": "on" if task.enabled else "",
        "description": task.description,
        "interval": task.interval_id,
        "crontab": "",
        "solar": "",
        "clocked": "",
        "start_time_0": "",
        "start_time_1": "",
        "one_off": "",
        "args": task.args,
        "kwargs": task.kwargs,
        "expires_0": "",
        "expires_1": "",
        "expire_seconds": "",
        "queue": "",
        "exchange": "",
        "routing_key": "",
        "priority": "",
        "headers": task.headers,
    }
    url = reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
    response = client.post(url, {**form, **changes})
    assert response.status_code == 302, response.context["adminform"].form.errors


def test_migrate_installs_the_declared_schedules(declared):
    assert schedules_install() == {"created": 0, "reset": 0, "kept": declared}
    task = heartbeat_task()
    assert task.task == "unionportal.tasks.worker_heartbeat"
    assert task.enabled is True


def test_install_creates_the_heartbeat_every_30_seconds_once(declared):
    PeriodicTask.objects.filter(name=HEARTBEAT).delete()

    first = schedules_install()
    second = schedules_install()

    assert first == {"created": 1, "reset": 0, "kept": declared - 1}
    assert second == {"created": 0, "reset": 0, "kept": declared}
    task = heartbeat_task()
    assert task.task == "unionportal.tasks.worker_heartbeat"
    assert (task.interval.every, task.interval.period) == (30, IntervalSchedule.SECONDS)
    assert task.crontab is None
    assert task.enabled is True
    assert PeriodicTask.objects.filter(name=HEARTBEAT).count() == 1


def test_interval_edited_in_admin_is_kept_by_rerun_and_restored_by_reset(
    client, superuser, declared
):
    client.force_login(superuser)
    five_minutes, _ = IntervalSchedule.objects.get_or_create(
        every=5, period=IntervalSchedule.MINUTES
    )
    admin_change(client, heartbeat_task(), interval=five_minutes.pk)
    assert heartbeat_task().interval == five_minutes

    kept = schedules_install()

    assert kept == {"created": 0, "reset": 0, "kept": declared}
    assert heartbeat_task().interval == five_minutes

    restored = schedules_install(reset=True)

    assert restored == {"created": 0, "reset": declared, "kept": 0}
    interval = heartbeat_task().interval
    assert (interval.every, interval.period) == (30, IntervalSchedule.SECONDS)


def test_schedule_disabled_in_admin_stays_off_until_reset(client, superuser, declared):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:django_celery_beat_periodictask_changelist"),
        {"action": "disable_tasks", "_selected_action": [heartbeat_task().pk]},
    )
    assert response.status_code == 302
    assert heartbeat_task().enabled is False

    schedules_install()

    assert heartbeat_task().enabled is False

    schedules_install(reset=True)

    assert heartbeat_task().enabled is True


def test_setup_schedules_command_prints_its_counts(declared):
    PeriodicTask.objects.filter(name=HEARTBEAT).delete()
    outputs = []
    for args in ([], [], ["--reset"]):
        out = StringIO()
        call_command("setup_schedules", *args, stdout=out)
        outputs.append(out.getvalue())

    assert outputs == [
        f"Schedules: 1 created, 0 reset, {declared - 1} kept.\n",
        f"Schedules: 0 created, 0 reset, {declared} kept.\n",
        f"Schedules: 0 created, {declared} reset, 0 kept.\n",
    ]
