"""`koers backup [FILE]`: the database and the kept files in one file (see koers.ops.backup)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from koers.ops.backup import BackupError, backup, default_name


class Command(BaseCommand):
    help = "Back up the database and the kept files to one .tar file."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file", nargs="?", help="where to write it (default: koers-<time>.tar)")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        target = Path(options["file"] or default_name())
        try:
            manifest = backup(target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Backed up {manifest['engine']}: {len(manifest['tables'])} tables, "
            f"{rows:,} rows → {target}"
        )
