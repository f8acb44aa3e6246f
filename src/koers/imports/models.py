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
    mapping_name = models.CharField(_("saved mapping"), max_length=60, blank=True)
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
    # every problem, as the downloadable CSV, and their count per column and reason
    problems = models.FileField(_("problems"), upload_to="imports/problems/%Y/%m/", blank=True)
    problem_summary = models.JSONField(_("problems per column"), default=list, blank=True)
    formats = models.JSONField(_("detected formats"), default=dict, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    value_maps = models.JSONField(_("value maps"), default=dict, blank=True)
    changed_fields = models.JSONField(_("fields changed"), default=dict, blank=True)
    refreshed_months = models.PositiveIntegerField(_("months of KPI facts refreshed"), default=0)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} ({self.started_at:%Y-%m-%d %H:%M})"


class ImportMapping(models.Model):
    """A saved mapping: how one system's export becomes an import of one kind, kept as the
    YAML document ``koers.imports.saved`` reads."""

    name = models.SlugField(_("name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=30)
    document = models.TextField(_("mapping (YAML)"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("saved on"), auto_now=True)

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DataQualityFlag(models.Model):
    """A gap an import filled in or let through, for an administrator to fix: a person
    placed in the unassigned unit, a start date taken from the import's date."""

    table = models.CharField(_("table"), max_length=60)
    record_id = models.BigIntegerField(_("record"))
    field = models.CharField(_("field"), max_length=40)
    reason = models.CharField(_("what to fix"), max_length=200)
    run = models.ForeignKey(
        ImportRun, verbose_name=_("import"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("flagged on"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("data-quality flag")
        verbose_name_plural = _("data-quality flags")
        ordering = ["resolved_at", "-created_at"]
        indexes = [models.Index(fields=["table", "record_id"])]

    def __str__(self) -> str:
        return f"{self.table} {self.record_id}: {self.field}"
