import json
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from cohorts.models import Edition
from cohorts.services.imports import ImportRefused, import_path


class Command(BaseCommand):
    help = "Import the online course's results (CSV or XLSX) into an edition, as the web import does."

    def add_arguments(self, parser) -> None:
        parser.add_argument("edition_slug")
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object with the counts.")
        parser.add_argument("--pass-mark", help="Set the edition's pass mark before importing (10 or 10,5).")

    def handle(self, *args, edition_slug: str, file: str, dry_run: bool, json: bool, pass_mark: str | None, **options):
        edition = Edition.objects.filter(slug=edition_slug).first()
        if edition is None:
            raise CommandError(f"No edition with the slug {edition_slug!r}.")
        try:
            summary = import_path(edition, file, dry_run=dry_run, pass_mark=self._pass_mark(pass_mark))
        except ImportRefused as problem:
            raise CommandError(problem.message) from None
        if json:
            self.stdout.write(_json_dumps(summary.as_dict()))
            return
        self._write_report(summary.as_dict(), dry_run)

    @staticmethod
    def _pass_mark(text: str | None) -> Decimal | None:
        if text is None:
            return None
        try:
            return Decimal(text.strip().replace(",", "."))
        except InvalidOperation:
            raise CommandError(f"--pass-mark must be a number, not {text!r}.") from None

    def _write_report(self, counts: dict, dry_run: bool) -> None:
        rejected = counts.pop("rejected")
        self.stdout.write(
            ("Dry run: nothing written. " if dry_run else "")
            + ", ".join(f"{name.replace('_', ' ')}: {value}" for name, value in counts.items())
        )
        for item in rejected:
            self.stdout.write(f"  line {item['line']}: {item['reason']}")


def _json_dumps(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False)
