"""The audit trail refuses TRUNCATE on PostgreSQL, as it refuses UPDATE and DELETE."""

from django.db import migrations

# A statement-level trigger calling 0010's function, which raises for any
# operation (TG_OP names it). Only the table's owner, a superuser, or a role
# granted TRUNCATE can truncate; the trigger stops them too, unless they drop
# or disable it first, which only the owner can do (docs/deploy.md: the portal
# runs as a role that does not own the table, and `check --deploy` says so).
PG_TRIGGER = """
CREATE TRIGGER members_auditevent_no_truncate
BEFORE TRUNCATE ON members_auditevent
FOR EACH STATEMENT EXECUTE FUNCTION members_auditevent_append_only()
"""
PG_TRIGGER_DROP = (
    "DROP TRIGGER IF EXISTS members_auditevent_no_truncate ON members_auditevent"
)


def no_truncate_install(apps, schema_editor):
    # SQLite has no TRUNCATE (Django's flush deletes rows there).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_TRIGGER)


def no_truncate_remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_TRIGGER_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0015_delivery_held_for_queue_outage"),
    ]

    operations = [
        migrations.RunPython(no_truncate_install, no_truncate_remove),
    ]
