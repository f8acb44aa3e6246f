"""Saved mappings in the product: a page that lists them and a YAML editor (CodeMirror)
that checks the document as it is typed, the same check the command line and the API use."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.imports.models import ImportMapping, ImportRun
from koers.imports.saved import MappingError, SavedMapping, mapping_save, parse_mapping
from koers.imports.specs import KINDS
from koers.imports.views import kind_label
from koers.org import visibility as vis

NAME_PATTERN = r"[A-Za-z0-9_\- ]+"


class MappingForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=60,
        widget=forms.TextInput(attrs={"pattern": NAME_PATTERN, "autocomplete": "off"}),
    )
    document = forms.CharField(
        label=gettext_lazy("Mapping (YAML)"),
        widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "false", "class": "code"}),
        max_length=100_000,
        strip=False,  # kept as written
    )


@dataclass
class Filled:
    """One line of a checked mapping's summary: what fills a Koers column."""

    column: str
    source: str
    how: str


def _require_import(request: HttpRequest) -> None:
    if not vis.can_import(request.user):
        raise PermissionDenied(_("Your role may not import data."))


def skeleton(kind: str) -> str:
    """A new mapping's first text: the kind and its columns as comments to fill in."""
    spec = KINDS[kind]
    lines = [
        f"kind: {kind}",
        "columns:  # the header in your file: the Koers column it fills",
        *(
            f"  # {column.header}: {column.header}{'   (required)' if column.required else ''}"
            for column in spec.columns
        ),
    ]
    return "\n".join(lines) + "\n"


def summary(mapping: SavedMapping) -> list[Filled]:
    """What each Koers column is filled from, in the user's words."""
    rows = [Filled(c, h, _("column")) for h, c in mapping.columns.items()]
    rows += [Filled(c, e, _("computed")) for c, e in mapping.computed.items()]
    rows += [
        Filled(c, str(v), _("the same value on every row")) for c, v in mapping.constants.items()
    ]
    for header, pair in mapping.split.items():
        rows += [Filled(c, header, _("split by its first word")) for c in pair]
    for header, columns in mapping.also.items():
        rows += [Filled(c, header, _("column")) for c in columns]
    for column, pairs in mapping.values.items():
        shown = ", ".join(f"{k} → {v}" for k, v in list(pairs.items())[:6])
        more = len(pairs) - 6
        if more > 0:
            shown += " " + _("and %(n)s more") % {"n": more}
        rows.append(Filled(column, shown, _("value map")))
    for header, what in mapping.distinct.items():
        rows.append(Filled(what, header, _("made from the column's distinct values")))
    return rows


def mappings_page(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    used = {
        row["mapping_name"]: row
        for row in ImportRun.objects.exclude(mapping_name="")
        .values("mapping_name")
        .annotate(n=Count("pk"), last=Max("started_at"))
    }
    rows = [
        {"mapping": m, "kind": kind_label(m.kind), "used": used.get(m.name)}
        for m in ImportMapping.objects.select_related("by")
    ]
    kinds = [(k, kind_label(k)) for k in KINDS]
    return render(request, "imports/mappings.html", {"rows": rows, "kinds": kinds})


def mapping_edit(request: HttpRequest, name: str | None = None) -> HttpResponse:
    """Write or change a mapping; every change is checked as it is typed (htmx), and a
    mapping is saved only when the check passes."""
    _require_import(request)
    stored = ImportMapping.objects.filter(name=name).first() if name else None
    if name and stored is None:
        raise Http404(_("No saved mapping “%(name)s”.") % {"name": name})
    kind = request.GET.get("kind", "orders")
    initial = {
        "name": stored.name if stored else "",
        "document": stored.document if stored else skeleton(kind if kind in KINDS else "orders"),
    }
    form = MappingForm(request.POST or None, initial=initial)
    checked: SavedMapping | None = None
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            checked = parse_mapping(form.cleaned_data["document"])
        except MappingError as error:
            problem = str(error)
        if checked is not None and "save" in request.POST:
            try:
                kept = mapping_save(
                    name=form.cleaned_data["name"],
                    mapping=checked,
                    by=request.user,
                    document=form.cleaned_data["document"],
                )
            except MappingError as error:
                form.add_error("name", str(error))
            else:
                if stored is not None and kept.name != stored.name:
                    stored.delete()  # renamed: one mapping, under its new name
                messages.success(request, _("Mapping “%(name)s” saved.") % {"name": kept.name})
                return redirect("import_mappings")
    context = {
        "form": form,
        "stored": stored,
        "checked": checked,
        "problem": problem,
        "kind_label": kind_label(checked.kind) if checked else "",
        "filled": summary(checked) if checked else [],
    }
    if request.htmx:
        return render(request, "imports/mapping_form.html#check", context)
    failed = request.method == "POST" and (form.errors or problem)
    return render(request, "imports/mapping_form.html", context, status=400 if failed else 200)


def mapping_delete(request: HttpRequest, name: str) -> HttpResponse:
    _require_import(request)
    if request.method != "POST":
        return redirect("import_mapping", name=name)
    deleted, _rows = ImportMapping.objects.filter(name=name).delete()
    if deleted:
        messages.success(request, _("Mapping “%(name)s” deleted.") % {"name": name})
    return redirect("import_mappings")


def mapping_yaml(request: HttpRequest, name: str) -> HttpResponse:
    _require_import(request)
    stored = ImportMapping.objects.filter(name=name).first()
    if stored is None:
        raise Http404(_("No saved mapping “%(name)s”.") % {"name": name})
    response = HttpResponse(stored.document, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stored.name}.yaml"'
    return response
