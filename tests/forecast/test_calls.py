"""The sales-force composite: own calls only, from this month on, in Dutch; managers adjust
their people's calls with a reason and never their own; the roll-up through the units with
the system forecast, target and gap; a salesperson sees her team's total, not her
colleagues' calls."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from koers.forecast import calls
from koers.forecast.models import ForecastCall
from koers.org.models import AuditEvent
from koers.plan.models import Target

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
NOV, DEC = dt.date(2026, 11, 1), dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def _values(commit, best, pipeline):
    return {"commit": Decimal(commit), "best_case": Decimal(best), "pipeline": Decimal(pipeline)}


def test_a_call_in_dutch_on_the_page(cast, login):
    client = login(cast.user("ruud"))
    page = client.get(reverse("forecast_calls"), {"month": "2026-12"}, HTTP_ACCEPT_LANGUAGE="nl")
    assert page.status_code == 200 and 'data-testid="call-form"' in page.content.decode()
    answer = client.post(
        reverse("forecast_calls"),
        {
            "action": "call",
            "month": "2026-12",
            "commit": "8.000",
            "best_case": "9.500,50",
            "pipeline": "12.000",
            "note": "Twee offertes in de laatste fase",
        },
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert answer.status_code == 302
    call = ForecastCall.objects.get(person=cast.ruud, month=DEC)
    assert (call.commit, call.best_case, call.pipeline) == (
        Decimal("8000"),
        Decimal("9500.50"),
        Decimal("12000"),
    )
    # out of order: refused in Dutch, nothing changed
    wrong = client.post(
        reverse("forecast_calls"),
        {
            "action": "call",
            "month": "2026-12",
            "commit": "10.000",
            "best_case": "9.000",
            "pipeline": "12.000",
        },
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert wrong.status_code == 400 and "bouwen op" in wrong.content.decode()
    assert ForecastCall.objects.get(pk=call.pk).commit == Decimal("8000")


def test_only_ones_own_call_and_not_for_a_closed_month(cast):
    with pytest.raises(PermissionDenied):
        calls.submit(person=cast.ruud, month=DEC, values=_values(1, 2, 3), by=cast.user("mia"))
    with pytest.raises(PermissionDenied):
        calls.submit(person=cast.ruud, month=DEC, values=_values(1, 2, 3), by=cast.user("cora"))
    with pytest.raises(ValidationError, match="closed"):
        calls.submit(
            person=cast.ruud,
            month=dt.date(2026, 10, 1),
            values=_values(1, 2, 3),
            by=cast.user("ruud"),
        )
    with pytest.raises(ValidationError, match="negative"):
        calls.submit(person=cast.ruud, month=DEC, values=_values(-1, 2, 3), by=cast.user("ruud"))
    assert not ForecastCall.objects.exists()
    call = calls.submit(person=cast.ruud, month=NOV, values=_values(1, 2, 3), by=cast.user("ruud"))
    assert AuditEvent.objects.filter(model="forecast.forecastcall", object_id=str(call.pk)).exists()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("mia", True),
        ("dirk", True),
        ("ada", True),
        ("max", False),
        ("rosa", False),
        ("ruud", False),
        ("cora", False),
    ],
)
def test_who_adjusts_ruuds_call(cast, who, allowed):
    call = calls.submit(
        person=cast.ruud, month=DEC, values=_values(1000, 2000, 3000), by=cast.user("ruud")
    )
    assert calls.may_adjust(cast.user(who), call) is allowed
    if not allowed:
        with pytest.raises(PermissionDenied):
            calls.adjust(
                call=call,
                values=_values(800, 2000, 3000),
                reason="te rooskleurig",
                by=cast.user(who),
            )
        assert ForecastCall.objects.get(pk=call.pk).adjusted_commit is None
    else:
        calls.adjust(
            call=call, values=_values(800, 2000, 3000), reason="te rooskleurig", by=cast.user(who)
        )
        assert ForecastCall.objects.get(pk=call.pk).final("commit") == Decimal("800")


def test_a_manager_does_not_adjust_her_own_call_and_gives_a_reason(cast):
    own = calls.submit(person=cast.mia, month=DEC, values=_values(1, 2, 3), by=cast.user("mia"))
    with pytest.raises(PermissionDenied):
        calls.adjust(call=own, values=_values(5, 5, 5), reason="meer", by=cast.user("mia"))
    ruud = calls.submit(person=cast.ruud, month=DEC, values=_values(1, 2, 3), by=cast.user("ruud"))
    with pytest.raises(ValidationError, match="why"):
        calls.adjust(call=ruud, values=_values(1, 2, 3), reason="  ", by=cast.user("mia"))


def test_the_manager_adjusts_on_the_page_and_the_roll_up_counts_it(cast, login):
    ruud = calls.submit(
        person=cast.ruud, month=DEC, values=_values(10000, 12000, 15000), by=cast.user("ruud")
    )
    calls.submit(
        person=cast.rosa, month=DEC, values=_values(5000, 6000, 7000), by=cast.user("rosa")
    )
    calls.submit(person=cast.rik, month=DEC, values=_values(3000, 3000, 3000), by=cast.user("rik"))
    client = login(cast.user("mia"))
    answer = client.post(
        reverse("forecast_calls"),
        {
            "action": "adjust",
            "call": ruud.pk,
            "month": "2026-12",
            f"a{ruud.pk}-commit": "8.000",
            f"a{ruud.pk}-best_case": "12.000",
            f"a{ruud.pk}-pipeline": "15.000",
            f"a{ruud.pk}-reason": "Offerte Jansen schuift naar januari",
        },
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert answer.status_code == 302
    ruud.refresh_from_db()
    assert ruud.adjusted_commit == Decimal("8000") and ruud.commit == Decimal("10000")
    Target.objects.create(kpi="revenue", person=cast.ruud, month=DEC, value=Decimal("10000"))
    Target.objects.create(kpi="revenue", person=cast.rosa, month=DEC, value=Decimal("6000"))
    people, units = calls.rollup(cast.user("mia"), DEC)
    noord = next(u for u in units if u.key == f"unit:{cast.noord.pk}")
    assert (noord.commit, noord.own_commit, noord.called, noord.people) == (
        Decimal("13000"),
        Decimal("15000"),
        2,
        3,  # Mia, Ruud and Rosa call; Mia has not
    )
    assert noord.target == 16000 and noord.gap == 3000
    assert {p.key for p in people} == {
        f"person:{cast.mia.pk}",
        f"person:{cast.ruud.pk}",
        f"person:{cast.rosa.pk}",
    }
    _people, units = calls.rollup(cast.user("dirk"), DEC)
    company = next(u for u in units if u.key == f"unit:{cast.company.pk}")
    assert company.commit == Decimal("16000")


def test_a_salesperson_sees_her_team_total_not_her_colleagues_calls(cast, login):
    calls.submit(
        person=cast.ruud, month=DEC, values=_values(10000, 12000, 15000), by=cast.user("ruud")
    )
    calls.submit(
        person=cast.rosa, month=DEC, values=_values(5000, 6000, 7000), by=cast.user("rosa")
    )
    people, units = calls.rollup(cast.user("rosa"), DEC)
    assert [p.key for p in people] == [f"person:{cast.rosa.pk}"]
    assert [u.commit for u in units] == [Decimal("15000")]
    page = login(cast.user("rosa")).get(reverse("forecast_calls"), {"month": "2026-12"})
    text = page.content.decode()
    assert "Ruud" not in text and "15,000" in text


def test_the_pipeline_suggests_the_call(cast):
    deal = cast.opportunities["ruud"]  # € 10,000 expected 15 December
    deal.forecast_category = "commit"
    deal.save()
    suggested = calls.suggestion(cast.ruud, DEC, NOW.date())
    assert suggested == _values("10000.00", "10000.00", "10000.00")
    deal.forecast_category = "best_case"
    deal.save()
    assert calls.suggestion(cast.ruud, DEC, NOW.date()) == _values("0.00", "10000.00", "10000.00")


def test_calls_through_the_api(cast, login):
    ruud = login(cast.user("ruud"))
    made = ruud.post(
        "/api/v1/forecast/calls",
        {"month": "2026-12-05", "commit": "100.00", "best_case": "200.00", "pipeline": "300.00"},
        content_type="application/json",
    )
    assert made.status_code == 200, made.content
    call_id = made.json()["id"]
    refused = ruud.post(
        f"/api/v1/forecast/calls/{call_id}/adjustment",
        {"commit": "500", "best_case": "500", "pipeline": "500", "reason": "meer"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    mia = login(cast.user("mia"))
    adjusted = mia.post(
        f"/api/v1/forecast/calls/{call_id}/adjustment",
        {"commit": "50", "best_case": "200", "pipeline": "300", "reason": "te vroeg"},
        content_type="application/json",
    )
    assert adjusted.status_code == 200 and adjusted.json()["adjusted_commit"] == "50.00"
    max_ = login(cast.user("max"))
    assert (
        max_.post(
            f"/api/v1/forecast/calls/{call_id}/adjustment",
            {"commit": "1", "best_case": "1", "pipeline": "1", "reason": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    mia = login(cast.user("mia"))  # one test client: log her in again
    listed = mia.get("/api/v1/forecast/calls", {"month": "2026-12-01"}).json()
    noord = next(u for u in listed["units"] if u["key"] == f"unit:{cast.noord.pk}")
    assert noord["commit"] == "50.00"
    assert (
        login(cast.user("rosa"))
        .get("/api/v1/forecast/calls", {"month": "2026-12-01"})
        .json()["calls"]
        == []
    )


def test_a_series_through_the_api(cast, login):
    from koers.forecast.models import ForecastRun, ForecastValue

    run = ForecastRun.objects.create(kind="fit", as_of=DEC, horizon=1)
    ForecastValue.objects.create(
        run=run,
        series=f"unit:{cast.noord.pk}",
        kpi="revenue",
        method="combined",
        month=DEC,
        value=100.0,
        lo=80.0,
        hi=120.0,
    )
    mia = login(cast.user("mia"))
    body = mia.get(f"/api/v1/forecast/series/unit:{cast.noord.pk}").json()
    assert body["forecasts"] == [
        {"month": "2026-12-01", "method": "combined", "value": 100.0, "lo": 80.0, "hi": 120.0}
    ]
    assert mia.get(f"/api/v1/forecast/series/unit:{cast.zuid.pk}").status_code == 404
    assert mia.get("/api/v1/forecast/series/unit:abc").status_code in (404, 422)


def test_forecast_accuracy_is_a_kpi_of_the_closed_months(cast):
    """Ruud called € 1,000 for October and sold € 800 (accuracy 75%); Rosa called € 500
    and sold nothing (0%); November is still running and does not count."""
    from koers.forecast.services import settle_calls
    from koers.measure import selectors as msel
    from koers.measure.models import KpiFact
    from koers.org.models import Person

    oct_ = dt.date(2026, 10, 1)
    for person, commit in [(cast.ruud, "1000"), (cast.rosa, "500")]:
        ForecastCall.objects.create(
            person=person,
            month=oct_,
            commit=Decimal(commit),
            best_case=Decimal(commit),
            pipeline=Decimal(commit),
            submitted_at=NOW,
        )
    calls.submit(person=cast.ruud, month=NOV, values=_values(1, 2, 3), by=cast.user("ruud"))
    line = cast.lines["ruud"]
    line.order_date = dt.date(2026, 10, 5)
    line.amount = Decimal("800.00")
    line.reporting_amount = Decimal("800.00")
    line.save()
    assert settle_calls(NOW.date()) is True
    facts = {
        f.person_id: (f.numerator, f.denominator)
        for f in KpiFact.objects.filter(kpi="forecast_accuracy")
    }
    # Ruud: 800 − |1000 − 800| = 600 of 800; Rosa: nothing of her 500
    assert facts == {cast.ruud.pk: (60_000, 80_000), cast.rosa.pk: (0, 50_000)}
    noord = Person.objects.filter(pk__in=[cast.ruud.pk, cast.rosa.pk])
    value = msel.kpi_values(noord, oct_, dt.date(2026, 10, 31))["forecast_accuracy"]
    assert value == pytest.approx(600 / 1300 * 100)
    assert settle_calls(NOW.date()) is False  # measured once


def test_the_quarter_adds_up_its_months(cast):
    from koers.forecast.call_page import _quarter

    for month, commit in [(dt.date(2026, 10, 1), "100"), (DEC, "300")]:
        ForecastCall.objects.create(
            person=cast.ruud,
            month=month,
            commit=Decimal(commit),
            best_case=Decimal(commit),
            pipeline=Decimal(commit),
            submitted_at=NOW,
        )
    ForecastCall.objects.create(
        person=cast.rosa,
        month=DEC,
        commit=Decimal("50"),
        best_case=Decimal("50"),
        pipeline=Decimal("50"),
        submitted_at=NOW,
    )
    noord = next(q for q in _quarter(cast.user("mia"), NOV) if q["name"] == str(cast.noord))
    assert (noord["commit"], noord["months_called"]) == (Decimal("450"), 2)
    assert noord["start"] == dt.date(2026, 10, 1)


def test_the_quarters_system_forecast_is_its_months_sold_plus_the_forecast_of_the_rest(cast):
    # on 23 November the quarter October–December: October and November as sold (the
    # unit's series), December (and what November has left) from the latest fit; never
    # December's forecast alone beside a quarter's commit
    from koers.forecast import services
    from koers.forecast.call_page import _quarter
    from koers.forecast.selectors import combined_between, pace
    from koers.measure.services import kpi_facts_refresh
    from tests.conftest import sale

    for month in range(1, 11):
        sale(cast, cast.ruud, f"SO-Q{month}", dt.date(2026, month, 15), "2000.00")
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 30))
    services.fit(today=NOW.date(), scopes=("unit",))
    key = f"unit:{cast.noord.pk}"
    noord = next(q for q in _quarter(cast.user("mia"), NOV) if q["name"] == str(cast.noord))
    november = pace(key, "revenue", NOW.date())
    december = combined_between(key, "revenue", DEC, DEC)
    sold = 2000 + november.month_sold  # October's sale and November's so far
    assert noord["system"] == pytest.approx(
        sold + december + max(november.month_forecast - november.month_sold, 0)
    )
    assert noord["system"] > december


def test_the_people_come_in_pages_for_a_whole_organisation(cast, login, monkeypatch):
    from koers.forecast import call_page

    monkeypatch.setattr(call_page, "PEOPLE_PER_PAGE", 2)
    client = login(cast.user("dirk"))
    first = client.get("/measure/forecast/calls/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    table = first.split('data-testid="person-calls"')[1].split("</table>")[0]
    assert table.count("<tr data-key=") == 2 and 'data-testid="pager"' in first
    callers = call_page.calls.CALLERS
    total = cast.ruud.__class__.objects.filter(role__in=callers).count()
    seen = set()
    for number in range(1, (total + 1) // 2 + 1):
        page = client.get("/measure/forecast/calls/", {"page": number}).content.decode()
        rows = page.split('data-testid="person-calls"')[1].split("</table>")[0]
        seen |= set(re.findall(r'<tr data-key="(person:\d+)"', rows))
    assert len(seen) == total  # every caller once over the pages


def test_the_kept_people_table_carries_each_readers_own_token(cast):
    """The people table is rendered once and kept; each reader's adjust forms carry their
    own CSRF token (put in when shown), so an adjustment posted from the kept table is
    accepted, for the reader who rendered it and for the next one."""
    from django.test import Client

    ruud = calls.submit(
        person=cast.ruud, month=DEC, values=_values(10, 20, 30), by=cast.user("ruud")
    )
    for attempt, commit in ((1, "8"), (2, "9")):
        first = Client(enforce_csrf_checks=True)  # renders the table, kept for the next
        first.force_login(cast.user("mia"))
        first.get(reverse("forecast_calls"), {"month": "2026-12"})
        client = Client(enforce_csrf_checks=True)  # another session: reads the kept table
        client.force_login(cast.user("mia"))
        page = client.get(reverse("forecast_calls"), {"month": "2026-12"}).content.decode()
        form = page[page.index(f'data-testid="adjust-{cast.ruud.pk}"') :]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        assert "slot" not in token
        answer = client.post(
            reverse("forecast_calls"),
            {
                "csrfmiddlewaretoken": token,
                "action": "adjust",
                "call": ruud.pk,
                "month": "2026-12",
                f"a{ruud.pk}-commit": commit,
                f"a{ruud.pk}-best_case": "20",
                f"a{ruud.pk}-pipeline": "30",
                f"a{ruud.pk}-reason": f"poging {attempt}",
            },
        )
        assert answer.status_code == 302, attempt
        ruud.refresh_from_db()
        assert ruud.adjusted_commit == Decimal(commit)
