"""`koers restore FILE --yes`: replace the database and the kept files with a backup."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from koers.ops.backup import BackupError, read_manifest, restore


class Command(BaseCommand):
    help = "Replace the database and the kept files with a backup made by `koers backup`."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file")
        parser.add_argument(
            "--yes", action="store_true", help="confirm: everything now stored is replaced"
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        source = Path(options["file"])
        try:
            manifest = read_manifest(source)
            if not options["yes"]:
                raise CommandError(
                    f"This replaces everything stored now with the backup of "
                    f"{manifest['taken_at']}. Stop the web server and workers, then run "
                    "again with --yes."
                )
            restore(source)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored the backup of {manifest['taken_at']}: "
            f"{sum(manifest['tables'].values()):,} rows, every table checked."
        )
