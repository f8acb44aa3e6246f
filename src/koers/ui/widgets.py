"""A searchable record picker: type a few letters, choose from the records you may see.

Renders a hidden input holding the id and a search box whose suggestions come from
``/data/<slug>/lookup/`` via HTMX; every suggestion ends in “#<id>”, which koers.js
copies into the hidden input.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


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
