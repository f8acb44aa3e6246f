"""`koers imports-watch [FOLDER]`: import the new files of the watched folder once (for cron,
or without a Celery worker); the folder defaults to KOERS_IMPORT_WATCH_DIR."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from koers.imports.watch import watch, watched_root


class Command(BaseCommand):
    help = "Import the new files of the watched folder, each with its subfolder's mapping."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", nargs="?", type=Path)

    def handle(self, *args, **options) -> None:
        root = options["folder"] or watched_root()
        if root is None or not Path(root).is_dir():
            raise CommandError("No folder to watch: give one or set KOERS_IMPORT_WATCH_DIR.")
        handled = watch(Path(root))
        for h in handled:
            self.stdout.write(f"{h.source}/{h.file}: {h.status}, {h.rows} rows: {h.detail}")
        self.stdout.write(f"{len(handled)} files imported or refused.")
