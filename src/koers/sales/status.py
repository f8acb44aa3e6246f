"""Which order lines count as revenue: those whose status ``KOERS_REVENUE_STATUSES`` names
(ordered, shipped and invoiced unless set otherwise); a cancelled line never counts. Every
query that adds up order lines for revenue, credit or pay filters with ``counted_sql``."""

from __future__ import annotations

from koers.org.setup import revenue_statuses
from koers.sales.models import OrderLine

NEVER = {OrderLine.Status.CANCELLED}


def counted_statuses() -> list[str]:
    known = {s.value for s in OrderLine.Status}
    return sorted((set(revenue_statuses()) & known) - NEVER)


def counted_sql(alias: str = "l") -> str:
    """A SQL condition on the order line ``alias``: its status counts. The values come
    from the fixed list of statuses, never from input."""
    values = ", ".join(f"'{s}'" for s in counted_statuses()) or "NULL"
    return f"{alias}.status IN ({values})"
