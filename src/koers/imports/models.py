"""The record of every import: who imported what, when, with what result; the original
file is kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportRun(models.Model):
    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked (dry run)")
        COMMITTED = "committed", _("Imported")
        FAILED = "failed", _("Refused: errors found")
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Importing on a worker")

    kind = models.CharField(_("kind"), max_length=30)
    preset = models.CharField(_("preset"), max_length=30, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("original file"), upload_to="imports/%Y/%m/")
    file_format = models.CharField(_("file format"), max_length=80, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("first errors"), default=list, blank=True)
    formats = models.JSONField(_("detected formats"), default=dict, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    changed_fields = models.JSONField(_("fields changed"), default=dict, blank=True)
    refreshed_months = models.PositiveIntegerField(_("months of KPI facts refreshed"), default=0)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} ({self.started_at:%Y-%m-%d %H:%M})"
