"""A broker that is down when a request is saved: the request stands, e-mail waits.

The broker here is a real Redis server that the test starts on its own port,
stops and starts again, so the failure is the one production sees (a refused
connection), not a patched method.
"""

import shutil
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from celery import Celery
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from members.models import (
    ConsultationRequest,
    HrmProfile,
    ImportRun,
    Notification,
    NotificationDelivery,
)
from members.services import notifications
from tests.conftest import require_service
from tests.members.conftest import current_app, worker_running
from tests.members.factories import make_account, make_member, make_union_tree
from tests.members.test_care_consultations import care_officer
from tests.unionportal.test_celery import app_for_broker, queue_delete, redis_reachable

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning"),
]

REDIS_SERVER = "/usr/bin/redis-server"
Status = NotificationDelivery.Status


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own, on a free port, that can be stopped."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not redis_reachable(self.url):
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    require_service(
        shutil.which(REDIS_SERVER) is not None, f"{REDIS_SERVER} is not installed"
    )
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def broker_app(redis_server) -> Iterator[Celery]:
    """The portal's configuration, its broker and results on the test's own Redis."""
    app = app_for_broker(redis_server.url, redis_server.url)
    try:
        with current_app(app):
            yield app
    finally:
        app.close()


@pytest.fixture
def asking_member(settings):
    """A member whose two care officers have e-mail."""
    # Sending happens on the real clock: no quiet hours, whatever the time of the run.
    settings.NOTIFICATION_QUIET_START, settings.NOTIFICATION_QUIET_END = 24, 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tree = make_union_tree()
    care_officer(tree.vnpt_hn, "hn")
    care_officer(tree.vnpt_hn_group, "to")
    member = make_member(
        unit=tree.vnpt_hn_group, full_name="Phan Thị Thu", email="thu.phan@example.vn"
    )
    make_account(member)
    member.refresh_from_db()
    return member


def ask_for_consultation(member) -> int:
    """Post the consultation form as the member; return the status."""
    client = Client(raise_request_exception=False)
    client.force_login(member.user)
    # The form first, as a member would.
    assert client.get(reverse("members:consultation_add")).status_code == 200
    response = client.post(
        reverse("members:consultation_add"),
        {
            "topic": ConsultationRequest.Topic.HEALTH,
            "subject": "Tư vấn về bệnh dạ dày",
            "mode": ConsultationRequest.Mode.ONLINE,
            "preferred_times": "Tối thứ Ba",
        },
    )
    return response.status_code


def request_deliveries():
    return NotificationDelivery.objects.filter(
        notification__kind="consultation.requested"
    )


def test_a_request_saved_while_the_broker_is_down_is_answered_and_mailed_later(
    broker_app, redis_server, asking_member
):
    """Broker stopped: the member's request is saved and answered, quickly.

    Before, the task was published from the commit hook with Celery's default
    retries (about 1.7 s against a refused connection) and the error came out
    of the request as a 500, after the data was committed: members asked again.
    Now the failure is logged, the deliveries wait (held, due now) and the
    sweeper hands them to the broker once it is back.
    """
    redis_server.stop()

    status = ask_for_consultation(asking_member)

    assert status == 302, "the saved request must not answer with an error"
    assert ConsultationRequest.objects.filter(member=asking_member).count() == 1
    assert Notification.objects.filter(kind="consultation.requested").count() == 2
    assert Counter(request_deliveries().values_list("status", flat=True)) == {
        Status.HELD: 2
    }
    assert mail.outbox == []


def test_deliveries_the_broker_refused_go_out_at_the_first_sweep_after_it_is_back(
    broker_app, redis_server, asking_member
):
    require_service(
        connection.vendor == "postgresql",
        "a worker thread writes while the test reads: PostgreSQL only",
    )
    redis_server.stop()
    status = ask_for_consultation(asking_member)
    assert status == 302
    # A sweep while the broker is still down hands nothing over, loses nothing.
    assert notifications.deliveries_release() == 0
    assert set(request_deliveries().values_list("status", flat=True)) == {Status.HELD}

    redis_server.start()
    try:
        with worker_running(broker_app, "broker-back", pool="threads", concurrency=1):
            assert notifications.deliveries_release() == 2
            deadline = time.monotonic() + 15
            while request_deliveries().exclude(status=Status.SENT).exists():
                assert time.monotonic() < deadline, "not sent within 15 s"
                time.sleep(0.1)
        queue_delete(broker_app)
    finally:
        broker_app.close()

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        request_deliveries().values_list("notification__recipient__email", flat=True)
    )
    assert len(mail.outbox) == 2


def test_an_hrm_file_uploaded_while_the_broker_is_down_is_kept_and_answered(
    broker_app, redis_server, settings, tmp_path
):
    """Every task a request queues goes through the same door (delay_on_commit)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    tree = make_union_tree()
    HrmProfile.objects.create(employer=tree.vnpt, default_unit=tree.vnpt_hn)
    path = tmp_path / "nhansu.csv"
    path.write_text(
        "Mã NV,Họ và tên,Ngày sinh,Giới tính,Số CCCD,Email,Mã đơn vị\n"
        "NV9001,Phan Văn Dũng,02/01/1985,Nam,,,DV01\n",
        encoding="utf-8-sig",
    )
    client = Client(raise_request_exception=False)
    client.force_login(tree.upper_officer)
    redis_server.stop()

    with path.open("rb") as handle:
        response = client.post(
            reverse("admin:members_importrun_upload"),
            {"employer": tree.vnpt.pk, "file": handle},
        )

    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert (run.status, run.dry_run) == (ImportRun.Status.QUEUED, True)
    assert run.stored_file
