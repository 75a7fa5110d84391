"""Import an employer's HRM export (.xlsx or .csv) into the register."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from members.models import ImportRun, Unit
from members.services.hrm_import import (
    import_run_create,
    import_run_execute,
    import_run_summary,
)


class Command(BaseCommand):
    help = (
        "Import an HRM file for an employer unit: new members are added, changed "
        "ones updated, bad rows held for review, missing members flagged."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The .xlsx or .csv file.")
        parser.add_argument("--employer", required=True, help="The employer's code.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Plan and report; write nothing."
        )
        parser.add_argument(
            "--confirm",
            action="store_true",
            help="Import even beyond the safety limits (5%% invalid, 10%% missing).",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print the summary as JSON."
        )

    def handle(self, *args, **options):
        employer = Unit.objects.filter(
            code=options["employer"], is_employer=True
        ).first()
        if employer is None:
            raise CommandError(f"No employer unit with code {options['employer']}.")
        source = Path(options["path"])
        if not source.is_file():
            raise CommandError(f"{source} is not a file.")
        run = import_run_create(
            employer=employer,
            source=ImportRun.Source.COMMAND,
            file_name=source.name,
            content=source.read_bytes(),
            dry_run=options["dry_run"],
            confirmed=options["confirm"],
        )
        run = import_run_execute(run_id=run.pk)
        summary = import_run_summary(run=run)
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(f"{run.get_status_display()}: {run.message}")
            self.stdout.write(
                "run {run_id}: {new} new, {updated} updated, {unchanged} unchanged, "
                "{held} held, {absent} absent, {transfers} transfers, "
                "{duration_ms} ms".format(**summary)
            )
        if run.status in {ImportRun.Status.REFUSED, ImportRun.Status.FAILED}:
            raise CommandError(run.message)
