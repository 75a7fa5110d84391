"""Checks of the members app: who may destroy the audit trail; the Web Push keys.

The audit table's triggers refuse UPDATE, DELETE and TRUNCATE, but its owner
(and a superuser, and the owner of its schema) can drop the table or disable
the triggers. ``check --deploy`` warns when the portal's own database role is
one of them, or holds privileges on the table beyond SELECT and INSERT; the
roles to use instead are in docs/deploy.md.
"""

from django.core import checks
from django.db import DatabaseError, connections, router

from members.channels import webpush_settings_problem
from members.models import AuditEvent

OWNER_WARNING = "members.W001"
PRIVILEGE_WARNING = "members.W002"
WEBPUSH_ERROR = "members.E001"
# What the portal never needs on the audit table (the triggers refuse the
# first three; TRIGGER would let the role add triggers of its own).
EXTRA_PRIVILEGES = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER")
HINT = (
    "Run the portal as a role with only SELECT and INSERT on the audit table, "
    "and migrate as the role that owns the tables: see docs/deploy.md."
)

_PRIVILEGES_SQL = """
SELECT current_user,
       pg_get_userbyid(c.relowner),
       pg_has_role(current_user, c.relowner, 'MEMBER')
           OR pg_has_role(current_user, n.nspowner, 'MEMBER')
           OR r.rolsuper,
       {privileges}
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_roles r ON r.rolname = current_user
WHERE c.oid = to_regclass(%s)
""".format(
    privileges=", ".join(
        f"has_table_privilege(c.oid, '{name}')" for name in EXTRA_PRIVILEGES
    )
)


@checks.register(checks.Tags.security, deploy=True)
def audit_table_role_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn when the portal's database role can drop or empty the audit table.

    PostgreSQL only. A database that cannot be reached (a build step without
    it) is not judged: nothing is said rather than a warning that production
    would have to silence.
    """
    connection = connections[router.db_for_write(AuditEvent)]
    if connection.vendor != "postgresql":
        return []
    table = AuditEvent._meta.db_table
    try:
        with connection.cursor() as cursor:
            cursor.execute(_PRIVILEGES_SQL, [connection.ops.quote_name(table)])
            row = cursor.fetchone()
    except DatabaseError:
        return []
    if row is None:  # not migrated yet
        return []
    user, owner, can_drop, *granted = row
    if can_drop:
        return [
            checks.Warning(
                f"The database role {user!r} can drop the audit table {table} or "
                f"disable its triggers: it owns the table (owner: {owner!r}) or "
                "its schema, or is a superuser.",
                hint=HINT,
                obj=AuditEvent,
                id=OWNER_WARNING,
            )
        ]
    extra = [name for name, has in zip(EXTRA_PRIVILEGES, granted, strict=True) if has]
    if extra:
        return [
            checks.Warning(
                f"The database role {user!r} holds {', '.join(extra)} on the audit "
                f"table {table}; only the table's triggers stand in the way.",
                hint=f"REVOKE {', '.join(extra)} ON {table} FROM {user}; {HINT}",
                obj=AuditEvent,
                id=PRIVILEGE_WARNING,
            )
        ]
    return []


@checks.register()
def webpush_settings_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Refuse half a VAPID key pair, a pair that does not match, a bad subject.

    Every push would fail with them; with no keys at all Web Push is simply off.
    """
    problem = webpush_settings_problem()
    if problem is None:
        return []
    return [
        checks.Error(
            problem,
            hint="Generate a pair with `python manage.py webpush_keys`; see README.md.",
            id=WEBPUSH_ERROR,
        )
    ]
