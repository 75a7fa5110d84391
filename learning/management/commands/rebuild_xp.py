"""Rebuild every member's XP days, total and level from the ledger."""

from django.core.management.base import BaseCommand

from learning import services


class Command(BaseCommand):
    help = "Rebuild XP totals, levels and days from the append-only ledger."

    def add_arguments(self, parser):
        parser.add_argument(
            "--member", type=int, action="append", help="only this member's id"
        )

    def handle(self, *args, **options):
        written = services.xp_rebuild(member_ids=options["member"])
        self.stdout.write(f"{written} XP profiles rebuilt from the ledger.")
