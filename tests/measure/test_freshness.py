"""The facts follow the data: an import refreshes the months it touched, a form edit marks
its months stale and a calculation run refreshes them before it pays."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from koers.core.services import record_save
from koers.imports.services import import_file
from koers.measure import selectors as sel
from koers.measure.freshness import months_to_refresh
from koers.measure.services import kpi_facts_refresh, ranges
from koers.org.models import Person
from koers.plan.models import Target
from koers.reward.models import PayoutLine
from koers.reward.services import run_month
from koers.sales.models import OrderLine
from tests.conftest import on_plan

NOV, NOV_END = dt.date(2026, 11, 1), dt.date(2026, 11, 30)


def _revenue(person) -> float:
    return sel.kpi_values(Person.objects.filter(pk=person.pk), NOV, NOV_END)["revenue"] or 0.0


def test_an_import_refreshes_the_months_it_touched(cast):
    kpi_facts_refresh(start=NOV, end=NOV_END)
    before = _revenue(cast.rik)
    cast.rik.external_id = "P-RIK"
    cast.rik.save()
    account = cast.accounts["rik"]
    account.external_id = "A-RIK"
    account.save()
    product = cast.product
    product.external_id = "PR-1"
    product.save()
    text = (
        "external_id;order_number;order_date;account;product;quantity;amount;credited_to\n"
        "OL-9;SO-9;2026-11-12;A-RIK;PR-1;1;2.500,00;P-RIK\n"
    )
    run = import_file(kind="orders", raw=text.encode(), filename="o.csv", by=None).run
    assert run.status == "committed", run.errors
    assert run.refreshed_months == 1
    assert _revenue(cast.rik) == before + 2500.0


GATED = """\
code: gated
name: Gated
components:
  - code: commission
    name: {en: Commission, nl: Provisie}
    rule: flat
    rate: 10%
    gate: {kpi: revenue, min: 100%}
"""


def test_a_run_refreshes_months_edited_since_and_pays_on_fresh_figures(cast):
    """A gate on revenue read stale facts: an edit that reached the gate paid nothing."""
    kpi_facts_refresh(start=NOV, end=NOV_END)
    on_plan(GATED, cast.rik)
    line = OrderLine.objects.filter(credits__person=cast.rik, order_date__gte=NOV).first()
    Target.objects.create(
        kpi="revenue", person=cast.rik, month=NOV, value=line.amount + Decimal("1000")
    )
    before = {"amount": str(line.amount), "order_date": line.order_date.isoformat()}
    line.amount += Decimal("1000")
    record_save(obj=line, by=None, before=before)
    assert NOV in months_to_refresh()
    run_month(NOV, by=None)
    assert not months_to_refresh()
    paid = PayoutLine.objects.get(person=cast.rik, component="commission")
    assert paid.earnings == (line.amount / 10).quantize(Decimal("0.01"))  # the gate is met


def test_consecutive_months_refresh_together():
    d = dt.date
    assert ranges([d(2026, 1, 1), d(2026, 2, 1), d(2026, 4, 1)]) == [
        (d(2026, 1, 1), d(2026, 2, 28)),
        (d(2026, 4, 1), d(2026, 4, 30)),
    ]


def test_a_long_run_of_busy_months_is_refreshed_a_few_months_at_a_time(cast, monkeypatch):
    """A refresh holds its months' records in memory: runs of months are cut where they
    would read more than the step's order lines, never inside a month, and the facts are
    the same as one refresh of the whole run gives."""
    from koers.measure import services
    from koers.measure.models import KpiFact

    cast.rik.external_id, cast.product.external_id = "P-RIK", "PR-1"
    cast.rik.save()
    cast.product.save()
    account = cast.accounts["rik"]
    account.external_id = "A-RIK"
    account.save()
    text = "external_id;order_date;account;product;quantity;amount;credited_to\n" + "".join(
        f"OL-{m};2026-{m:02d}-15;A-RIK;PR-1;1;{m}00,00;P-RIK\n" for m in (3, 4, 6, 9)
    )
    run = import_file(kind="orders", raw=text.encode(), filename="o.csv", by=None).run
    assert run.status == "committed", run.errors
    start, end = dt.date(2026, 1, 1), dt.date(2026, 11, 30)
    kpi_facts_refresh(start=start, end=end)
    whole = sorted(
        KpiFact.objects.values_list("kpi", "person_id", "month", "numerator", "denominator")
    )
    counts = {}
    for line in OrderLine.objects.filter(order_date__range=(start, end)):
        month = line.order_date.replace(day=1)
        counts[month] = counts.get(month, 0) + 1
    assert len(counts) > 1
    monkeypatch.setattr(services, "REFRESH_STEP_LINES", 1)  # every busy month on its own
    cut = services.steps(start, end)
    assert cut[0][0] == start and cut[-1][1] == end and len(cut) >= len(counts)
    for (_a, before), (after, _b) in zip(cut, cut[1:], strict=False):
        assert after == before + dt.timedelta(days=1) and after.day == 1
    for first, last in cut:
        assert sum(1 for m in counts if first <= m <= last) <= 1
    KpiFact.objects.all().delete()
    services.refresh_months([dt.date(2026, m, 1) for m in range(1, 12)])
    assert (
        sorted(KpiFact.objects.values_list("kpi", "person_id", "month", "numerator", "denominator"))
        == whole
    )


def _stored() -> dict[str, list]:
    from koers.measure.models import AccountMonthFact, GroupSalesFact, KpiFact

    return {
        "facts": sorted(
            KpiFact.objects.values_list("id", "kpi", "person_id", "month", "numerator")
        ),
        "groups": sorted(GroupSalesFact.objects.values_list("id", "person_id", "month")),
        "accounts": sorted(
            AccountMonthFact.objects.values_list("id", "account_id", "month", "revenue_cents")
        ),
    }


def _without_ids(stored: dict[str, list]) -> dict[str, list]:
    return {name: sorted(row[1:] for row in rows) for name, rows in stored.items()}


def test_a_refresh_writes_only_what_changed_and_equals_a_fresh_one(cast):
    from koers.measure.models import AccountMonthFact, GroupSalesFact, KpiFact

    year = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    OrderLine.objects.filter(pk=cast.lines["rik"].pk).update(order_date=dt.date(2026, 10, 7))
    kpi_facts_refresh(start=year[0], end=year[1])
    first = _stored()
    assert first["facts"] and first["accounts"]
    kpi_facts_refresh(start=year[0], end=year[1])
    assert _stored() == first  # the same twice: not a row rewritten, ids and all
    # November changes: only November's rows are rewritten
    OrderLine.objects.filter(pk=cast.lines["ruud"].pk).update(
        reporting_amount=Decimal("4321.00"), amount=Decimal("4321.00")
    )
    kpi_facts_refresh(start=NOV, end=NOV_END)
    after = _stored()
    october = [r for r in first["facts"] if r[3] == dt.date(2026, 10, 1)]
    assert october and set(october) <= set(after["facts"])  # untouched rows kept their ids
    assert after != first
    # what the incremental refresh left equals a refresh from nothing
    KpiFact.objects.all().delete()
    GroupSalesFact.objects.all().delete()
    AccountMonthFact.objects.all().delete()
    kpi_facts_refresh(start=year[0], end=year[1])
    assert _without_ids(_stored()) == _without_ids(after)
