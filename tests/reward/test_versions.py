"""A change of plan version within a period: tiers apply to the period's cumulative
attainment and each sale is paid at the version valid on its date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koers.plan.models import Target
from koers.reward.models import PayoutLine, Plan, PlanAssignment
from koers.reward.services import run_month
from koers.sales.models import OrderLine
from tests.conftest import on_plan, sale

NOV = dt.date(2026, 11, 1)
TIERED = """\
code: rep
name: Rep
components:
  - code: commission
    name: {en: Commission, nl: Provisie}
    rule: RULE
    quota: revenue
    tiers: [{from: 0%, rate: 10%}, {from: 100%, rate: 20%}]
  - code: bonus
    name: {en: Bonus, nl: Bonus}
    rule: bonus
    quota: revenue
    incentive: 10%
    curve: [{attainment: 0%, payout: 0%}, {attainment: 200%, payout: 200%}]
"""


def _plans(cast, split: dt.date | None, rule: str = "marginal", second: str | None = None):
    document = TIERED.replace("RULE", rule)
    first = Plan.objects.create(
        code="rep", name="Rep", version=1, status="active", document=document
    )
    if split is None:
        PlanAssignment.objects.create(
            person=cast.rik, plan=first, valid_from=dt.date(2026, 1, 1), target_incentive=12_000
        )
        return
    later = Plan.objects.create(
        code="rep", name="Rep", version=2, status="active", document=second or document
    )
    PlanAssignment.objects.create(
        person=cast.rik,
        plan=first,
        valid_from=dt.date(2026, 1, 1),
        valid_to=split - dt.timedelta(days=1),
        target_incentive=12_000,
    )
    PlanAssignment.objects.create(
        person=cast.rik, plan=later, valid_from=split, target_incentive=12_000
    )


def _setup(cast, amounts: list[tuple[int, str]]) -> None:
    """Rik's November: a € 1,000 quota and only the given sales (day, amount)."""
    OrderLine.objects.filter(credits__person=cast.rik).delete()
    Target.objects.create(kpi="revenue", person=cast.rik, month=NOV, value=Decimal("1000"))
    for n, (day, amount) in enumerate(amounts):
        sale(cast, cast.rik, f"SO-V{n}", dt.date(2026, 11, day), amount)


def _paid(cast, component: str = "commission") -> Decimal:
    lines = PayoutLine.objects.filter(person=cast.rik, component=component, run__month=NOV)
    return sum((line.earnings for line in lines), Decimal(0))


def test_an_identical_version_from_the_15th_pays_what_one_version_pays(cast):
    """€ 1,000 on the 5th and on the 20th against € 1,000 at 10% / 20%: € 300, not € 200."""
    _setup(cast, [(5, "1000.00"), (20, "1000.00")])
    _plans(cast, dt.date(2026, 11, 15))
    run_month(NOV, by=None)
    assert _paid(cast) == Decimal("300.00")
    v1, v2 = PayoutLine.objects.filter(person=cast.rik, component="commission").order_by(
        "plan__version"
    )
    assert (v1.earnings, v2.earnings) == (Decimal("100.00"), Decimal("200.00"))
    # each line shows the credits of its own days
    assert list(v2.trace().values_list("order_line__order_number", flat=True)) == ["SO-V1"]


def test_each_sale_is_paid_at_the_version_valid_on_its_date(cast):
    """Version 2 raises the top rate to 30% from the 15th: only the later sale gets it."""
    _setup(cast, [(5, "1000.00"), (20, "1000.00")])
    richer = TIERED.replace("RULE", "marginal").replace("rate: 20%", "rate: 30%")
    _plans(cast, dt.date(2026, 11, 15), second=richer)
    run_month(NOV, by=None)
    assert _paid(cast) == Decimal("400.00")  # 10% of € 1,000, then 30% of € 1,000


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    sales=st.lists(
        st.tuples(st.integers(1, 30), st.integers(-50_000, 200_000)), min_size=1, max_size=5
    ),
    split=st.integers(2, 30),
    rule=st.sampled_from(["marginal", "retroactive"]),
)
def test_splitting_a_period_between_identical_versions_changes_no_payout(cast, sales, split, rule):
    PayoutLine.objects.all().delete()
    from koers.reward.models import CalcRun, Payout

    Payout.objects.all().delete()
    CalcRun.objects.all().delete()
    PlanAssignment.objects.all().delete()
    Plan.objects.all().delete()
    Target.objects.all().delete()
    amounts = [(day, f"{cents / 100:.2f}") for day, cents in sales]
    _setup(cast, amounts)
    _plans(cast, None, rule)
    run_month(NOV, by=None)
    whole = (_paid(cast), _paid(cast, "bonus"))
    PayoutLine.objects.all().delete()
    Payout.objects.all().delete()
    CalcRun.objects.all().delete()
    PlanAssignment.objects.all().delete()
    Plan.objects.all().delete()
    _plans(cast, dt.date(2026, 11, split), rule)
    run_month(NOV, by=None)
    assert (_paid(cast), _paid(cast, "bonus")) == whole


