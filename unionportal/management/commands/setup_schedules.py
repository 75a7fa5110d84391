"""Install the beat schedules that the installed apps declare."""

from django.core.management.base import BaseCommand

from unionportal.schedules import schedules_install


class Command(BaseCommand):
    help = "Create the periodic tasks the apps declare (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Restore the declared timing of schedules edited in the admin.",
        )

    def handle(self, *args, reset: bool = False, **options):
        counts = schedules_install(reset=reset)
        self.stdout.write(
            "Schedules: {created} created, {reset} reset, {kept} kept.".format(**counts)
        )
