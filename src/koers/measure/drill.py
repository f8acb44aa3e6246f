"""From a KPI figure down to its records: which list, which dates, which filters."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from koers.measure.catalogue import custom_kpis
from koers.measure.models import CustomKpi
from koers.sales.models import Account

# Where each built-in KPI's records are: list, the date it is counted by, further filters.
DRILL: dict[str, tuple[str, str, dict[str, str]]] = {
    "visits": ("activities", "date", {"kind": "visit"}),
    "calls": ("activities", "date", {"kind": "call"}),
    "meetings": ("activities", "date", {"kind": "meeting"}),
    "quotes": ("activities", "date", {"kind": "quote"}),
    "leads": ("leads", "created_on", {}),
    "marketing_leads": ("leads", "created_on", {"source": "marketing"}),
    "sales_leads": ("activities", "date", {"kind": "lead"}),
    "new_business_time": ("activities", "date", {}),
    "new_opportunities": ("opportunities", "created_on", {}),
    **{
        code: ("opportunities", "closed_on", {})
        for code in ("won_deals", "win_rate", "avg_deal_size", "sales_cycle", "new_customers")
    },
    **{
        code: ("orders", "order_date", {})
        for code in ("revenue", "gross_margin", "margin_pct", "volume")
    },
    "dso": ("orders", "paid_date", {}),
    "nps": ("nps", "responded_on", {}),
}

# A custom measure's source: its list and the date it counts by.
SOURCE_LISTS = {
    CustomKpi.Source.ACTIVITIES: ("activities", "date"),
    CustomKpi.Source.ORDERS: ("orders", "order_date"),
    CustomKpi.Source.OPPORTUNITIES_CREATED: ("opportunities", "created_on"),
    CustomKpi.Source.OPPORTUNITIES_WON: ("opportunities", "closed_on"),
    CustomKpi.Source.LEADS: ("leads", "created_on"),
}


def _custom(code: str) -> CustomKpi | None:
    return next((c for c in custom_kpis() if c.code == code), None)


def _target(code: str, depth: int = 0) -> tuple[str, str, dict[str, str]] | None:
    if code in DRILL:
        return DRILL[code]
    custom = _custom(code)
    if custom is None or depth > 3:
        return None
    if custom.kind == CustomKpi.Kind.RATIO:  # the records behind the numerator
        return _target(custom.numerator, depth + 1)
    slug, date_field = SOURCE_LISTS[custom.source]
    return slug, date_field, {"kpi": custom.code}


def records_url(
    code: str,
    start: dt.date,
    end: dt.date,
    *,
    person_id: int | None = None,
    unit_id: int | None = None,
) -> str | None:
    """The list of the records behind a KPI in the period, for one person or unit if
    given; the list shows only what the viewer may see, which is the KPI's scope."""
    target = _target(code)
    if target is None:
        return None
    slug, date_field, extra = target
    query = {
        f"{date_field}__gte": start.isoformat(),
        f"{date_field}__lte": end.isoformat(),
        **extra,
    }
    if person_id is not None:
        query["for_person"] = str(person_id)
    if unit_id is not None:
        query["for_unit"] = str(unit_id)
    return f"{reverse('entity_list', args=[slug])}?{urlencode(query)}"


def kpi_condition(slug: str, code: str) -> tuple[CustomKpi, Q] | None:
    """The records of list ``slug`` that a custom measure KPI counts (None when the KPI is
    not a custom measure over that list)."""
    custom = _custom(code)
    if custom is None or custom.kind != CustomKpi.Kind.MEASURE:
        return None
    if SOURCE_LISTS.get(custom.source, ("",))[0] != slug:
        return None
    q = Q()
    account = "account__"
    if custom.source == CustomKpi.Source.OPPORTUNITIES_WON:
        q &= Q(stage__kind="won", closed_on__isnull=False)
    if custom.activity_kind:
        q &= Q(kind=custom.activity_kind)
    if custom.product_group_id:
        group = "product__group" if slug == "orders" else "product_group"
        q &= Q(**{group: custom.product_group_id})
    if custom.segment:
        q &= Q(**{f"{account}segment": custom.segment})
    if custom.business and slug == "opportunities":
        q &= Q(is_new_business=custom.business == CustomKpi.Business.NEW)
    elif custom.business:
        new = Q(**{f"{account}lifecycle__in": Account.NEW_BUSINESS})
        q &= new if custom.business == CustomKpi.Business.NEW else ~new & Q(account__isnull=False)
    if custom.lead_source:
        q &= Q(source=custom.lead_source)
    return custom, q
