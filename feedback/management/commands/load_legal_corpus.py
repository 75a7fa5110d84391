"""Load the assistant's legal texts from JSON: ``load_legal_corpus PATH``."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from feedback.services.assistant import corpus_load


class Command(BaseCommand):
    help = "Load legal documents and articles from a JSON file or a folder of them."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            result = corpus_load(path=path)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"files: {result.files}; documents new {result.documents_new}, "
            f"updated {result.documents_updated}; articles new {result.articles_new}, "
            f"updated {result.articles_updated}, unchanged {result.articles_unchanged}"
        )
