"""`koers import KIND FILE [--preset P] [--dry-run]`: import a CSV or XLSX file."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from koers.imports.presets import PRESETS
from koers.imports.reader import ImportFileError
from koers.imports.services import error_report_csv, import_file
from koers.imports.specs import KINDS


class Command(BaseCommand):
    help = "Import a CSV or XLSX file. All or nothing: with any error nothing is written."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--preset", choices=sorted(PRESETS), default="")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument("--user", help="username recorded as the importer")
        parser.add_argument("--errors", type=Path, help="write the error report to this CSV file")
        parser.add_argument(
            "--clear",
            action="append",
            default=[],
            metavar="COLUMN",
            help="an empty cell in this column clears the field (default: keeps it)",
        )

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No such user: {options['user']}")
        try:
            outcome = import_file(
                kind=options["kind"],
                raw=path.read_bytes(),
                filename=path.name,
                by=user,
                preset=options["preset"],
                dry_run=options["dry_run"],
                clear=frozenset(options["clear"]),
            )
        except (ImportFileError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc
        run = outcome.run
        self.stdout.write(f"{run.file_format}; formats: {run.formats or '-'}")
        self.stdout.write(f"Columns: {run.mapping}")
        if run.error_count:
            for error in run.errors[:20]:
                self.stdout.write(
                    f"  line {error['row']}, {error['column']} "
                    f"“{error['value']}”: {error['message']}"
                )
            if options["errors"]:
                options["errors"].write_text(error_report_csv(run), encoding="utf-8")
            raise CommandError(f"{run.error_count} errors in {run.rows} rows: nothing imported.")
        verb = "Would import" if options["dry_run"] else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {run.rows} rows: {run.created} new, {run.updated} updated, "
                f"{run.unchanged} unchanged."
            )
        )
