"""`koers imports-clean-up`: remove the files of failed and trial imports past their
retention period and uploads abandoned in the wizard, and mark imports whose worker
stopped as refused (a daily job)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from koers.imports.retention import abandoned_runs_failed, imports_clean_up


class Command(BaseCommand):
    help = "Remove old failed or trial import files and abandoned uploads."

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        failed = abandoned_runs_failed(now=now)
        removed, staged = imports_clean_up(now=now)
        self.stdout.write(
            f"{removed} import files and {staged} abandoned uploads removed; "
            f"{failed} imports whose worker stopped marked refused."
        )
