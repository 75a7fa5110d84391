"""Index the member search box on PostgreSQL; a no-op on SQLite.

members.selectors.member_search_q ORs four tests: the folded name contains the
term (LIKE '%term%'), the employee code equals it case-insensitively, and for
terms that look like one, the phone or the CCCD. PostgreSQL can combine
indexes for an OR (BitmapOr) only if every arm has one, so the name gets a
trigram GIN index and the code and phone a btree each (the CCCD already has
its unique index). Without them every search is a sequential scan of the
register: see docs/benchmarks.md. pg_trgm is a trusted extension, so the
database owner can create it without being a superuser.
"""

from django.db import migrations

# Index name -> what follows "ON <table>" in CREATE INDEX.
INDEXES = {
    "members_member_name_trgm": "USING gin (full_name_folded gin_trgm_ops)",
    "members_member_code_upper": "(UPPER(employee_code))",
    "members_member_phone_search": "(phone)",
}


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("members", "Member")._meta.db_table)
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} "
            f"ON {table} {definition}"
        )


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other schemas or indexes may use it.
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_search_indexes, drop_search_indexes),
    ]
