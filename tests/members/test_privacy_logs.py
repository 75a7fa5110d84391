"""Logs and error reports never carry a national ID or a phone number in clear.

The logs are read where the configured handlers write them (the console
handler's stream, the error e-mails), with SQL statements logged too, so
that every value the code handles reaches a log line.
"""

import io
import logging
import re
from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from members.logging import PersonalDataFilter, mask_text
from members.models import ImportRun, Notification, NotificationDelivery
from members.services import notifications
from members.services.hrm_import import import_run_create, import_run_execute
from tests.members.factories import make_account, make_member, make_union_tree

pytestmark = pytest.mark.django_db

HEADER = "Mã NV,Họ và tên,Ngày sinh,Giới tính,Số CCCD,Điện thoại,Email,Mã đơn vị\n"
# A good row, and rows held for a bad CCCD, a bad phone and a CCCD of the
# wrong birth year: the values a careless log line would print.
ROWS = (
    "NV7001,Phan Văn Dũng,02/01/1985,Nam,001085007001,0912 700 001,,DV01\n"
    "NV7002,Lý Thị Em,03/02/1990,Nữ,999190007002,0912 700 002,,DV01\n"
    "NV7003,Hà Văn Phúc,04/03/1991,Nam,001091007003,012345,,DV01\n"
    "NV7004,Tạ Thị Giang,05/04/1992,Nữ,001185007004,+84 912 700 004,,DV01\n"
)
FILE_SECRETS = [
    "001085007001",
    "999190007002",
    "001091007003",
    "001185007004",
    "0912700001",
    "0912 700 001",
    "0912 700 002",
    "+84 912 700 004",
    "0912700004",
]


