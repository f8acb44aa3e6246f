"""Pages that work out "this month", "this quarter" or "year to date" from today's date
work on every day of the year: first and last days of months and years, and 29 February."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils.formats import date_format

from koers.measure.periods import current

DATES = [
    dt.date(2026, 12, 1),
    dt.date(2026, 12, 31),
    dt.date(2027, 1, 1),
    dt.date(2027, 3, 31),
    dt.date(2028, 2, 29),
    dt.date(2028, 3, 1),
]
PAGES = ["home", "kpis", "customers", "deviations", "statement", "reward_game", "reward_runs"]


def _at_noon(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("Europe/Amsterdam"))


@pytest.mark.parametrize("day", DATES, ids=str)
def test_pages_work_out_their_periods_on_any_day(cast, login, day):
    with time_machine.travel(_at_noon(day), tick=False):
        client = login(cast.user("dirk"))
        for name in PAGES:
            assert client.get(reverse(name)).status_code == 200, (day, name)
        for period in ("month", "quarter", "ytd"):
            start, end = current(period, day).start, current(period, day).end
            page = client.get(reverse("kpis"), {"period": period}).content.decode()
            shown = f"{date_format(start, 'DATE_FORMAT')} – {date_format(end, 'DATE_FORMAT')}"
            assert shown in page, (day, period)


@pytest.mark.parametrize(
    ("day", "period", "expected"),
    [
        (dt.date(2026, 12, 1), "month", (dt.date(2026, 12, 1), dt.date(2026, 11, 1))),
        (dt.date(2027, 1, 1), "quarter", (dt.date(2027, 1, 1), dt.date(2026, 10, 1))),
        (dt.date(2028, 2, 29), "month", (dt.date(2028, 2, 1), dt.date(2028, 1, 1))),
        (dt.date(2028, 3, 1), "quarter", (dt.date(2028, 1, 1), dt.date(2027, 10, 1))),
        (dt.date(2026, 12, 31), "ytd", (dt.date(2026, 1, 1), dt.date(2025, 1, 1))),
    ],
)
def test_period_bounds_on_edge_days(day, period, expected):
    span = current(period, day)
    assert (span.start, span.comparison()[0]) == expected
    assert span.end == day
