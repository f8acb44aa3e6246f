"""The facts follow the data: an import refreshes the months it touched, a form edit marks
its months stale and a calculation run refreshes them before it pays."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from koers.core.services import record_save
from koers.imports.services import import_file
from koers.measure import selectors as sel
from koers.measure.freshness import ranges
from koers.measure.models import StaleMonth
from koers.measure.services import kpi_facts_refresh
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
    assert NOV in StaleMonth.objects.values_list("month", flat=True)
    run_month(NOV, by=None)
    assert not StaleMonth.objects.exists()
    paid = PayoutLine.objects.get(person=cast.rik, component="commission")
    assert paid.earnings == (line.amount / 10).quantize(Decimal("0.01"))  # the gate is met


def test_consecutive_months_refresh_together():
    d = dt.date
    assert ranges([d(2026, 1, 1), d(2026, 2, 1), d(2026, 4, 1)]) == [
        (d(2026, 1, 1), d(2026, 2, 28)),
        (d(2026, 4, 1), d(2026, 4, 30)),
    ]
