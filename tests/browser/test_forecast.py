"""The forecast walked in the browser, in Dutch: a salesperson calls her month with Dutch
amounts, her manager adjusts it with a reason and sees the unit's total change, and the
accuracy page shows how the snapshots and the backtest did."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from koers.engine.periods import add_months, month_start
from koers.forecast import services
from koers.forecast.models import ForecastCall
from tests.browser.conftest import dutch_page
from tests.forecast.history import plant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _dutch(browser, live_server, who: str):
    return dutch_page(browser, live_server, who, timeout=15_000)


def test_a_call_an_adjustment_and_the_accuracy_in_dutch(cast, browser, live_server):
    plant(cast)
    today = timezone.localdate()
    services.fit(today=today)
    services.snapshot(today=add_months(month_start(today), -2), scopes=("unit",))
    services.backtest(today=today, origins=2, months_ahead=2, scopes=("unit",))
    month = month_start(today)

    context, page = _dutch(browser, live_server, "ruud")
    page.goto(page.base + "/measure/forecast/calls/")
    form = page.locator("[data-testid=call-form]")
    form.locator("#id_commit").fill("8.000")
    form.locator("#id_best_case").fill("9.500")
    form.locator("#id_pipeline").fill("12.000,50")
    form.locator("#id_note").fill("Twee offertes in de laatste fase")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=is binnen")
    call = ForecastCall.objects.get(person=cast.ruud, month=month)
    assert call.pipeline == Decimal("12000.50")
    context.close()

    context, page = _dutch(browser, live_server, "mia")
    page.goto(page.base + "/measure/forecast/calls/")
    row = page.locator(f"[data-key='person:{cast.ruud.pk}']")
    row.locator("summary").click()
    adjust = page.locator(f"[data-testid=adjust-{cast.ruud.pk}]")
    adjust.locator(f"#id_a{call.pk}-commit").fill("7.000")
    adjust.locator(f"#id_a{call.pk}-reason").fill("De offerte bij Jansen schuift naar later")
    adjust.locator("button[type=submit]").click()
    page.wait_for_selector("text=Aangepast: Ruud")
    noord = page.locator(f"[data-testid=unit-calls] [data-key='unit:{cast.noord.pk}']")
    assert "€ 7.000" in noord.inner_text() and "(€ 8.000)" in noord.inner_text()
    call.refresh_from_db()
    assert call.adjusted_commit == Decimal("7000") and call.commit == Decimal("8000")

    page.goto(page.base + "/measure/forecast/")
    page.wait_for_selector("[data-testid=forecast-chart] .main-svg")
    assert "Gecombineerd" in page.inner_text("[data-testid=forecast-table]")
    page.goto(page.base + "/measure/forecast/accuracy/")
    assert page.inner_text("h1") == "Forecastnauwkeurigheid"
    assert "Gecombineerd" in page.inner_text("[data-testid=snapshot-accuracy]")
    assert "Gecombineerd" in page.inner_text("[data-testid=backtest-accuracy]")
    context.close()
