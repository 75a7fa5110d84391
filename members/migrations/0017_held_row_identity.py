"""A held row's stable identity: one open entry a bad row, previews not queued.

Every run used to hold its bad rows again; this merges the open copies of
each row into the one of the latest run that met it, and turns the open rows
of previews and stopped runs into previews. The identity is computed as
members.services.hrm_import.held_row_identity computes it, from the row's
cells; the employee code is found among them by the header aliases below,
frozen here as they were (a migration does not import app code).
"""

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict

import django.db.models.deletion
from django.db import migrations, models

CODE_ALIASES = (
    "Mã NV", "Mã nhân viên", "Mã số nhân viên", "MSNV", "Mã CBNV",
    "Mã nhân sự", "Mã NS", "Employee ID", "Employee code", "Employee No",
    "Employee number", "Emp ID", "Emp code", "Staff ID", "Staff code",
)  # fmt: skip
NAME_ALIASES = (
    "Họ và tên", "Họ tên", "Họ và tên nhân viên", "Tên nhân viên",
    "Full name", "Name", "Employee name", "Staff name",
)  # fmt: skip
PREVIEW_STATUSES = ("previewed", "confirm")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _nfc(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value or "").split())


def _header_key(text: str) -> str:
    folded = unicodedata.normalize(
        "NFD", _nfc(text).translate(str.maketrans({"đ": "d", "Đ": "d"}))
    )
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    return _NOT_ALNUM.sub("", _BRACKETED.sub(" ", folded)) or _NOT_ALNUM.sub("", folded)


def _identity(employee_code: str, code: str, values: dict) -> str:
    if employee_code:
        key = f"code\x1f{employee_code}\x1f{code}"
    else:
        cells = "\x1f".join(f"{k}\x1e{v}" for k, v in sorted((values or {}).items()))
        key = f"row\x1f{code}\x1f{cells}"
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def _cell(values: dict, keys: set[str]) -> str:
    for header, value in (values or {}).items():
        if _header_key(header) in keys:
            return _nfc(str(value))
    return ""


def held_rows_merge(apps, schema_editor):
    """Give every held row its employer, code, name and identity; merge open copies."""
    HeldRow = apps.get_model("members", "ImportHeldRow")
    ImportRun = apps.get_model("members", "ImportRun")
    HrmProfile = apps.get_model("members", "HrmProfile")
    runs = {
        pk: (employer_id, dry_run, status)
        for pk, employer_id, dry_run, status in ImportRun.objects.filter(
            pk__in=HeldRow.objects.values("run_id")
        ).values_list("pk", "employer_id", "dry_run", "status")
    }
    # An employer's profile may name its code and name columns otherwise.
    extra = {
        profile.employer_id: profile.mapping or {}
        for profile in HrmProfile.objects.all()
    }

    def keys(employer_id, field, aliases):
        named = extra.get(employer_id, {}).get(field) or []
        return {_header_key(text) for text in (*aliases, *named)}

    rows = list(HeldRow.objects.order_by("run_id", "row_number", "pk"))
    seen = Counter()
    for row in rows:
        employer_id, dry_run, status = runs[row.run_id]
        row.employer_id = employer_id
        if row.status == "open" and (dry_run or status in PREVIEW_STATUSES):
            row.status = "preview"
        if not row.employee_code:
            row.employee_code = _cell(
                row.values, keys(employer_id, "employee_code", CODE_ALIASES)
            )[:64]
        if not row.full_name:
            row.full_name = _cell(
                row.values, keys(employer_id, "full_name", NAME_ALIASES)
            )[:255]
        identity = _identity(row.employee_code, row.code, row.values)
        seen[(row.run_id, identity)] += 1
        if seen[(row.run_id, identity)] > 1:
            ordinal = seen[(row.run_id, identity)]
            identity = hashlib.blake2b(
                f"{identity}#{ordinal}".encode(), digest_size=16
            ).hexdigest()
        row.identity = identity
    # The open copies of one row: the latest run's stays, with its cells.
    copies = defaultdict(list)
    for row in rows:
        if row.status == "open":
            copies[(row.employer_id, row.identity)].append(row)
    merged = [
        row.pk
        for group in copies.values()
        for row in sorted(group, key=lambda r: (r.run_id, r.pk))[:-1]
    ]
    HeldRow.objects.filter(pk__in=merged).delete()
    gone = set(merged)
    HeldRow.objects.bulk_update(
        [row for row in rows if row.pk not in gone],
        ["employer", "status", "employee_code", "full_name", "identity"],
        batch_size=1000,
    )
    if schema_editor is not None and schema_editor.connection.vendor == "postgresql":
        # The rows' new foreign keys are checked now, not at commit, so that
        # the table can be altered below in the same transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0016_auditevent_no_truncate"),
    ]

    operations = [
        migrations.AddField(
            model_name="importheldrow",
            name="employer",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="members.unit",
                verbose_name="employer",
            ),
        ),
        migrations.AddField(
            model_name="importheldrow",
            name="identity",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="importheldrow",
            name="employee_code",
            field=models.CharField(
                blank=True, max_length=64, verbose_name="employee code"
            ),
        ),
        migrations.AddField(
            model_name="importheldrow",
            name="full_name",
            field=models.CharField(
                blank=True, max_length=255, verbose_name="full name"
            ),
        ),
        migrations.AlterField(
            model_name="importheldrow",
            name="run",
            field=models.ForeignKey(
                help_text="The latest import that met this row.",
                on_delete=django.db.models.deletion.CASCADE,
                related_name="held_rows",
                to="members.importrun",
                verbose_name="import run",
            ),
        ),
        migrations.AlterField(
            model_name="importheldrow",
            name="status",
            field=models.CharField(
                choices=[
                    ("open", "To review"),
                    ("fixed", "Fixed"),
                    ("dismissed", "Dismissed"),
                    ("preview", "Preview only, not queued"),
                ],
                default="open",
                max_length=16,
                verbose_name="status",
            ),
        ),
        migrations.RunPython(held_rows_merge, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="importheldrow",
            name="employer",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="members.unit",
                verbose_name="employer",
            ),
        ),
        migrations.AddConstraint(
            model_name="importheldrow",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "open")),
                fields=("employer", "identity"),
                name="held_row_open_once",
            ),
        ),
    ]
