"""One period definition: for every fiscal-year start, the API's quarters and years, the
KPI page's "this quarter" and "year to date", the forecast call's quarter and pay's
quarters and years are the same spans."""

from __future__ import annotations

import datetime as dt

import pytest

from koers.engine.periods import period_of
from koers.measure import periods as page
from koers.reward.services import period_of as pay_period

DAYS = [dt.date(2026, 12, 31), dt.date(2027, 1, 1), dt.date(2028, 2, 29), dt.date(2026, 12, 4)]


@pytest.mark.parametrize("start_month", range(1, 13))
def test_pages_api_and_pay_share_one_quarter_and_one_year(start_month, settings, cast, token):
    settings.KOERS_FISCAL_YEAR_START_MONTH = start_month
    from django.test import Client

    for day in DAYS:
        quarter, year = pay_period("quarter", day), pay_period("year", day)
        assert quarter == period_of("quarter", day, start_month)
        assert year[0].month == start_month and year[0] <= day <= year[1]
        assert quarter[0] >= year[0] and quarter[1] <= year[1] and quarter[0] <= day
        assert page.current("quarter", day).start == quarter[0]
        assert page.current("quarter", day).close == quarter[1]
        assert page.current("ytd", day).start == year[0]
        for grain, span in (("quarter", quarter), ("year", year)):
            answer = Client().get(
                "/api/v1/kpis/values",
                {"kpi": "revenue", "from": "2025-01-01", "to": "2029-12-31", "grain": grain},
                **token("dirk"),
            )
            assert answer.status_code == 200
            spans = [
                (dt.date.fromisoformat(v["period_start"]), dt.date.fromisoformat(v["period_end"]))
                for v in answer.json()["values"]
            ]
            assert span in spans, (grain, day, spans[:3])
