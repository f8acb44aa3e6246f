"""Plan and Forecast at the year's end: on 1 and 31 December, on 1 January and in a fiscal
year that starts in April, each figure the pages show against its source: the targets set,
the open round's numbers, the forecast, the sales."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from koers.engine.periods import add_months, pace
from koers.measure.services import kpi_facts_refresh
from koers.plan import horizon
from koers.plan.models import LongTermPlan, Target
from koers.plan.services import season_of, year_start
from tests.conftest import open_round, sale

D = dt.date
NOON = dt.time(12)


def at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, NOON, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def year_end(cast):
    """A year of sales (a busy March, a quiet August), this year's targets set for Ruud
    and Rosa (€ 10,000 a month each), and next year's round open at € 600,000."""
    for month in range(12):
        day = add_months(D(2025, 12, 1), month)
        amount = {3: "9000.00", 8: "1000.00"}.get(day.month, "4000.00")
        sale(cast, cast.ruud, f"SO-R{month}", day.replace(day=10), amount)
        sale(cast, cast.rosa, f"SO-S{month}", day.replace(day=12), amount)
    kpi_facts_refresh(start=D(2025, 1, 1), end=D(2026, 12, 31))
    for person in (cast.ruud, cast.rosa):
        Target.objects.bulk_create(
            Target(kpi="revenue", person=person, month=D(2026, m, 1), value=Decimal(10_000))
            for m in range(1, 13)
        )
    open_round(cast, 600_000)
    return cast


def _company_model(cast, login) -> str:
    """The director's driver model of the whole company, as the page shows it."""
    client = login(cast.user("dirk"))
    return client.get(reverse("plan_drivers"), {"unit": cast.company.pk}).content.decode()


def _driver_rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-source="(\w+)"><td>([^<]+)</td>', page)


@pytest.mark.parametrize("today", [D(2026, 12, 1), D(2026, 12, 31)])
def test_in_december_next_year_takes_the_open_round_not_zero(year_end, login, today):
    from koers.org.models import OrgUnit, Person

    people = Person.objects.filter(
        unit__in=OrgUnit.objects.subtree_of(year_end.company), role__in=["salesperson", "manager"]
    )
    with at(today):
        page = _company_model(year_end, login)
        months = horizon.revenue_months(people, year_end.company, D(2026, 12, 1), today)
        season = season_of("revenue", year_start(2027), today)
    rows = _driver_rows(page)
    assert [source for source, _month in rows] == ["target"] + ["round"] * 11
    assert rows[0][1] == "December 2026" and rows[-1][1] == "November 2027"
    # December: the targets set (Ruud and Rosa); January–November: the round's € 600,000
    # by the season of the last twelve full months (December 2026 is not over)
    assert months[0].value == 20_000
    expected = [600_000 * w / sum(season) for w in season[:11]]
    assert [m.value for m in months[1:]] == pytest.approx(expected)
    assert "open round: January 2027 – November 2027" in page
    assert all(m.value > 0 for m in months)


def test_on_new_years_day_the_whole_year_is_the_round(year_end, login):
    with at(D(2027, 1, 1)):
        page = _company_model(year_end, login)
    rows = _driver_rows(page)
    assert [s for s, _m in rows] == ["round"] * 12
    total = re.search(r'data-testid="model-target">([^<]+)<', page).group(1)
    assert total == "€ 600,000"  # the round's total, spread and summed back


def test_a_fiscal_year_from_april_mixes_this_years_targets_and_next_years_round(
    year_end, login, settings
):
    settings.KOERS_FISCAL_YEAR_START_MONTH = 4
    # fiscal 2026 runs April 2026 – March 2027: its targets for January–March 2027
    for person in (year_end.ruud, year_end.rosa):
        Target.objects.bulk_create(
            Target(kpi="revenue", person=person, month=D(2027, m, 1), value=Decimal(5_000))
            for m in (1, 2, 3)
        )
    from koers.plan.models import TargetRound

    TargetRound.objects.all().delete()
    open_round(year_end, 480_000)
    with at(D(2026, 12, 4)):
        page = _company_model(year_end, login)
    rows = _driver_rows(page)
    assert [s for s, _m in rows] == ["target"] * 4 + ["round"] * 8
    assert rows[4][1] == "April 2027"  # fiscal 2027 starts in April


