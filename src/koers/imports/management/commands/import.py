"""`koers import KIND FILE [--preset P | --mapping NAME|FILE] [--dry-run]`: import a CSV or
XLSX file. `koers import KIND --help` lists the kind's columns."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from koers.core.bulk import exclusive_load
from koers.imports.describe import describe
from koers.imports.presets import PRESETS
from koers.imports.reader import ImportFileError
from koers.imports.saved import load_mapping
from koers.imports.services import error_report_csv, errors_csv, import_file
from koers.imports.specs import KINDS

SHOWN = 20  # problems printed; --errors FILE writes them all


class Command(BaseCommand):
    help = "Import a CSV or XLSX file. All or nothing: with any error nothing is written."
    # The system checks load every URL and view (about 1 s and 40 MB) for a command that
    # needs neither; `koers check`, `make test` and the development server run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--preset", choices=sorted(PRESETS), default="")
        parser.add_argument(
            "--mapping",
            metavar="NAME|FILE",
            help="a saved mapping by name, or a mapping YAML file (see docs/imports.md)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument("--user", help="username recorded as the importer")
        parser.add_argument(
            "--exclusive",
            action="store_true",
            help="a large first load may lock its tables (faster; readers wait until it commits)",
        )
        parser.add_argument("--errors", type=Path, help="write the error report to this CSV file")
        parser.add_argument(
            "--clear",
            action="append",
            default=[],
            metavar="COLUMN",
            help="an empty cell in this column clears the field (default: keeps it)",
        )

    def run_from_argv(self, argv: list[str]) -> None:
        """`koers import KIND --help` also lists what KIND takes."""
        if any(a in {"-h", "--help"} for a in argv[2:]):
            kind = next((a for a in argv[2:] if a in KINDS), None)
            if kind is not None:
                self.stdout.write(describe(kind) + "\n")
        super().run_from_argv(argv)

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No such user: {options['user']}")
        saved, saved_name = None, ""
        try:
            if options["mapping"]:
                saved_name, saved = load_mapping(options["mapping"])
            load = exclusive_load() if options["exclusive"] else nullcontext()
            with load:
                outcome = import_file(
                    kind=options["kind"],
                    path=path,
                    filename=path.name,
                    by=user,
                    preset=options["preset"],
                    dry_run=options["dry_run"],
                    clear=frozenset(options["clear"]),
                    saved=saved,
                    saved_name=saved_name,
                )
        except (ImportFileError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc
        run = outcome.run
        self.stdout.write(f"{run.file_format}; formats: {run.formats or '-'}")
        self.stdout.write(f"Columns: {run.mapping}")
        if run.error_count:
            self.stdout.write("Problems per column and reason:")
            for group in run.problem_summary:
                self.stdout.write(f"  {group['count']:>8}  {group['column']}: {group['message']}")
            shown = outcome.errors.head(SHOWN)
            self.stdout.write(f"The first {shown.height} of {run.error_count}:")
            for error in shown.iter_rows(named=True):
                self.stdout.write(
                    f"  line {error['row']}, {error['column']} "
                    f"“{error['value']}”: {error['message']}"
                )
            if options["errors"]:
                every = error_report_csv(run) if run.problems else errors_csv(outcome.errors)
                Path(options["errors"]).write_text(every, encoding="utf-8")
                self.stdout.write(f"Every problem is in {options['errors']}.")
            elif run.error_count > shown.height:
                self.stdout.write(
                    f"... and {run.error_count - shown.height} more: --errors FILE writes them all."
                )
            raise CommandError(f"{run.error_count} errors in {run.rows} rows: nothing imported.")
        verb = "Would import" if options["dry_run"] else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {run.rows} rows: {run.created} new, {run.updated} updated, "
                f"{run.unchanged} unchanged."
            )
        )
