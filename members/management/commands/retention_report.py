"""List who the retention run de-identifies today; with --apply, do it."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from members.selectors.privacy import retention_report
from members.services.erasure import retention_apply


class Command(BaseCommand):
    help = (
        "Dry run of the retention of members who left: list those whose "
        "MEMBER_RETENTION_DAYS have passed (no names, no national IDs). "
        "--apply de-identifies them, as the nightly task does."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--apply", action="store_true", help="De-identify them now."
        )

    def handle(self, *args, **options):
        today = timezone.localdate()
        days = settings.MEMBER_RETENTION_DAYS
        if days <= 0:
            self.stdout.write("Retention is off (MEMBER_RETENTION_DAYS=0).")
            return
        rows = retention_report(today=today)
        self.stdout.write(
            f"Members who left {days} days or more before {today:%d/%m/%Y}: {len(rows)}"
        )
        for row in rows:
            member = row.member
            note = "" if row.recorded else " (date from the import history or today)"
            self.stdout.write(
                f"  #{member.pk}\t{member.unit.code}\t{member.employee_code}\t"
                f"left {row.left_on:%d/%m/%Y}{note}"
            )
        if not options["apply"]:
            if rows:
                self.stdout.write("Dry run: nothing changed. Run with --apply.")
            return
        erased = retention_apply(today=today)
        self.stdout.write(self.style.SUCCESS(f"De-identified: {len(erased)}"))
