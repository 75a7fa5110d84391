"""Measure the assistant on labelled questions: ``assistant_eval FILE.json``."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from feedback.assistant_eval import evaluate


class Command(BaseCommand):
    help = (
        "Print recall@1, recall@5, mrr@10 (in-scope questions), handover (share of "
        "out-of-scope questions handed to an officer) and p95_ms."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", action="store_true", help="One JSON object.")

    def handle(self, *args, file: Path, json: bool = False, **options):
        try:
            items = _items(file)
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"{file}: {error}") from error
        figures = evaluate(items)
        if json:
            self.stdout.write(_json.dumps(figures))
            return
        for name, value in figures.items():
            self.stdout.write(f"{name}: {value}")


_json = json


def _items(file: Path) -> list[dict]:
    data = _json.loads(file.read_text(encoding="utf-8"))
    items = data["items"] if isinstance(data, dict) else data
    return [{"question": i["question"], "relevant": list(i["relevant"])} for i in items]
