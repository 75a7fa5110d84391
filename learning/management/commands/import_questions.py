"""Import a GIFT or Aiken question file into a course's bank, or export the bank."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from learning import question_formats as qf
from learning.models import Course
from learning.services.question_bank import bank_export, questions_import


class Command(BaseCommand):
    help = (
        "Read a Moodle GIFT or Aiken file and save its questions in a course's "
        "question bank; a file with errors is refused unless --valid-only. "
        "With --export, write the course's bank to FILE instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="The question file ('-' for standard output with --export)."
        )
        parser.add_argument("--course", required=True, help="The course's slug.")
        parser.add_argument("--format", required=True, choices=qf.FORMATS)
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and report; save nothing."
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print the parser's result as one JSON object.",
        )
        parser.add_argument(
            "--valid-only",
            action="store_true",
            help="Save the valid questions of a file that has errors.",
        )
        parser.add_argument(
            "--export",
            action="store_true",
            help="Write the course's bank to FILE in the format instead of reading it.",
        )

    def handle(self, *args, **options):
        try:
            course = Course.objects.get(slug=options["course"])
        except Course.DoesNotExist as error:
            raise CommandError(
                f"No course has the slug {options['course']!r}."
            ) from error
        if options["export"]:
            return self._export(course, options)
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        result = qf.parse(data, format=options["format"])
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            self._report(result)
        if options["dry_run"]:
            return
        try:
            counts = questions_import(
                course=course,
                result=result,
                actor=None,
                valid_only=options["valid_only"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        saved = sum(counts.values())
        (self.stderr if options["json"] else self.stdout).write(
            f"Imported {saved} questions into {course.slug}."
        )

    def _report(self, result: qf.ParseResult) -> None:
        for error in result.errors:
            self.stderr.write(f"line {error.line}: {error.message}")
        for item in result.unsupported:
            self.stderr.write(f"line {item.line}: unsupported {item.type}")
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(result.counts().items()))
        self.stdout.write(
            f"{len(result.questions)} questions ({counts or 'none'}), "
            f"{len(result.errors)} errors, {len(result.unsupported)} unsupported."
        )

    def _export(self, course: Course, options) -> None:
        exported = bank_export(course=course, format=options["format"], actor=None)
        for refusal in exported.refused:
            self.stderr.write(
                f"not exported: {refusal.question.name!r}: {refusal.reason}"
            )
        if options["file"] == "-":
            self.stdout.write(exported.text, ending="")
        else:
            Path(options["file"]).write_text(exported.text, encoding="utf-8")
