"""A record edit marks only the keys it touched stale (the people its figures count for
and its account, in its months before and after), and refreshing those keys stores
exactly what a refresh of the whole months stores."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from koers.core.services import facts_changed, record_save
from koers.measure.freshness import months_to_refresh, stale_scopes
from koers.measure.models import AccountMonthFact, GroupSalesFact, KpiFact, StaleMonth
from koers.measure.services import kpi_facts_refresh, refresh_stale
from koers.sales import models as sm
from koers.sales.services import order_line_save

FIRST, LAST = dt.date(2026, 9, 1), dt.date(2026, 11, 30)


def stored() -> tuple[set, set, set]:
    return (
        set(KpiFact.objects.values_list("kpi", "person", "month", "numerator", "denominator")),
        set(
            GroupSalesFact.objects.values_list(
                "person", "month", "product_group", "revenue_cents", "quantity"
            )
        ),
        set(
            AccountMonthFact.objects.values_list(
                "account", "month", "revenue_cents", "margin_cents"
            )
        ),
    )


def move_activity(cast):  # type: ignore[no-untyped-def]
    visit = sm.Activity.objects.filter(owner=cast.ruud).first()
    visit.owner, visit.date = cast.rosa, dt.date(2026, 10, 20)
    record_save(obj=visit, by=None)
    return {cast.ruud.pk, cast.rosa.pk}


def credit_another(cast):  # type: ignore[no-untyped-def]
    line = cast.lines["ruud"]
    line.amount = Decimal("1500.00")
    order_line_save(line=line, by=None, credits=[(cast.rik, Decimal("100"))])
    return {cast.ruud.pk, cast.rik.pk}


def move_lead(cast):  # type: ignore[no-untyped-def]
    lead = sm.Lead.objects.get(company_name="Lead ruud")
    lead.created_on, lead.owner = dt.date(2026, 9, 30), cast.rosa
    record_save(obj=lead, by=None)
    return {cast.ruud.pk, cast.rosa.pk}


def answer_for_the_owner(cast):  # type: ignore[no-untyped-def]
    answer = sm.NpsResponse.objects.filter(person=cast.rik).first()
    answer.person = None  # counts for the account's owner
    record_save(obj=answer, by=None)
    return {cast.rik.pk, answer.account.owner_id}


def delete_visit(cast):  # type: ignore[no-untyped-def]
    visit = sm.Activity.objects.filter(owner=cast.rik).first()
    facts_changed(visit)  # as every delete path does, before the row is gone
    visit.delete()
    return {cast.rik.pk}


def won_deal(cast):  # type: ignore[no-untyped-def]
    deal = cast.opportunities["rosa"]
    deal.stage, deal.closed_on = cast.stages["customer"], dt.date(2026, 11, 12)
    record_save(obj=deal, by=None)
    return {cast.rosa.pk}


EDITS = [move_activity, credit_another, move_lead, answer_for_the_owner, delete_visit, won_deal]


@pytest.mark.parametrize("edit", [*EDITS, "all"], ids=lambda e: getattr(e, "__name__", e))
def test_a_scoped_refresh_stores_what_a_whole_refresh_stores(cast, edit):
    kpi_facts_refresh(start=FIRST, end=LAST)
    edits = EDITS if edit == "all" else [edit]
    people: set[int] = set()
    for change in edits:
        people |= change(cast)
    assert not StaleMonth.objects.exists()  # no whole month: only the keys touched
    scopes = stale_scopes(FIRST, LAST)
    assert scopes and people <= set().union(*(p for p, _a in scopes.values()))
    assert cast.dirk.pk not in set().union(*(p for p, _a in scopes.values()))
    refresh_stale(FIRST, LAST)
    assert not months_to_refresh()
    scoped = stored()
    kpi_facts_refresh(start=FIRST, end=LAST)
    assert scoped == stored()


def test_an_order_lines_account_is_refreshed_with_it(cast):
    kpi_facts_refresh(start=FIRST, end=LAST)
    line = cast.lines["ruud"]
    line.account = cast.accounts["rosa"]
    order_line_save(line=line, by=None, credits=[(cast.ruud, Decimal("100"))])
    (people, accounts), *_rest = stale_scopes(FIRST, LAST).values()
    assert accounts == {cast.accounts["ruud"].pk, cast.accounts["rosa"].pk}
    refresh_stale(FIRST, LAST)
    bought = dict(
        AccountMonthFact.objects.filter(month=dt.date(2026, 11, 1)).values_list(
            "account", "revenue_cents"
        )
    )
    assert bought[cast.accounts["rosa"].pk] == 200_000 and cast.accounts["ruud"].pk not in bought


def test_many_keys_refresh_the_whole_month(cast, monkeypatch):
    from koers.measure import services

    kpi_facts_refresh(start=FIRST, end=LAST)
    monkeypatch.setattr(services, "SCOPE_LIMIT", 1)
    move_activity(cast)  # two people: past the limit
    whole = []
    monkeypatch.setattr(
        services, "refresh_months", lambda months: whole.extend(months) or list(months)
    )
    refresh_stale(FIRST, LAST)
    assert whole == [dt.date(2026, 10, 1), dt.date(2026, 11, 1)]