def test_the_long_term_plan_shows_next_years_round_as_its_target(year_end, login):
    plan = LongTermPlan.objects.create(
        unit=year_end.company, title="Koers 2030", first_year=2026, last_year=2030
    )
    with at(D(2026, 12, 4)):
        page = (
            login(year_end.user("dirk"))
            .get(reverse("entity_detail", args=["long-term-plans", plan.pk]))
            .content.decode()
        )
    tiles = re.search(r'data-testid="key-figures">(.*?)</ul>', page, re.S).group(1)
    tile_2026 = re.search(r"2026</span>.*?</li>", tiles, re.S).group(0)
    tile_2027 = re.search(r"2027</span>.*?</li>", tiles, re.S).group(0)
    assert "target € 240,000" in tile_2026  # 2 × 12 × € 10,000 set
    assert "target € 600,000" in tile_2027 and "open round" in tile_2027
    assert "target –" in re.search(r"2029</span>.*?</li>", tiles, re.S).group(0)


@pytest.mark.parametrize("today", [D(2026, 12, 4), D(2026, 12, 31)])
def test_at_this_pace_counts_the_working_days_gone(year_end, login, today):
    from koers.plan.models import IndividualPlan

    plan = IndividualPlan.objects.create(person=year_end.ruud, year=2026)
    with at(today):
        page = (
            login(year_end.user("ruud"))
            .get(reverse("entity_detail", args=["individual-plans", plan.pk]))
            .content.decode()
        )
    # January–November 2026 (December 2025 is last year) and the cast's € 1,000 of 2 November
    sold = 9 * 4000 + 9000 + 1000 + 1000
    expected = pace(sold, D(2026, 1, 1), D(2026, 12, 31), today)
    tiles = re.search(r'data-testid="key-figures">(.*?)</ul>', page, re.S).group(1)
    shown = re.search(r"At this pace, by the year&#x27;s end</span>\s*<span[^>]*>([^<]+)<", tiles)
    assert shown.group(1) == f"€ {round(expected):,}"
    if today == D(2026, 12, 4):  # four days of December are not a month: above to date
        assert expected > sold
    else:  # the year is over: the pace is what was sold
        assert expected == sold


@pytest.mark.parametrize(
    "today, start_month",
    [(D(2026, 12, 1), 1), (D(2026, 12, 31), 1), (D(2027, 1, 1), 1), (D(2026, 12, 4), 4)],
)
def test_the_forecast_page_paces_the_fiscal_year_by_working_days(
    year_end, login, settings, today, start_month
):
    from koers.engine.periods import fiscal_year_start, month_start
    from koers.forecast import services
    from koers.forecast.selectors import pace as series_pace

    settings.KOERS_FISCAL_YEAR_START_MONTH = start_month
    key = f"person:{year_end.ruud.pk}"
    with at(today):
        services.fit(today=today, scopes=("person",))
        figures = series_pace(key, "revenue", today)
        page = (
            login(year_end.user("ruud"))
            .get(reverse("forecast"), {"series": key}, HTTP_ACCEPT_LANGUAGE="nl")
            .content.decode()
        )
    first = fiscal_year_start(today, start_month)
    last = add_months(first, 12) - dt.timedelta(days=1)
    assert figures.year == first.year
    assert figures.year_run_rate == pytest.approx(pace(figures.year_sold, first, last, today))
    this_month = month_start(today)
    month_last = add_months(this_month, 1) - dt.timedelta(days=1)
    assert figures.month_run_rate == pytest.approx(
        pace(figures.month_sold, this_month, month_last, today)
    )
    tiles = re.search(r'data-testid="pace">(.*?)</ul>', page, re.S).group(1)
    assert f"{first.year} in het huidige tempo" in tiles
    assert f"€ {round(figures.year_run_rate):,}".replace(",", ".") in tiles


def test_in_december_only_januarys_first_weeks_should_be_in_the_pipeline():
    from koers.plan.drivers import _open_by

    # on 4 December with a 46-day cycle, deals decided up to 19 January are open by now
    assert _open_by(D(2027, 1, 1), 46, D(2026, 12, 4)) == pytest.approx(19 / 31)
    assert _open_by(D(2027, 2, 1), 46, D(2026, 12, 4)) == 0
    assert _open_by(D(2026, 12, 1), 46, D(2026, 12, 4)) == 1  # a month begun: all of it
