"""The audit table in PostgreSQL: never truncated, and not owned by the portal's role.

Roles are cluster-wide, so each test names its own (with a random suffix) and
removes it: created inside the test's transaction, a role goes with the
rollback; a role that must log in from another process is dropped in a
``finally``.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core import checks
from django.db import DatabaseError, connection, transaction

from members.models import AuditEvent
from members.services.audit import audit_record
from tests.conftest import require_service
from tests.unionportal.test_settings import production_env, run_django

AUDIT_TABLE = AuditEvent._meta.db_table
OWNER_WARNING = "members.W001"
PRIVILEGE_WARNING = "members.W002"


@pytest.fixture(autouse=True)
def _postgresql():
    require_service(
        connection.vendor == "postgresql",
        "table owners, roles and TRUNCATE triggers are PostgreSQL's",
    )


def audit_warnings() -> list[checks.CheckMessage]:
    """Run the deployment checks (as ``check --deploy`` does); keep the audit's."""
    return [
        message
        for message in checks.run_checks(include_deployment_checks=True)
        if message.id in {OWNER_WARNING, PRIVILEGE_WARNING}
    ]


def role_name() -> str:
    return f"up_test_app_{uuid.uuid4().hex[:10]}"


def grant_app_privileges(cursor, role: str) -> None:
    """The grants docs/deploy.md gives the portal's role, in the test database."""
    name = connection.ops.quote_name(role)
    table = connection.ops.quote_name(AUDIT_TABLE)
    cursor.execute(f"GRANT USAGE ON SCHEMA public TO {name}")
    cursor.execute(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}"
    )
    cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}")
    cursor.execute(f"REVOKE UPDATE, DELETE ON {table} FROM {name}")


@contextmanager
def acting_as(role: str) -> Iterator[None]:
    """Run the block's queries as ``role`` on the test's own connection."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {connection.ops.quote_name(role)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


@pytest.mark.django_db
def test_truncating_the_audit_trail_is_refused():
    audit_record(actor=None, action=AuditEvent.Action.EXPORT, detail={"n": 1})
    with connection.cursor() as cursor:
        # Checked now, as at a commit: TRUNCATE refuses rows with checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    with (
        pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"TRUNCATE {connection.ops.quote_name(AUDIT_TABLE)}")

    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_check_deploy_warns_when_the_portals_role_owns_the_audit_table():
    """The test database's role created the tables (and is a superuser)."""
    (warning,) = [m for m in audit_warnings() if m.id == OWNER_WARNING]

    assert warning.level == checks.WARNING
    assert AUDIT_TABLE in warning.msg
    assert "docs/deploy.md" in warning.hint


@pytest.mark.django_db
def test_check_deploy_is_silent_for_a_role_with_select_and_insert_only():
    role = role_name()
    with connection.cursor() as cursor:
        # Inside the test's transaction: the rollback removes the role.
        cursor.execute(f"CREATE ROLE {connection.ops.quote_name(role)} NOLOGIN")
        grant_app_privileges(cursor, role)

    with acting_as(role):
        warnings = audit_warnings()
        # The portal still writes its audit trail as that role.
        event = audit_record(actor=None, action=AuditEvent.Action.EXPORT)

    assert warnings == []
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_check_deploy_warns_of_a_role_that_may_delete_audit_rows():
    role = role_name()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {connection.ops.quote_name(role)} NOLOGIN")
        grant_app_privileges(cursor, role)
        cursor.execute(
            f"GRANT DELETE, TRUNCATE ON {connection.ops.quote_name(AUDIT_TABLE)}"
            f" TO {connection.ops.quote_name(role)}"
        )

    with acting_as(role):
        warnings = audit_warnings()

    (warning,) = warnings
    assert warning.id == PRIVILEGE_WARNING
    assert "DELETE" in warning.msg
    assert "TRUNCATE" in warning.msg


@pytest.mark.django_db(transaction=True)
def test_documented_production_environment_passes_check_deploy_as_the_app_role(
    tmp_path,
):
    """``check --deploy --fail-level WARNING`` against the real test database.

    As the role that owns the tables it fails on the audit warning; as a
    login role with the grants of docs/deploy.md it finds no issues.
    """
    role = role_name()
    name = connection.ops.quote_name(role)
    settings_dict = connection.settings_dict
    host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
    database = settings_dict["NAME"]
    owner_url = f"postgres://{settings_dict['USER']}@{host}:{port}/{database}"
    if settings_dict["PASSWORD"]:
        owner_url = (
            f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD']}"
            f"@{host}:{port}/{database}"
        )
    password = uuid.uuid4().hex
    app_url = f"postgres://{role}:{password}@{host}:{port}/{database}"
    command = ("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} LOGIN PASSWORD %s", [password])
    try:
        with connection.cursor() as cursor:
            grant_app_privileges(cursor, role)

        as_owner = run_django(
            "", production_env(tmp_path) | {"DATABASE_URL": owner_url}, *command
        )
        as_app = run_django(
            "", production_env(tmp_path) | {"DATABASE_URL": app_url}, *command
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {name}")
            cursor.execute(f"DROP ROLE {name}")

    assert as_owner.returncode != 0
    assert OWNER_WARNING in as_owner.stdout + as_owner.stderr
    assert as_app.returncode == 0, as_app.stdout + as_app.stderr
    assert "no issues" in as_app.stdout
