"""Widgets for forms with long lists of choices: a select written in one pass, and record
pickers (type a few letters, choose from the records you may see). A picker renders a
hidden input holding the id and a search box whose suggestions come from a lookup URL
(``/data/<slug>/lookup/``) via HTMX; every suggestion ends in “#<id>”, which koers.js
copies into the hidden input (or, picking several, adds as a chosen record)."""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


def _escaped(value: Any) -> str:
    """``conditional_escape`` without a safe string made of every option's text: the
    standard library's escape (the same characters), what is already safe as it is."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


class LongSelect(forms.Select):
    """A single-choice select written in one pass, without a template per option: the
    same HTML as Django's ``Select`` for flat choices, for lists of thousands (a large
    organisation's units and sellers: 5,200 options took 0.5 s through the templates)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> str:
        chosen = "" if value is None else str(value)
        options = "".join(
            f'<option value="{_escaped(key)}"'
            f"{' selected' if str(key) == chosen else ''}>{_escaped(label)}</option>"
            for key, label in self.choices
        )
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return format_html("<select{}>{}</select>", flatatt(final), mark_safe(options))  # noqa: S308


class LookupWidget(forms.Widget):
    """``in_filter``: a list's filter, whose form already has a search box named ``q`` and
    refreshes on every change: the picker's search box is named ``find`` and kept out of
    the form (only the id in the hidden input filters)."""

    def __init__(
        self,
        *,
        url: str,
        queryset: Any,
        attrs: dict[str, Any] | None = None,
        in_filter: bool = False,
    ) -> None:
        super().__init__(attrs)
        self.url, self.queryset, self.in_filter = url, queryset, in_filter

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name) or None

    def _label(self, value: Any) -> str:
        if value in (None, ""):
            return ""
        obj = self.queryset.filter(pk=value).first()
        return f"{obj} #{obj.pk}" if obj else ""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> str:
        field_id = (attrs or {}).get("id") or f"id_{name}"
        return format_html(
            '<span class="lookup"><input type="hidden" name="{name}" id="{id}" value="{value}">'
            '<input type="search" name="{search}"{outside} list="{id}_list" value="{label}" '
            'autocomplete="off" '
            'placeholder="{hint}" data-lookup-for="{id}" hx-get="{url}" '
            'hx-trigger="input changed delay:250ms, focus once" hx-target="#{id}_list" '
            'hx-sync="this:replace" aria-label="{hint}">'
            '<datalist id="{id}_list"></datalist></span>',
            name=name,
            search="find" if self.in_filter else "q",
            outside=mark_safe(' form="no-form"') if self.in_filter else "",
            id=field_id,
            value="" if value is None else value,
            label=self._label(value),
            url=self.url,
            hint=_("Type to search…"),
        )


class LookupMultipleWidget(LookupWidget):
    """A picker of several records: each chosen one is shown with a button to remove it
    and sent as a hidden input of its own; the search box adds the suggestion chosen
    from it and is itself never sent. Takes a list of thousands (an organisation's
    sellers) without writing a checkbox for each."""

    allow_multiple_selected = True

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        getter = getattr(data, "getlist", None)
        return getter(name) if getter is not None else data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False  # nothing chosen sends nothing: that is a choice too

    def _chosen(self, value: Any) -> list[Any]:
        keys = (str(getattr(v, "pk", v)) for v in (value or []))
        ids = list(dict.fromkeys(int(k) for k in keys if k.isdigit()))
        found = {obj.pk: obj for obj in self.queryset.filter(pk__in=ids)} if ids else {}
        return [found[k] for k in ids if k in found]

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> str:
        field_id = (attrs or {}).get("id") or f"id_{name}"
        remove = _("Remove")
        chips = mark_safe(  # noqa: S308 - every part escaped by format_html
            "".join(
                format_html(
                    '<span class="chip"><input type="hidden" name="{name}" value="{pk}">{label} '
                    '<button type="button" class="chip-remove" aria-label="{remove} {label}">'
                    "×</button></span>",
                    name=name,
                    pk=obj.pk,
                    label=str(obj),
                    remove=remove,
                )
                for obj in self._chosen(value)
            )
        )
        return format_html(
            '<span class="lookup lookup-many">'
            '<span class="chosen" id="{id}_chosen" aria-live="polite" data-testid="chosen">'
            "{chips}</span>"
            '<input type="search" name="q" form="no-form" id="{id}" list="{id}_list" '
            'autocomplete="off" placeholder="{hint}" data-lookup-many="{id}_chosen" '
            'data-name="{name}" data-remove="{remove}" hx-get="{url}" '
            'hx-trigger="input changed delay:250ms, focus once" hx-target="#{id}_list" '
            'hx-sync="this:replace" aria-label="{hint}">'
            '<datalist id="{id}_list"></datalist></span>',
            id=field_id,
            chips=chips,
            name=name,
            remove=remove,
            url=self.url,
            hint=_("Type to search…"),
        )


LOOKUP_LIMIT = 20  # the suggestions a record picker shows at most


def suggestions(request: HttpRequest, rows: Any) -> HttpResponse:
    """A record picker's suggestions (its lookup URL's answer): the first
    ``LOOKUP_LIMIT`` of ``rows``, each an option ending in “#<id>”."""
    return render(request, "ui/lookup_options.html", {"rows": rows[:LOOKUP_LIMIT]})
