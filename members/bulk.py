"""Bulk inserts of new rows: COPY on PostgreSQL, ``bulk_create`` elsewhere.

Django's ``bulk_create`` on PostgreSQL binds every value client-side (arrays
escaped in Python), which made it most of an HRM import's time
(docs/benchmarks.md). COPY streams the rows through psycopg's C adapters. It
runs no model ``save()`` and no signals, as ``bulk_create`` does not either;
the caller prepares the rows.
"""

from collections.abc import Mapping, Sequence

from django.db import connection, models, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def _adapter(field: models.Field):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return "now"
    if isinstance(field, models.JSONField):
        return "json"
    return None


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """Take ``count`` primary keys from the table's sequence (PostgreSQL)."""
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
            "FROM generate_series(1, %s)",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def rows_insert(
    model: type[models.Model], rows: Sequence[models.Model | Mapping]
) -> None:
    """Insert new rows of ``model``: instances, or mappings of attname to value.

    Instances get their primary keys. A mapping may leave out fields that
    have a default; auto_now fields are set to now.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        instances = [
            row if isinstance(row, models.Model) else model(**row) for row in rows
        ]
        model.objects.bulk_create(instances, batch_size=500)
        return
    fields = _columns(model)
    now = timezone.now()
    ids = ids_reserve(model, len(rows))
    quote = connection.ops.quote_name
    statement = "COPY {table} ({columns}) FROM STDIN".format(
        table=quote(model._meta.db_table),
        columns=", ".join(quote(field.column) for field in [model._meta.pk, *fields]),
    )
    plan = [(field.attname, _adapter(field), field) for field in fields]
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for pk, row in zip(ids, rows, strict=True):
            if isinstance(row, models.Model):
                row.pk = pk
                get = row.__dict__.get
            else:
                get = row.get
            values = [pk]
            for attname, adapter, field in plan:
                if adapter == "now":
                    values.append(now)
                    continue
                value = get(attname, models.NOT_PROVIDED)
                if value is models.NOT_PROVIDED:
                    value = field.get_default()
                if adapter == "json" and value is not None:
                    value = Jsonb(value)
                values.append(value)
            copy.write_row(values)


def rows_update(
    model: type[models.Model], instances: Sequence[models.Model], fields: Sequence[str]
) -> None:
    """Write ``fields`` of existing instances: COPY into a temporary table, one UPDATE.

    ``bulk_update`` builds a CASE WHEN per field and row, which took a minute
    for 82,000 rows; this takes a second. Elsewhere than PostgreSQL it is
    ``bulk_update``. auto_now fields among ``fields`` are set to now.
    """
    if not instances:
        return
    if connection.vendor != "postgresql":
        now = timezone.now()
        for field in (model._meta.get_field(name) for name in fields):
            if getattr(field, "auto_now", False):
                for instance in instances:
                    setattr(instance, field.attname, now)
        model.objects.bulk_update(instances, fields, batch_size=1000)
        return
    targets = [model._meta.get_field(name) for name in fields]
    pk = model._meta.pk
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    now = timezone.now()
    columns = [pk, *targets]
    # The temporary table lives until the end of this transaction (or block).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE rows_update_source ({columns}) "
            "ON COMMIT DROP".format(
                columns=", ".join(
                    f"{quote(field.column)} {field.db_type(connection)}"
                    for field in columns
                )
            )
        )
        names = ", ".join(quote(field.column) for field in columns)
        with cursor.cursor.copy(
            f"COPY rows_update_source ({names}) FROM STDIN"
        ) as copy:
            for instance in instances:
                values = [instance.pk]
                for field in targets:
                    if getattr(field, "auto_now", False):
                        setattr(instance, field.attname, now)
                    value = getattr(instance, field.attname)
                    if isinstance(field, models.JSONField) and value is not None:
                        value = Jsonb(value)
                    values.append(value)
                copy.write_row(values)
        assignments = ", ".join(
            f"{quote(field.column)} = source.{quote(field.column)}" for field in targets
        )
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM rows_update_source AS source "  # noqa: S608 (names from the model)
            f"WHERE {table}.{quote(pk.column)} = source.{quote(pk.column)}"
        )
        cursor.execute("DROP TABLE rows_update_source")
