"""Statistics that say which number to trust: one headline with its range and the method
the series' own backtest picks, measures explained where they are shown, chances that did
not come true flagged, directions said in words."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from koers.engine import forecast as engine
from koers.engine.win_model import off_by, reliability
from koers.forecast import services
from koers.forecast.views import best_method
from tests.forecast.history import plant

TODAY = dt.date(2026, 11, 20)


def _w(method, smape):
    return SimpleNamespace(method=method, smape=smape)


def test_the_backtest_of_the_series_picks_the_method_to_lead_with():
    assert best_method([_w("ets", 6.0), _w("theta", 12.0), _w("naive", 20.0)]) == (
        "ets",
        6.0,
        12.0,
    )
    # no method clearly best: the combined forecast, with the two best errors to say so
    assert best_method([_w("ets", 9.0), _w("theta", 10.0)]) == (engine.COMBINED, 9.0, 10.0)
    assert best_method([_w("ets", None), _w("theta", None)]) == (engine.COMBINED, None, None)


def test_the_forecast_page_leads_with_one_number_and_its_range(cast, login):
    plant(cast)
    key = f"unit:{cast.noord.pk}"
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False):
        services.fit(today=TODAY)
        page = (
            login(cast.user("mia"))
            .get(reverse("forecast"), {"series": key}, HTTP_ACCEPT_LANGUAGE="nl")
            .content.decode()
        )
    headline = re.search(r'data-testid="headline">(.*?)</section>', page, re.S).group(1)
    words = re.sub(r"<[^>]+>", "", headline)
    assert re.search(r"November eindigt rond € [\d.]+: waarschijnlijk tussen € [\d.]+ en", words)
    assert "sMAPE" in words and "Gebruik dit getal" in words
    assert 'data-testid="glossary"' in headline


def test_chances_that_did_not_come_true_are_flagged():
    assert off_by(0.77, 0.44, 60) == "high"  # too optimistic: the top range
    assert off_by(0.30, 0.55, 60) == "low"
    assert off_by(0.77, 0.72, 60) is None  # within ten points
    assert off_by(0.77, 0.44, 5) is None  # too few deals to tell
    rows = reliability([0.75] * 40 + [0.15] * 40, [1] * 12 + [0] * 28 + [0] * 34 + [1] * 6)
    assert [r["off"] for r in rows] == [None, "high"]


def test_a_score_deviates_in_points_not_percent():
    from koers.measure.analysis import _points

    assert _points("nps", -20.0, 5.0) == -25  # not −500%
    assert _points("win_rate", 20.0, 31.0) == -11
    assert _points("revenue", 500.0, 1000.0) is None  # amounts stay in percent


def test_measures_are_explained_in_the_readers_language():
    from django.template import Context, Template
    from django.utils import translation

    tag = Template('{% load koers %}{% explain "mape" "bias" "brier" "did" "se" %}')
    with translation.override("nl"):
        text = tag.render(Context())
    assert "<dt>MAPE</dt>" in text and "<dt>Brier-score</dt>" in text
    assert "te hoog (te rooskleurig)" in text and "Verschil in verschillen" in text


@pytest.mark.parametrize("gap, words", [("500", "€ 500 short"), ("-300", "€ 300 above")])
def test_the_gap_to_target_is_said_as_short_or_above(cast, login, gap, words):
    from decimal import Decimal

    from koers.forecast.models import ForecastCall
    from koers.plan.models import Target

    Target.objects.create(
        kpi="revenue", person=cast.ruud, month=dt.date(2026, 11, 1), value=Decimal(1000)
    )
    commit = Decimal(1000) - Decimal(gap)
    ForecastCall.objects.create(
        person=cast.ruud,
        month=dt.date(2026, 11, 1),
        commit=commit,
        best_case=commit,
        pipeline=commit,
        submitted_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
    )
    page = login(cast.user("mia")).get(reverse("forecast_calls")).content.decode()
    row = (
        page.split(f'data-person="{cast.ruud.pk}"')[1].split("</tr>")[0]
        if (f'data-person="{cast.ruud.pk}"' in page)
        else page
    )
    assert words in row