RETURNS = """\
code: rep
name: Rep
components:
  - code: commission
    name: {en: Commission, nl: Provisie}
    rule: flat
    rate: 10%
    cap: 6000.00
    basis: BASIS
    CLAWBACK
"""


def _returned(cast, basis: str = "booking", clawback: str = "") -> Decimal:
    """€ 100,000 sold in October (paid € 6,000, capped), € 50,000 of it returned on
    10 November without an invoice or payment date: what November pays."""
    OrderLine.objects.filter(credits__person=cast.rik, original__isnull=False).delete()
    OrderLine.objects.filter(credits__person=cast.rik).delete()
    document = RETURNS.replace("BASIS", basis).replace(
        "CLAWBACK", f"clawback: {clawback}" if clawback else ""
    )
    on_plan(document, cast.rik)
    sold = sale(cast, cast.rik, "SO-BIG", dt.date(2026, 10, 5), "100000.00")
    OrderLine.objects.filter(pk=sold.pk).update(
        invoice_date=dt.date(2026, 10, 6), paid_date=dt.date(2026, 10, 20)
    )
    run_month(dt.date(2026, 10, 1), by=None)
    october = PayoutLine.objects.get(person=cast.rik, run__month=dt.date(2026, 10, 1))
    assert october.earnings == Decimal("6000.00")
    back = sale(cast, cast.rik, "SO-RET", dt.date(2026, 11, 10), "-50000.00")
    OrderLine.objects.filter(pk=back.pk).update(original=sold)
    run_month(NOV, by=None)
    november = PayoutLine.objects.get(person=cast.rik, run__month=NOV, correction_of=None)
    assert list(november.trace().values_list("order_line__order_number", flat=True)) == ["SO-RET"]
    return november.earnings


def test_a_return_reverses_what_its_sale_earned_within_its_cap(cast):
    # the sale earned 6% (capped): half of it back is € 3,000, not 10% of € 50,000
    assert _returned(cast) == Decimal("-3000.00")


def test_a_return_at_the_current_rate_when_the_plan_says_so(cast):
    assert _returned(cast, clawback="current") == Decimal("-5000.00")


def test_a_return_without_invoice_or_payment_is_clawed_back_on_every_basis(cast):
    assert _returned(cast, basis="payment") == Decimal("-3000.00")
    PayoutLine.objects.all().delete()
    from koers.reward.models import CalcRun, Payout

    Payout.objects.all().delete()
    CalcRun.objects.all().delete()
    PlanAssignment.objects.all().delete()
    Plan.objects.all().delete()
    assert _returned(cast, basis="invoice") == Decimal("-3000.00")


def test_each_versions_line_shows_its_own_part_of_the_period(cast):
    """v2 showed the whole period's € 2,000 as reached beside v1's € 1,000."""
    _setup(cast, [(5, "1000.00"), (20, "1000.00")])
    _plans(cast, dt.date(2026, 11, 15))
    run_month(NOV, by=None)
    lines = PayoutLine.objects.filter(person=cast.rik, component="commission", run__month=NOV)
    by_version = sorted((line.plan.version, line.measure, line.earnings) for line in lines)
    # each version its own € 1,000; together the period's € 2,000 and € 300
    assert by_version == [(1, 100_000, Decimal("100.00")), (2, 100_000, Decimal("200.00"))]


def test_the_statement_reconciles_returns_taken_back_with_the_kpi_page(cast, login):
    """The measure leaves out returns of sales paid earlier, which the KPI page counts: the
    statement names them and what they took back, so the two figures reconcile."""
    from django.urls import reverse

    from koers.measure import selectors as sel
    from koers.measure.services import kpi_facts_refresh
    from koers.org.models import Person

    assert _returned(cast) == Decimal("-3000.00")
    line = PayoutLine.objects.get(person=cast.rik, run__month=NOV, correction_of=None)
    page = login(cast.user("rik")).get(reverse("statement")).content.decode()
    assert (
        "Returns of sales paid in earlier periods, € -50,000.00: not in the measure above "
        "(the KPI page counts them in revenue) but taken back at the rates they were paid: "
        "€ -3,000.00"
    ) in page
    kpi_facts_refresh(start=NOV, end=dt.date(2026, 11, 30))
    revenue = sel.kpi_values(Person.objects.filter(pk=cast.rik.pk), NOV, dt.date(2026, 11, 30))
    assert Decimal(str(revenue["revenue"])) * 100 == line.measure - 5_000_000


def test_saving_the_same_draft_twice_makes_one_version(cast, login):
    """A second click on save (or two requests at once) returns the draft that is there."""
    from koers.reward.services.plans import plan_save

    document = TIERED.replace("RULE", "marginal")
    first = plan_save(document=document, by=None)
    assert plan_save(document=document, by=None) == first
    client = login(cast.user("cora"))
    for _click in range(2):
        client.post("/reward/plans/new/", {"name": "Rep", "document": document, "save": "1"})
    assert list(Plan.objects.filter(code="rep").values_list("version", flat=True)) == [1]
    changed = plan_save(document=document.replace("10%}", "11%}"), by=None)
    assert changed.version == 2  # a change is a new version
