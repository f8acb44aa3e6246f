"""`koers refresh-kpis`: every month that has data, and it says which."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command

from koers.measure.models import KpiFact
from tests.conftest import sale


def _refresh(*args: str) -> str:
    out = io.StringIO()
    call_command("refresh-kpis", *args, stdout=out)
    return out.getvalue()


def test_refresh_covers_every_month_that_has_data_however_old(cast):
    sale(cast, cast.ruud, "SO-2016", dt.date(2016, 3, 9), "250.00")
    said = _refresh()
    assert "for the months 2016-03 to 2026-11." in said
    march = KpiFact.objects.get(kpi="revenue", person=cast.ruud, month=dt.date(2016, 3, 1))
    assert march.numerator == 25_000
    assert KpiFact.objects.filter(kpi="revenue", month=dt.date(2026, 11, 1)).count() == 3


def test_refresh_of_the_last_months_only(cast):
    said = _refresh("--months", "2")
    assert "for the months 2026-10 to 2026-11." in said
    assert not KpiFact.objects.filter(month__lt=dt.date(2026, 10, 1)).exists()
    assert KpiFact.objects.filter(kpi="revenue", month=dt.date(2026, 11, 1)).exists()


def test_refresh_without_data_says_so_and_fails_nothing(db):
    said = _refresh()
    assert said.startswith("0 KPI facts for the months 2026-11 to 2026-11.")
