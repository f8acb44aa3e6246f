"""Stored forecasts: the nightly fit of every unit, person and product group from the KPI
facts, what each role may open, the forecast and accuracy pages in Dutch, snapshots
measured against the months that closed since, the backtest, the command line, and the
plan pages' forecast to the year's end."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from koers.forecast import selectors, services
from koers.forecast.models import ForecastRun, ForecastValue, ForecastWeight
from koers.forecast.series import history
from koers.measure.models import KpiFact
from tests.forecast.history import FIRST, plant, revenue_cents

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def facts(cast):
    return plant(cast)


def test_the_history_is_the_kpi_pages(facts):
    frame = history("revenue", FIRST, dt.date(2026, 11, 1))
    noord = frame.filter(frame["series"] == f"unit:{facts.noord.pk}")
    company = frame.filter(frame["series"] == f"unit:{facts.company.pk}")
    ruud = frame.filter(frame["series"] == f"person:{facts.ruud.pk}")
    assert noord.height == 34
    # Noord is Ruud and Rosa; the company everyone
    jan = dt.date(2024, 1, 1)
    expected = (revenue_cents(jan, 1000, 0) + revenue_cents(jan, 800, 0)) / 100
    assert noord.filter(noord["period"] == jan)["value"].item() == pytest.approx(expected)
    assert company["value"].sum() == pytest.approx(
        sum(
            f.numerator
            for f in KpiFact.objects.filter(kpi="revenue", month__lt=dt.date(2026, 11, 1))
        )
        / 100
    )
    assert ruud.height == 34
    volume = history("volume", FIRST, dt.date(2024, 2, 1))
    assert volume.filter(volume["series"] == f"person:{facts.ruud.pk}")["value"].item() == 10.0


@pytest.mark.parametrize("kpi", ["revenue", "volume"])
def test_one_series_history_is_that_series_of_every_series(facts, kpi):
    """A page about one series reads its facts alone: the same months and values as
    that series among every series', for each unit, person and product group, and
    nothing for a key that names no series (a director, a missing unit)."""
    from koers.forecast.series import series_history
    from koers.org.models import Person

    first, before = dt.date(2025, 3, 1), dt.date(2026, 11, 1)
    every = history(kpi, first, before)
    keys = every["series"].unique().to_list()
    assert any(k.startswith("group:") for k in keys) and any(k.startswith("unit:") for k in keys)
    for key in keys:
        expected = every.filter(every["series"] == key).sort("period")
        got = series_history(key, kpi, first, before)
        assert got["period"].to_list() == expected["period"].to_list()
        assert got["value"].to_list() == pytest.approx(expected["value"].to_list())
    director = Person.objects.get(role="director")
    for nothing in (f"person:{director.pk}", "unit:999999", "unit:x", "group:999999"):
        assert series_history(nothing, kpi, first, before).is_empty()


def test_the_nightly_fit_stores_every_series_and_keeps_only_the_latest(facts):
    run = services.fit(today=TODAY)
    assert run.as_of == dt.date(2026, 11, 1) and run.horizon == 12
    keys = set(ForecastValue.objects.filter(run=run).values_list("series", flat=True))
    assert {f"unit:{facts.noord.pk}", f"person:{facts.ruud.pk}", f"unit:{facts.company.pk}"} <= keys
    months = sorted(
        set(
            ForecastValue.objects.filter(run=run, series=f"unit:{facts.noord.pk}").values_list(
                "month", flat=True
            )
        )
    )
    assert months[0] == dt.date(2026, 11, 1) and len(months) == 12
    weights = ForecastWeight.objects.filter(run=run, series=f"unit:{facts.noord.pk}", kpi="revenue")
    assert sum(w.weight for w in weights) == pytest.approx(1.0)
    again = services.fit(today=TODAY)
    assert list(ForecastRun.objects.filter(kind="fit")) == [again]


def test_the_stored_forecasts_are_the_engines_to_the_last_bit(facts):
    """The fit and the backtest are written in one bulk write: every value, bound, weight
    and error as the engine gave it, floats exact."""
    from koers.engine import forecast as engine

    run = services.fit(today=TODAY, scopes=("unit",))
    frame = engine.pad_to(
        services._history("revenue", dt.date(2026, 11, 1), ("unit",)), dt.date(2026, 10, 1)
    )
    result = engine.fit(frame, horizon=run.horizon)
    stored = ForecastValue.objects.filter(run=run, kpi="revenue")
    assert sorted(stored.values_list("series", "month", "method", "value", "lo", "hi")) == sorted(
        result.forecasts.iter_rows()
    )
    weights = ForecastWeight.objects.filter(run=run, kpi="revenue")
    assert sorted(weights.values_list("series", "method", "smape", "weight")) == sorted(
        result.weights.iter_rows(), key=lambda r: (r[0], r[1])
    )
    assert weights.filter(smape__isnull=True).count() == result.weights["smape"].null_count()
    test = services.backtest(today=TODAY, origins=2, months_ahead=2, scopes=("unit",))
    expected = engine.backtest(
        services._history("revenue", dt.date(2026, 11, 1), ("unit",)),
        horizon=2,
        origins=[dt.date(2026, 8, 1), dt.date(2026, 9, 1)],
    )
    rows = ForecastValue.objects.filter(run=test, kpi="revenue").values_list(
        "origin", "series", "month", "method", "value", "actual"
    )
    assert sorted(rows) == sorted(expected.iter_rows())


def test_a_snapshot_is_measured_once_its_months_have_closed(facts):
    # frozen on 1 August: forecasts August onwards from the months before
    snap = services.snapshot(today=dt.date(2026, 8, 1))
    assert snap.as_of == dt.date(2026, 8, 1)
    seen = ForecastValue.objects.filter(run=snap, month__lt=dt.date(2026, 8, 1))
    assert not seen.exists()
    accuracy = selectors.snapshot_accuracy(TODAY, by=("method",))
    combined = accuracy.filter(accuracy["method"] == "combined").row(0, named=True)
    # August, September and October have closed for each series (November has not)
    series = (
        ForecastValue.objects.filter(run=snap, kpi="revenue").values("series").distinct().count()
    )
    assert combined["months"] == 3 * series
    assert combined["mape"] < 15  # a smooth history forecasts well


def test_the_backtest_sees_only_the_past(facts):
    run = services.backtest(today=TODAY, origins=3, months_ahead=2)
    origins = sorted(set(ForecastValue.objects.filter(run=run).values_list("origin", flat=True)))
    assert origins == [dt.date(2026, 7, 1), dt.date(2026, 8, 1), dt.date(2026, 9, 1)]
    row = ForecastValue.objects.filter(
        run=run,
        series=f"unit:{facts.noord.pk}",
        kpi="revenue",
        origin=dt.date(2026, 9, 1),
        method="seasonal_naive",
        month=dt.date(2026, 10, 1),
    ).get()
    # seasonal naive: October 2025, as it was; the actual: October 2026
    noord = KpiFact.objects.filter(kpi="revenue", person__unit=facts.noord)
    assert row.value == pytest.approx(
        sum(f.numerator for f in noord.filter(month=dt.date(2025, 10, 1))) / 100
    )
    assert row.actual == pytest.approx(
        sum(f.numerator for f in noord.filter(month=dt.date(2026, 10, 1))) / 100
    )
    table = selectors.backtest_accuracy()
    assert set(table["method"]) == {"seasonal_naive", "ets", "theta", "arima", "trend", "combined"}


def test_the_command_line(facts, tmp_path):
    out = io.StringIO()
    call_command("forecast", "fit", today=TODAY, stdout=out)
    assert "series from 2026-11, 12 months ahead" in out.getvalue()
    report = tmp_path / "backtest.md"
    call_command(
        "forecast", "backtest", today=TODAY, origins=2, ahead=2, report=report, stdout=io.StringIO()
    )
    text = report.read_text()
    assert "| combined |" in text and "Revenue, per method" in text
    call_command("forecast", "snapshot", today=dt.date(2026, 10, 1), stdout=io.StringIO())
    out = io.StringIO()
    call_command("forecast", "accuracy", today=TODAY, stdout=out)
    assert "| combined |" in out.getvalue()


@pytest.mark.parametrize(
    ("who", "opens", "refused"),
    [
        ("dirk", ["unit:company", "person:ruud", "group"], []),
        ("mia", ["unit:noord", "person:ruud", "person:rosa"], ["person:rik", "unit:zuid", "group"]),
        ("ruud", ["person:ruud", "unit:noord"], ["person:rosa", "unit:company", "group"]),
    ],
)
def test_who_opens_which_forecast(facts, login, who, opens, refused):
    services.fit(today=TODAY)
    keys = {
        "unit:company": f"unit:{facts.company.pk}",
        "unit:noord": f"unit:{facts.noord.pk}",
        "unit:zuid": f"unit:{facts.zuid.pk}",
        "person:ruud": f"person:{facts.ruud.pk}",
        "person:rosa": f"person:{facts.rosa.pk}",
        "person:rik": f"person:{facts.rik.pk}",
        "group": f"group:{facts.product.group_id}",
    }
    client = login(facts.user(who))
    for name in opens:
        page = client.get(reverse("forecast"), {"series": keys[name]}, HTTP_ACCEPT_LANGUAGE="nl")
        assert page.status_code == 200, name
        assert 'data-testid="forecast-table"' in page.content.decode(), name
    for name in refused:
        page = client.get(reverse("forecast"), {"series": keys[name]})
        assert page.status_code == 400, name
        assert 'data-testid="forecast-table"' not in page.content.decode(), name


def test_the_page_in_dutch_and_its_default(facts, login):
    services.fit(today=TODAY)
    page = login(facts.user("mia")).get(reverse("forecast"), HTTP_ACCEPT_LANGUAGE="nl")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Gecombineerd" in text and "november 2026" in text
    assert f'value="unit:{facts.noord.pk}" selected' in text  # her own team first
    # the combined value shown is the stored one, in Dutch
    value = ForecastValue.objects.get(
        run=selectors.latest(),
        series=f"unit:{facts.noord.pk}",
        kpi="revenue",
        method="combined",
        month=dt.date(2026, 11, 1),
    ).value
    assert f"{round(value):,}".replace(",", ".") in text
    # the year so far is an amount, in the page's money format, never a bare number
    sold = re.search(r"tot nu toe verkocht: ([^<]*)<", text).group(1)
    assert sold.startswith("€ ") and re.fullmatch(r"€ \d{1,3}(\.\d{3})*", sold), sold


def test_fit_now_is_for_directors_and_administrators(facts, login):
    page = login(facts.user("dirk")).get(reverse("forecast"))
    assert 'data-testid="fit-now"' in page.content.decode()
    assert login(facts.user("mia")).post(reverse("forecast")).status_code == 403
    assert not ForecastRun.objects.exists()
    assert login(facts.user("dirk")).post(reverse("forecast")).status_code == 302
    assert ForecastRun.objects.filter(kind="fit").count() == 1
    # the fit also trained the win probability: its page's first view need not wait
    from koers.forecast import scoring

    assert scoring.kept_model() is not None


def test_the_accuracy_page(facts, login):
    services.snapshot(today=dt.date(2026, 9, 1))
    services.backtest(today=TODAY, origins=2, months_ahead=2)
    page = login(facts.user("mia")).get(reverse("forecast_accuracy"), HTTP_ACCEPT_LANGUAGE="nl")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="snapshot-accuracy"' in text and 'data-testid="backtest-accuracy"' in text
    # Mia sees her team and its people, not Rik
    assert "Ruud" in text and "Rik" not in text
    # the per-series table (kept as HTML) in the reader's language, the same when read again
    table = text[text.index('data-testid="series-accuracy"') :]
    assert "Persoon: Ruud" in table[: table.index("</table>")]
    again = login(facts.user("mia")).get(reverse("forecast_accuracy"), HTTP_ACCEPT_LANGUAGE="nl")
    assert again.content.decode().count("Persoon: ") == text.count("Persoon: ")


def test_the_plans_show_the_forecast_to_the_years_end(facts, login):
    from koers.plan.models import AnnualPlan, IndividualPlan
    from koers.ui.summaries import annual_plan_summary, individual_plan_summary

    plan = AnnualPlan.objects.create(unit=facts.noord, year=2026)
    mine = IndividualPlan.objects.create(person=facts.ruud, year=2026, annual=plan)
    labels = [t["label"] for t in annual_plan_summary(facts.user("dirk"), plan, TODAY)["tiles"]]
    assert "Forecast for the year's end" not in labels  # nothing fitted yet
    services.fit(today=TODAY)
    tiles = {t["label"]: t for t in annual_plan_summary(facts.user("dirk"), plan, TODAY)["tiles"]}
    assert "Forecast for the year's end" in tiles
    ahead = selectors.to_period_end(
        f"unit:{facts.noord.pk}", "revenue", dt.date(2026, 1, 1), dt.date(2026, 12, 31), TODAY, 0.0
    )
    december = selectors.combined_between(
        f"unit:{facts.noord.pk}", "revenue", dt.date(2026, 12, 1), dt.date(2026, 12, 1)
    )
    assert ahead >= december > 0
    person = {t["label"] for t in individual_plan_summary(facts.user("ruud"), mine, TODAY)["tiles"]}
    assert "Forecast for the year's end" in person


def test_the_page_shows_the_pace_of_the_month_and_the_year(facts, login):
    import time_machine

    from koers.forecast.selectors import pace

    services.fit(today=TODAY)
    key = f"unit:{facts.noord.pk}"
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False):
        figures = pace(key, "revenue", TODAY)
        page = login(facts.user("mia")).get(reverse("forecast"), {"series": key})
    november = sum(revenue_cents(dt.date(2026, 11, 1), base, 34) for base in (1000, 800)) / 100
    assert figures.month_sold == pytest.approx(november)
    # per working day: 15 gone to Friday 20 November, 21 in the month
    assert figures.month_run_rate == pytest.approx(november / 15 * 21)
    combined = selectors.combined_between(
        key, "revenue", dt.date(2026, 11, 1), dt.date(2026, 11, 1)
    )
    assert figures.month_forecast == pytest.approx(max(combined, november))
    december = selectors.combined_between(
        key, "revenue", dt.date(2026, 12, 1), dt.date(2026, 12, 1)
    )
    assert figures.year_forecast == pytest.approx(
        figures.year_sold + december + max(combined - november, 0)
    )
    assert 'data-testid="pace"' in page.content.decode()


def test_a_director_runs_a_backtest_from_the_page_and_sees_the_trend(facts, login):
    services.snapshot(today=dt.date(2026, 8, 1))
    services.snapshot(today=dt.date(2026, 9, 1))
    assert login(facts.user("mia")).post(reverse("forecast_accuracy")).status_code == 403
    assert not ForecastRun.objects.filter(kind="backtest").exists()
    assert login(facts.user("dirk")).post(reverse("forecast_accuracy")).status_code == 302
    assert ForecastRun.objects.filter(kind="backtest").count() == 1
    page = login(facts.user("dirk")).get(reverse("forecast_accuracy"))
    text = page.content.decode()
    assert 'data-testid="accuracy-trend"' in text and 'data-testid="run-backtest"' in text


def test_the_accuracy_page_is_measured_once_until_the_forecasts_change(facts, login, monkeypatch):
    """Every snapshot's forecasts are measured once per scope and kept: a second view reads
    them; a new snapshot is measured at once."""
    services.snapshot(today=dt.date(2026, 9, 1))
    measured = []
    real = selectors.snapshot_forecasts
    monkeypatch.setattr(selectors, "snapshot_forecasts", lambda *a: measured.append(a) or real(*a))
    mia = login(facts.user("mia"))
    first = mia.get(reverse("forecast_accuracy")).content.decode()
    again = mia.get(reverse("forecast_accuracy")).content.decode()
    table = 'data-testid="snapshot-accuracy"'
    assert again[again.index(table) :] == first[first.index(table) :]
    assert len(measured) == 1
    services.snapshot(today=dt.date(2026, 10, 1))
    assert mia.get(reverse("forecast_accuracy")).status_code == 200
    assert len(measured) == 2
    login(facts.user("dirk")).get(reverse("forecast_accuracy"))  # another scope
    assert len(measured) == 3
