"""Record tables and pages (``{% load records %}``): a cell of a record, linked when the
reader may open what it refers to; column labels; a record's address; a KPI's name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.db.models import Model
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from koers.kit.templatetags.koers import kpi_value, money
from koers.ui.entities import field_value, slug_for_model

register = template.Library()

# fields with two decimals that are not amounts
NOT_MONEY = {"fte", "percent", "weight", "score", "share", "probability"}


def _may_open(context: Any, record: Model) -> bool:
    """May the reader open ``record``'s page? (A manager sees her unit's name, not a link
    to the country above it that she may not open.) Each kind is looked up once a page."""
    from koers.org import visibility as vis
    from koers.ui.entities import selector_for_model

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or vis.sees_everything(user):
        return True
    cache = request.__dict__.setdefault("_koers_openable", {})
    model = type(record)
    known = cache.setdefault(model, {})
    if record.pk not in known:
        selector = selector_for_model(model)
        # the records of this kind the page refers to, looked up together (not every one
        # the reader may see: 1.4 million leads for marketing)
        wanted = _referred(context, model) | {record.pk}
        openable = (
            set(selector(user).filter(pk__in=wanted).values_list("pk", flat=True))
            if selector
            else set()
        )
        known.update({pk: pk in openable for pk in wanted})
    return known[record.pk]


def _referred(context: Any, model: type[Model]) -> set[Any]:
    """The ids of the ``model`` records the rows of the list page in ``context`` show in
    its columns (none on another page)."""
    page, entity = context.get("page"), context.get("entity")
    rows = getattr(page, "object_list", None)
    if rows is None or entity is None:
        return set()
    found = set()
    for row in rows:
        for name in entity.columns:
            value = getattr(row, name, None) if "__" not in name else None
            if isinstance(value, model):
                found.add(value.pk)
    return found


@register.simple_tag(takes_context=True)
def cell(context: Any, obj: Model, name: str, hidden: Any = None) -> str:
    """One table cell or detail value: linked when it is a record the user can open, its
    name alone when not."""
    if hidden and name in {"base_salary", "currency"} and obj.pk in hidden:
        return format_html('<span class="muted" title="{}">•••</span>', _("hidden"))
    value, field = field_value(obj, name)
    if isinstance(value, Model):
        slug = slug_for_model(type(value))
        if slug and _may_open(context, value):
            return format_html(
                '<a href="{}">{}</a>', reverse("entity_detail", args=[slug, value.pk]), value
            )
        return str(value)
    if value is None or value == "":
        return "–"
    if name == "kpi" or name.endswith("_kpi"):  # a KPI by its name, not its code
        from koers.measure.catalogue import kpi_name

        return kpi_name(str(value))
    if name == "value" and isinstance(getattr(obj, "kpi", None), str):  # a target
        from koers.measure.catalogue import definitions

        known = definitions().get(obj.kpi)  # type: ignore[attr-defined]
        if known is not None:
            return kpi_value(value, known.unit)
    if isinstance(value, bool):
        return "✓" if value else "–"
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        is_money = getattr(field, "decimal_places", 0) == 2 and name not in NOT_MONEY
        if field is not None and is_money:
            return money(value, getattr(obj, "currency", "EUR"))
        return formats.number_format(value, 2 if "pct" in name else None, use_l10n=True)
    return str(value)


@register.simple_tag
def column_label(model: type[Model], name: str) -> str:
    try:
        return capfirst(str(model._meta.get_field(name).verbose_name))
    except Exception:
        labels = {
            "full_name": _("Name"),
            "margin_pct": _("Margin %"),
            "gross_margin": _("Gross margin"),
        }
        return str(labels.get(name, capfirst(name.replace("_", " "))))


@register.simple_tag
def detail_url(entity_slug: str, obj: Model) -> str:
    return reverse("entity_detail", args=[entity_slug, obj.pk])


@register.simple_tag
def kpi_label(code: str) -> str:
    """A KPI's name in the reader's language."""
    from koers.measure.catalogue import kpi_name

    return kpi_name(code)
