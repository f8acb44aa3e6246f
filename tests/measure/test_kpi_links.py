"""A KPI without records behind it (forecast accuracy, NPS) is shown without a link, never
as a link to /measure/kpis/None."""

from __future__ import annotations

import datetime as dt

import pytest

from koers.measure.services import kpi_facts_refresh


@pytest.mark.parametrize("who", ["dirk", "mia", "ruud"])
def test_no_kpi_links_to_none(cast, login, who):
    kpi_facts_refresh(start=dt.date(2025, 12, 1), end=dt.date(2026, 11, 30))
    client = login(cast.user(who))
    for query in ("", "?period=ytd", "?view=people", "?view=benchmark"):
        page = client.get("/measure/kpis/" + query).content.decode()
        assert 'href="None"' not in page and "forecast" in page.lower()
