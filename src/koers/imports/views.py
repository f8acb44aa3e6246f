"""The import wizard: upload, check the column mapping and every row, then import."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.imports import stream
from koers.imports.mapping import auto_mapping
from koers.imports.models import ImportMapping, ImportRun
from koers.imports.presets import PRESETS
from koers.imports.reader import ImportFileError, read_table
from koers.imports.retention import imports_clean_up, staging_dir
from koers.imports.samples import template_csv
from koers.imports.saved import SavedMapping, load_mapping_by_name, mapping_save, with_values
from koers.imports.services import error_report_csv, errors_csv, import_file, import_queue
from koers.imports.specs import KINDS, model_for_table
from koers.imports.tasks import on_worker
from koers.imports.value_maps import chosen_from, coded_columns, mark_chosen
from koers.org import visibility as vis

IGNORE = ""


def kind_label(kind: str) -> str:
    """What a kind of import holds, as its list is called: “Accounts”, “Order lines”."""
    spec = KINDS.get(kind)
    if spec is None:
        return capfirst(kind.replace("-", " "))
    return capfirst(str(model_for_table(spec.table)._meta.verbose_name_plural))


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What does the file hold?"))
    preset = forms.ChoiceField(label=gettext_lazy("Exported from"), required=False)
    saved = forms.ChoiceField(label=gettext_lazy("Saved mapping"), required=False)
    file = forms.FileField(label=gettext_lazy("CSV or Excel file"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, kind_label(k)) for k in KINDS]
        self.fields["preset"].choices = [("", _("Koers template or other"))] + [
            (p.name, p.label) for p in PRESETS.values()
        ]
        self.fields["saved"].choices = [("", _("none"))] + [
            (m.name, f"{m.name} ({kind_label(m.kind)})") for m in ImportMapping.objects.all()
        ]

    def clean(self):
        data = super().clean() or {}
        if data.get("saved") and data.get("kind"):
            kind = ImportMapping.objects.get(name=data["saved"]).kind
            if kind != data["kind"]:
                self.add_error(
                    "saved",
                    _("This mapping is for %(kind)s.") % {"kind": kind_label(kind)},
                )
        return data

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.KOERS_IMPORT_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": settings.KOERS_IMPORT_MAX_MB}
            )
        return upload


def _require_import(request: HttpRequest) -> None:
    if not vis.can_import(request.user):
        raise PermissionDenied(_("Your role may not import data."))


def _staging_dir() -> Path:
    return staging_dir()


def history(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    page = Paginator(ImportRun.objects.select_related("by"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/history.html",
        {"page": page, "form": UploadForm(), "kinds": [(k, kind_label(k)) for k in KINDS]},
    )


def upload(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        imports_clean_up(now=timezone.now())  # cheap: keeps staging and old files in bounds
        key = uuid.uuid4().hex
        with (_staging_dir() / key).open("wb") as staged:  # in chunks, never whole
            for chunk in form.cleaned_data["file"].chunks():
                staged.write(chunk)
        request.session[f"import:{key}"] = {
            "kind": form.cleaned_data["kind"],
            "preset": form.cleaned_data["preset"],
            "saved": form.cleaned_data["saved"],
            "filename": form.cleaned_data["file"].name,
        }
        return redirect("import_stage", key=key)
    return render(
        request, "imports/upload.html", {"form": form}, status=400 if form.errors else 200
    )


def _staged(request: HttpRequest, key: str) -> tuple[dict, Path]:
    meta = request.session.get(f"import:{key}")
    path = _staging_dir() / key
    if not meta or not path.exists() or not key.isalnum():
        raise Http404(_("This upload has expired; upload the file again."))
    return meta, path


def _first_rows(path: Path, filename: str) -> pl.DataFrame:
    """The staged file's table for the mapping and the preview: for a large CSV file only its
    first block, so a large upload is never held whole."""
    if stream.streamable(path):
        first = next(stream.frames(stream.open_csv(path)), None)
        if first is None:
            raise ImportFileError(_("The file has a header but no rows."))
        return first
    return read_table(path.read_bytes(), filename)[0]


def _mapping_from(request: HttpRequest, headers: list[str]) -> dict[str, str] | None:
    if "map-0" not in request.POST:
        return None
    chosen = {}
    for index, header in enumerate(headers):
        column = request.POST.get(f"map-{index}", IGNORE)
        if column != IGNORE and column not in chosen.values():
            chosen[header] = column
    return chosen


def stage(request: HttpRequest, key: str) -> HttpResponse:
    """Show the mapping, the preview and every error; import when asked and clean."""
    _require_import(request)
    meta, path = _staged(request, key)
    spec = KINDS[meta["kind"]]
    try:
        saved_name, saved = _saved_of(meta)
        table = _first_rows(path, meta["filename"])
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("import_upload")
    from_saved: dict[str, str] = {}
    file_headers = table.columns
    preset = PRESETS.get(meta["preset"])
    if preset is not None and preset.prepare:  # the columns the preset derives, as imported
        table = preset.prepare(meta["kind"], table)
    if saved is not None:
        table, from_saved = saved.prepare(table)
    headers = table.columns
    mapping = (
        _mapping_from(request, headers) or from_saved or auto_mapping(headers, spec, meta["preset"])
    )
    coded = coded_columns(spec, table, mapping)
    chosen: dict[str, dict[str, str]] = meta.get("values", {})
    if "values-form" in request.POST:  # the value step's choices, as the form now holds them
        chosen = chosen_from(request.POST, coded)
    the_saved = with_values(saved, meta["kind"], chosen)
    mark_chosen(coded, the_saved.values if the_saved is not None else {})
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "save":
        own = {h: c for h, c in mapping.items() if h in file_headers}
        return _save_mapping(request, key, {**meta, "values": chosen}, own, the_saved)
    commit = action == "import"
    if request.method == "POST":  # the problems file checks with what was chosen here
        request.session[f"import:{key}"] = {**meta, "mapping": mapping, "values": chosen}
    the_import = {
        "kind": meta["kind"],
        "path": path,
        "filename": meta["filename"],
        "by": request.user,
        "preset": meta["preset"],
        "mapping": mapping,
        "saved": the_saved,
        "saved_name": saved_name,
    }
    if commit and on_worker(
        path.stat().st_size
    ):  # a large file: a worker imports it, not this request
        return _unstaged(request, key, import_queue(**the_import))
    try:
        outcome = import_file(**the_import, dry_run=not commit, record=commit)
    except (ImportFileError, PermissionDenied) as exc:
        outcome, problem = None, str(exc)
    else:
        problem = ""
    if commit and outcome is not None and not outcome.run.error_count:
        return _unstaged(request, key, outcome.run)
    context = {
        "key": key,
        "meta": meta,
        "kind_label": kind_label(meta["kind"]),
        "spec": spec,
        "headers": [(i, h, _shown_header(h, spec, preset)) for i, h in enumerate(headers)],
        "mapping": mapping,
        "outcome": outcome,
        "problem": problem,
        "coded": [(item, column_label(spec, item.column)) for item in coded],
        "preview": outcome.preview.rows() if outcome else [],
        "errors": outcome.errors.head(200).to_dicts() if outcome else [],
        "summary": outcome.run.problem_summary if outcome else [],
        "columns": [
            (c.name, column_label(spec, c), c.required and c.default is None) for c in spec.columns
        ],
    }
    return render(request, "imports/stage.html", context)


def _shown_header(header: str, spec: Any, preset: Any) -> str:
    """A column a preset derives (“_closed_on”) is shown as the Koers column it fills."""
    if not header.startswith("_") or preset is None:
        return header
    names = {c.name: column_label(spec, c) for c in spec.columns}
    column = preset.columns.get(spec.name, {}).get(header, header[1:])
    return _("%(column)s (derived by the preset)") % {"column": names.get(column, column)}


def _saved_of(meta: dict) -> tuple[str, SavedMapping | None]:
    return load_mapping_by_name(meta["saved"]) if meta.get("saved") else ("", None)


def _save_mapping(
    request: HttpRequest, key: str, meta: dict, own: dict[str, str], saved: Any
) -> HttpResponse:
    """Keep the columns chosen here (and what the mapping in use derives) under a name."""
    base = saved or SavedMapping(kind=meta["kind"])
    try:
        kept = mapping_save(
            name=request.POST.get("save_as", ""),
            mapping=replace(base, columns=own),
            by=request.user,
        )
    except ImportFileError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Mapping “%(name)s” saved: choose it on your next upload.") % {"name": kept}
        )
        request.session[f"import:{key}"] = {**meta, "saved": kept.name, "values": {}}
    return redirect("import_stage", key=key)


def _unstaged(request: HttpRequest, key: str, run: ImportRun) -> HttpResponse:
    """The upload has become an import: forget the staged file and show the import."""
    (_staging_dir() / key).unlink(missing_ok=True)
    request.session.pop(f"import:{key}", None)
    return redirect("import_run", pk=run.pk)


def stage_errors(request: HttpRequest, key: str) -> HttpResponse:
    _require_import(request)
    meta, path = _staged(request, key)
    try:
        saved_name, saved = _saved_of(meta)
        saved = with_values(saved, meta["kind"], meta.get("values"))
        outcome = import_file(
            kind=meta["kind"],
            path=path,
            filename=meta["filename"],
            by=request.user,
            preset=meta["preset"],
            mapping=meta.get("mapping"),
            saved=saved,
            saved_name=saved_name,
            dry_run=True,
            record=False,
        )
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("import_stage", key=key)
    return _csv_response(errors_csv(outcome.errors), f"errors-{meta['filename']}")


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_import(request)
    run = get_object_or_404(ImportRun.objects.select_related("by"), pk=pk)
    return render(request, "imports/run.html", {"run": run, "kind_label": kind_label(run.kind)})


def run_errors(request: HttpRequest, pk: int) -> HttpResponse:
    _require_import(request)
    run = get_object_or_404(ImportRun, pk=pk)
    return _csv_response(error_report_csv(run), f"errors-{run.filename}")


def template(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in KINDS:
        raise Http404(kind)
    return _csv_response(template_csv(kind), f"koers-{kind}.csv")


def _csv_response(text: str, filename: str) -> HttpResponse:
    name = Path(filename).stem + ".csv"
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def column_label(spec, column) -> str:  # type: ignore[no-untyped-def]
    """A Koers column as the user reads it: the field's name in their language, with the
    template's header beside it (“Externe id (external_id)”)."""
    from django.core.exceptions import FieldDoesNotExist

    from koers.imports.specs import model_for_table

    try:
        field = model_for_table(spec.table)._meta.get_field(column.header)
    except (FieldDoesNotExist, LookupError, KeyError):
        if column.name == "credited_to":  # the line's credit holders, not a field of it
            return _("Credited to (%(header)s)") % {"header": column.header}
        return column.header
    return f"{capfirst(str(field.verbose_name))} ({column.header})"