@pytest.fixture
def tree(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_union_tree()


def fixture_secrets(tree) -> list[str]:
    values = []
    for member in tree.members:
        values += [member.national_id, member.phone]
    values += [tree.sibling.relative.phone, tree.cousin.relative.phone]
    return [value for value in values if value]


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def assert_clean(text: str, secrets: list[str]) -> None:
    compact = re.sub(r"[ .\-]", "", text)
    for secret in secrets:
        assert secret not in text, secret
        # Phones grouped differently than stored: compare the digits alone.
        assert digits(secret)[-9:] not in compact, secret


@pytest.fixture
def console_log():
    """The stream the configured console handler writes to, with SQL at DEBUG."""
    root = logging.getLogger()
    handler = next(
        handler
        for handler in root.handlers
        if any(isinstance(f, PersonalDataFilter) for f in handler.filters)
    )
    stream = io.StringIO()
    previous_stream = handler.setStream(stream)
    sql = logging.getLogger("django.db.backends")
    levels = root.level, sql.level
    root.setLevel(logging.DEBUG)
    sql.setLevel(logging.DEBUG)
    debug_cursor = connection.force_debug_cursor
    connection.force_debug_cursor = True
    try:
        yield stream
    finally:
        connection.force_debug_cursor = debug_cursor
        root.setLevel(levels[0])
        sql.setLevel(levels[1])
        handler.setStream(previous_stream)


def test_the_masks_cover_cccds_and_vietnamese_phones_in_any_grouping():
    text = (
        "CCCD 001085007001, SĐT 0912700001 / 0912 700 001 / +84 912-700-001 / "
        "84912700001; hoá đơn 12345, năm 2025-03-10 08:00:00,123, mã 1234567890123"
    )

    assert mask_text(text) == (
        "CCCD [CCCD], SĐT [SĐT] / [SĐT] / [SĐT] / "
        "[SĐT]; hoá đơn 12345, năm 2025-03-10 08:00:00,123, mã 1234567890123"
    )


@pytest.mark.parametrize(
    "text",
    ["GET /admin/ HTTP/1.1 200 5123", "took 12.5 ms at 2025-03", "mã 091270000"],
)
def test_a_text_without_ten_digits_in_a_run_is_returned_as_it_is(text):
    assert mask_text(text) is text


def test_a_phone_spaced_digit_by_digit_is_still_masked():
    assert mask_text("gọi 0 9 1 2 7 0 0 0 0 1 nhé") == "gọi [SĐT] nhé"


def test_an_import_with_invalid_rows_logs_no_cccd_or_phone(tree, console_log):
    from members.models import HrmProfile

    HrmProfile.objects.create(employer=tree.vnpt, default_unit=tree.vnpt_hn)
    content = (HEADER + ROWS).encode("utf-8-sig")
    logging.getLogger("members.services.hrm_import").warning(
        "row 2 refused: CCCD 999190007002, phone 0912 700 002"
    )

    run = import_run_create(
        employer=tree.vnpt,
        source=ImportRun.Source.COMMAND,
        file_name="nhansu.csv",
        content=content,
    )
    run = import_run_execute(run_id=run.pk)

    assert run.count_held >= 2
    assert run.count_new >= 1
    log = console_log.getvalue()
    assert "INSERT INTO" in log  # SQL was logged, values and all
    assert "[CCCD]" in log
    assert_clean(log, FILE_SECRETS + fixture_secrets(tree))


def test_a_notification_send_logs_no_cccd_or_phone(
    tree, console_log, monkeypatch, settings
):
    # Whatever the time of the run: no quiet hours.
    settings.NOTIFICATION_QUIET_START, settings.NOTIFICATION_QUIET_END = 24, 0
    member = make_member(
        unit=tree.vnpt_hn,
        full_name="Đặng Văn Hùng",
        email="hung@example.vn",
        phone="0988 123 456",
        date_of_birth=date(1990, 1, 1),
    )
    user = make_account(member)

    def refuse(self, notification, *, connection=None, **_channel):
        # A gateway echoing the number it could not reach, as SMS providers do.
        raise OSError(f"550 recipient {member.phone} ({member.national_id}) refused")

    monkeypatch.setattr("members.channels.EmailChannel.send", refuse)
    monkeypatch.setattr(notifications, "deliveries_queue", lambda **kwargs: 0)

    notifications.notify(
        recipient=user,
        kind="care.case_unvisited",
        dedupe_key="log-test:1",
        title="Gọi lại cho anh Hùng",
        body=f"Số của anh Hùng: {member.phone}, CCCD {member.national_id}.",
    )
    delivery = NotificationDelivery.objects.get(notification__dedupe_key="log-test:1")
    result = notifications.deliveries_send(delivery_ids=[delivery.pk], final=True)

    assert result["failed"] == [delivery.pk]
    log = console_log.getvalue()
    assert "delivery" in log
    assert "failed" in log
    assert "[SĐT]" in log
    assert_clean(log, [member.phone, member.national_id, *fixture_secrets(tree)])
    assert Notification.objects.get(dedupe_key="log-test:1").body.endswith(
        f"{member.national_id}."
    )


def test_an_error_report_masks_cccds_and_phones(
    tree, console_log, settings, monkeypatch
):
    settings.ADMINS = [("Quản trị", "quantri@example.vn")]
    member = make_member(
        unit=tree.vnpt_hn, full_name="Kiều Thị Lan", email="lan@example.vn"
    )
    user = make_account(member)
    secret_phone, secret_id = member.phone, member.national_id

    def broken(*, user):
        phone, national_id = secret_phone, secret_id  # locals in the traceback
        raise RuntimeError(f"no record for {national_id} / {phone}")

    monkeypatch.setattr("members.views.member_for_user", broken)
    client = Client(raise_request_exception=False)
    client.force_login(user)

    response = client.get(reverse("members:profile"), {"q": member.phone})

    assert response.status_code == 500
    (report,) = mail.outbox
    texts = [report.subject, report.body, console_log.getvalue()]
    texts += [content for content, _type in getattr(report, "alternatives", [])]
    assert "[CCCD]" in report.body
    assert "[SĐT]" in report.body
    for text in texts:
        assert_clean(text, [secret_phone, secret_id, *fixture_secrets(tree)])


def test_a_celery_workers_own_handlers_mask_too():
    from celery.signals import after_setup_logger

    logger = logging.getLogger("tests.celery-worker")
    stream = io.StringIO()
    logger.addHandler(logging.StreamHandler(stream))
    logger.propagate = False
    try:
        # What a worker sends once it has replaced the root handlers with its own.
        after_setup_logger.send(
            sender=None,
            logger=logger,
            loglevel=logging.INFO,
            logfile=None,
            format="",
            colorize=False,
        )
        logger.warning("task failed for CCCD %s", "001085007001")
    finally:
        logger.handlers.clear()

    assert stream.getvalue().strip() == "task failed for CCCD [CCCD]"
