"""Plan documents, calculation runs and statements on the small cast."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from koers.reward.documents import PlanDocumentError, dump_plan, parse_plan
from koers.reward.models import CalcRun, PayoutLine, Plan, PlanAssignment
from koers.reward.services import period_of, run_advance, run_month
from tests.conftest import on_plan
from tests.reward.test_payouts import ruuds_sale

NOV = dt.date(2026, 11, 1)
DOCUMENT = """\
code: rep
name: Rep
components:
  - code: commission
    name: {en: Commission, nl: Provisie}
    rule: marginal
    quota: revenue
    tiers: [{from: 0%, rate: 5%}, {from: 100%, rate: 10%}]
  - code: bonus
    name: {en: Quarter bonus, nl: Kwartaalbonus}
    rule: bonus
    period: quarter
    quota: revenue
    incentive: 50%
    curve: [{attainment: 50%, payout: 0%}, {attainment: 100%, payout: 100%}]
"""


def _line(person, component: str) -> PayoutLine:
    return PayoutLine.objects.get(person=person, component=component, run__month=NOV)


def test_a_month_is_calculated_by_hand(planned):
    run_month(NOV, by=None)
    commission = _line(planned.ruud, "commission")
    # 5% of € 800 + 10% of € 200 = € 60
    assert commission.earnings == Decimal("60.00") and commission.payable
    assert commission.attainment_ppm == 1_250_000
    assert list(commission.trace().values_list("order_line__order_number", "value")) == [
        ("SO-ruud", 100_000)
    ]
    # Rosa at 50% of her quota: everything in the first band
    assert _line(planned.rosa, "commission").earnings == Decimal("50.00")
    bonus = _line(planned.ruud, "bonus")
    # quarter Oct-Dec, to date: 125% on a 100%-capped curve of € 12,000 × 50% / 4 = € 1,500
    assert bonus.earnings == Decimal("1500.00") and not bonus.payable


def test_re_running_an_open_month_replaces_it_and_changes_nothing(planned):
    run_month(NOV, by=None)
    first = sorted(PayoutLine.objects.values_list("person", "component", "earnings"))
    run_month(NOV, by=None)
    assert sorted(PayoutLine.objects.values_list("person", "component", "earnings")) == first


def test_an_approved_month_is_never_recalculated(planned):
    run = run_month(NOV, by=None)
    run_advance(run, by=None, expected=run.status, confirmed=True)
    with pytest.raises(ValidationError, match="approved"):
        run_month(NOV, by=None)
    run_advance(run, by=None, expected=run.status, confirmed=True)
    assert CalcRun.objects.get().status == "locked"
    with pytest.raises(ValidationError, match="open or an approved"):
        run_advance(run, by=None, expected=run.status, confirmed=True)


def test_quarters_follow_the_fiscal_year(settings):
    settings.KOERS_FISCAL_YEAR_START_MONTH = 4
    assert period_of("quarter", NOV) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert period_of("year", NOV) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    settings.KOERS_FISCAL_YEAR_START_MONTH = 2
    assert period_of("quarter", NOV) == (dt.date(2026, 11, 1), dt.date(2027, 1, 31))


def test_a_plan_document_round_trips_through_yaml():
    spec = parse_plan(DOCUMENT)
    assert parse_plan(dump_plan(spec)) == spec


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code: [", "not valid YAML"),
        ("- a list", "mapping"),
        ("code: x\ncomponents: []", "at least one component"),
        ("components:\n  - {code: a, rule: magic}", "rule is one of"),
        ("components:\n  - {code: a, rule: marginal}", "needs tiers"),
        ("components:\n  - {code: a, rule: flat, rate: lots}", "not a percentage"),
        ("components:\n  - {code: a, rule: flat, rate: .nan}", "not a percentage"),
        (
            "components:\n  - {code: a, rule: flat, rate: 0.00001%}",
            "“0.00001%” has more decimals than Koers keeps: at most 4",
        ),
        (
            "components:\n  - {code: a, rule: bonus, incentive: 12.345%, curve: []}",
            "“12.345%” has more decimals than Koers keeps: at most 2",
        ),
        (
            "components:\n  - {code: a, rule: flat, rate: 1%}\n  - {code: a, rule: flat, rate: 2%}",
            "same code",
        ),
    ],
)
def test_a_bad_plan_document_is_refused_with_the_reason(text, message):
    with pytest.raises(PlanDocumentError, match=message):
        parse_plan(text)


def test_a_plan_with_a_bad_document_is_not_saved(db):
    plan = Plan(code="x", name="x", document="components: []")
    with pytest.raises(ValidationError):
        plan.full_clean()


def test_a_salesperson_reads_their_statement_and_not_a_peers(planned, login):
    run_month(NOV, by=None)
    client = login(planned.user("ruud"))
    body = client.get(reverse("statement")).content.decode()
    assert 'data-testid="statement"' in body and "€ 60.00" in body
    assert client.get(reverse("statement_of", args=[planned.rosa.pk])).status_code == 404
    rosa_line = _line(planned.rosa, "commission")
    assert client.get(reverse("statement_line", args=[rosa_line.pk])).status_code == 404
    trace = client.get(reverse("statement_line", args=[_line(planned.ruud, "commission").pk]))
    assert "SO-ruud" in trace.content.decode()


def test_a_manager_and_the_compensation_administrator_read_the_team_statements(planned, login):
    run_month(NOV, by=None)
    url = reverse("statement_of", args=[planned.ruud.pk])
    assert login(planned.user("mia")).get(url).status_code == 200
    assert login(planned.user("cora")).get(url).status_code == 200
    assert login(planned.user("max")).get(url).status_code == 404


def test_the_estimator_answers_what_one_more_sale_brings(planned, login):
    run_month(NOV, by=None)
    body = login(planned.user("ruud")).get(reverse("statement"), {"extra": "200"}).content.decode()
    # commission: € 1,200 against € 800 = 5% of 800 + 10% of 400 = € 80
    assert "€ 80.00" in body


def test_the_estimator_says_when_the_amount_is_not_one(planned, login):
    run_month(NOV, by=None)
    client = login(planned.user("ruud"))
    body = client.get(reverse("statement"), {"extra": "lots"}).content.decode()
    assert 'data-testid="extra-error"' in body and 'data-testid="estimate"' not in body
    body = client.get(reverse("statement"), {"extra": "1200.50"}).content.decode()
    assert 'data-testid="extra-error"' not in body and 'data-testid="estimate"' in body


def test_the_estimator_answers_what_winning_an_open_deal_brings(planned, login):
    run_month(NOV, by=None)
    client = login(planned.user("ruud"))
    deal = planned.opportunities["ruud"]
    body = client.get(reverse("statement"), {"deal": deal.pk}).content.decode()
    # the € 10,000 deal: € 11,000 against € 800 = 5% of 800 + 10% of 10,200 = € 1,060
    assert 'data-testid="deal-estimate"' in body and "€ 1,060.00" in body
    # a peer's deal is not on offer
    rosa_deal = planned.opportunities["rosa"]
    body = client.get(reverse("statement"), {"deal": rosa_deal.pk}).content.decode()
    assert 'data-testid="deal-estimate"' not in body


MULTIPLIED = """\
code: steered
name: Steered
components:
  - code: commission
    rule: flat
    rate: 10%
    multiplier: {kpi: visits, steps: [{from: 0%, factor: 50%}, {from: 100%, factor: 100%}]}
  - code: development
    rule: bonus
    measure: goals
    period: quarter
    curve: [{attainment: 0%, payout: 0%}, {attainment: 100%, payout: 100%}]
"""


def test_the_estimator_keeps_a_multiplier_and_skips_what_is_not_money(cast, login):
    plan = Plan.objects.create(code="steered", name="S", status="active", document=MULTIPLIED)
    PlanAssignment.objects.create(
        person=cast.ruud, plan=plan, valid_from=dt.date(2026, 1, 1), target_incentive=1200
    )
    run_month(NOV, by=None)
    # no visits target: the multiplier's first step, 50% of 10% of € 1,000 = € 50
    assert _line(cast.ruud, "commission").earnings == Decimal("50.00")
    client = login(cast.user("ruud"))
    response = client.get(reverse("statement"), {"extra": "200"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    # € 200 more at the same 50%: € 60; the goals bonus has no euro estimate
    assert response.status_code == 200 and "€ 60.00" in body
    assert body.count('data-testid="estimate"') == 1


def test_a_lines_deals_are_paged_and_download_in_full(planned, login, monkeypatch):
    from koers.reward import views

    monkeypatch.setattr(views, "CREDITS_PER_PAGE", 1)
    ruuds_sale("SO-second", dt.date(2026, 11, 9), "50.00", planned.ruud)
    run_month(NOV, by=None)
    client = login(planned.user("ruud"))
    url = reverse("statement_line", args=[_line(planned.ruud, "commission").pk])
    first = client.get(url).content.decode()
    assert "2 credited transactions" in first and "Page 1 of 2" in first
    assert "SO-second" in first and "SO-ruud" not in first  # newest first
    assert "SO-ruud" in client.get(url, {"page": 2}).content.decode()
    csv_body = b"".join(client.get(url, {"format": "csv"}).streaming_content).decode()
    assert csv_body.startswith("\ufefforder,") and "SO-ruud" in csv_body and "SO-second" in csv_body


def _estimate_line(component, *, measure, earnings, quota=None, **fields):
    from koers.reward.documents import ComponentSpec
    from koers.reward.models import PayoutLine
    from koers.reward.views import estimate

    spec = ComponentSpec(component, "C", "C", "", 0)
    line = PayoutLine(
        person_id=1, measure=measure, quota=quota, earnings=Decimal(earnings), **fields
    )
    return spec, line, estimate


def test_the_estimator_adds_to_what_a_year_to_date_line_pays_this_month():
    """A year-to-date line pays the year's earnings less what earlier months paid; the
    estimate is this month's payment plus the difference the extra sale makes."""
    from koers.engine.comp import Component, Tier

    ytd = Component("m", "flat", tiers=(Tier(0, 100_000),), period="ytd")
    # € 50,000 so far this year (€ 5,000 earned), of which € 4,600 paid in earlier months
    spec, line, estimate = _estimate_line(ytd, measure=5_000_000, earnings="400.00")
    assert estimate(spec, line, 100_000) == 40_000 + 10_000  # € 400 + 10% of € 1,000


def test_the_estimator_adds_to_a_correction_line_what_the_extra_sale_makes():
    from koers.engine.comp import Component, Tier

    tiered = Component("c", "marginal", tiers=(Tier(0, 50_000), Tier(1_000_000, 100_000)))
    # a correction of a paid month: € 12 more; the month now measures € 9,500 of € 10,000
    spec, line, estimate = _estimate_line(
        tiered,
        measure=950_000,
        quota=1_000_000,
        earnings="12.00",
        correction_of=dt.date(2026, 10, 1),
    )
    # € 1,000 more: € 500 at 5% and € 500 at 10% = € 75 on top of the correction's € 12
    assert estimate(spec, line, 100_000) == 1_200 + 7_500


def test_the_estimator_keeps_a_cap():
    from koers.engine.comp import Component, Tier

    capped = Component("c", "flat", tiers=(Tier(0, 100_000),), cap_cents=50_000)
    spec, line, estimate = _estimate_line(capped, measure=480_000, earnings="480.00")
    assert estimate(spec, line, 100_000) == 50_000  # € 480 + € 100 capped at € 500


def test_a_month_that_has_not_started_is_not_calculated(planned):
    with pytest.raises(ValidationError, match="12-2026 has not started yet"):
        run_month(dt.date(2026, 12, 1), by=None)
    assert not CalcRun.objects.exists()


def test_months_are_calculated_in_order_without_gaps(planned):
    run_month(dt.date(2026, 9, 1), by=None)
    with pytest.raises(ValidationError, match="Calculate 10-2026 first"):
        run_month(NOV, by=None)
    assert list(CalcRun.objects.values_list("month", flat=True)) == [dt.date(2026, 9, 1)]
    run_month(dt.date(2026, 10, 1), by=None)
    run_month(NOV, by=None)  # now in order
    run_month(dt.date(2026, 9, 1), by=None)  # an earlier open month may be recalculated
    assert CalcRun.objects.count() == 3


def test_the_payout_curve_reaches_past_you_are_here():
    from koers.engine.comp import Component
    from koers.reward.documents import ComponentSpec
    from koers.reward.models import PayoutLine
    from koers.reward.views import _curve_figure

    bonus = Component("b", "bonus", curve=((0, 0), (1_000_000, 1_000_000), (1_400_000, 2_000_000)))
    spec = ComponentSpec(bonus, "B", "B", "", 0)
    figure = json.loads(_curve_figure(spec, PayoutLine(attainment_ppm=1_949_000)))
    assert figure["here"] == [194.9] and figure["x"][-1] > 194.9
    assert figure["y"][-1] == 200.0  # flat after the last point


@pytest.mark.parametrize(
    ("rate", "stored", "on_1000"),
    [("0.125%", 1_250, "1.25"), ("2.999%", 29_990, "29.99"), ("0.0001%", 1, "0.00")],
)
def test_rates_are_kept_exact_to_four_decimals_of_a_percent(rate, stored, on_1000):
    from tests.engine.test_comp_boundaries import _earned

    spec = parse_plan(f"code: x\ncomponents:\n  - {{code: a, rule: flat, rate: {rate}}}")
    component = spec.components[0].component
    assert component.tiers[0].rate == stored
    assert f"rate: {rate}" in dump_plan(spec)
    # € 1,000 at the rate, rounded once half away from zero (2.999%: € 29.99)
    assert Decimal(_earned(component, 100_000)) / 100 == Decimal(on_1000)


@pytest.mark.parametrize(
    ("cap", "cents"), [("100.005", 10_001), ("100.004", 10_000), (5000, 500_000)]
)
def test_a_cap_rounds_by_the_one_money_rule(cap, cents):
    text = f"code: x\ncomponents:\n  - {{code: a, rule: flat, rate: 1%, cap: {cap}}}"
    assert parse_plan(text).components[0].component.cap_cents == cents


def test_a_quota_component_without_a_quota_is_refused_naming_who_and_what(planned):
    from koers.plan.models import Target

    Target.objects.filter(person=planned.rosa).delete()
    with pytest.raises(ValidationError) as refused:
        run_month(NOV, by=None)
    message = " ".join(refused.value.messages)
    assert "Rosa Tester for commission, 01-11-2026 – 30-11-2026" in message
    assert "Rosa Tester for bonus, 01-10-2026 – 31-12-2026" in message
    assert not PayoutLine.objects.exists()


MONEY_BANDS = """\
code: agent
name: Agent
components:
  - code: commission
    name: {en: Commission, nl: Provisie}
    rule: marginal
    tiers: [{from: € 0, rate: 5%}, {above: € 500, rate: 8%}]
"""


def test_money_bands_pay_without_any_target(cast):
    on_plan(MONEY_BANDS, cast.rosa)
    spec = parse_plan(MONEY_BANDS)
    assert parse_plan(dump_plan(spec)) == spec
    assert spec.components[0].component.bands == "money"
    run_month(NOV, by=None)
    # € 1,000: 5% of € 500 + 8% of € 500
    assert _line(cast.rosa, "commission").earnings == Decimal("65.00")


def test_bands_in_money_and_in_percent_do_not_mix():
    tiers = "[{from: 0%, rate: 1%}, {from: € 9, rate: 2%}]"
    text = f"components:\n  - {{code: a, rule: marginal, tiers: {tiers}}}"
    with pytest.raises(PlanDocumentError, match="all in % of the quota or all at amounts"):
        parse_plan(text)


def test_plans_name_product_groups_by_code_and_refuse_an_unknown_one(cast):
    from koers.sales.models import ProductGroup

    valves = ProductGroup.objects.create(code="VLV", name="Kleppen")
    text = (
        "code: x\ncomponents:\n  - {code: a, rule: flat, rate: 1%, product_groups: [VLV], "
        "product_group_rates: {VLV: 2%}}"
    )
    component = parse_plan(text).components[0].component
    assert component.product_groups == (valves.pk,)
    assert component.group_rates == ((valves.pk, 20_000),)
    assert "product_groups:\n  - VLV" in dump_plan(parse_plan(text))
    with pytest.raises(PlanDocumentError, match="no product group with the code “XYZ”"):
        parse_plan(text.replace("[VLV]", "[XYZ]"))
    # a database id is not a code: a plan kept in git works in every database
    with pytest.raises(PlanDocumentError, match=f"no product group with the code “{valves.pk}”"):
        parse_plan(text.replace("[VLV]", f"[{valves.pk}]"))


def test_one_plan_serves_payees_on_their_own_rates(planned, login):
    """Ruud on his own 8% / 12% tiers, Rosa on the plan's 5% / 10%: one plan version."""
    ruud = PlanAssignment.objects.get(person=planned.ruud)
    ruud.overrides = "commission:\n  tiers: [{from: 0%, rate: 8%}, {from: 100%, rate: 12%}]\n"
    ruud.full_clean()
    ruud.save()
    run_month(NOV, by=None)
    # 8% of € 800 + 12% of € 200 = € 88; Rosa keeps the plan's 5% of € 1,000
    assert _line(planned.ruud, "commission").earnings == Decimal("88.00")
    assert _line(planned.rosa, "commission").earnings == Decimal("50.00")
    assert Plan.objects.count() == 1
    body = login(planned.user("ruud")).get(reverse("statement")).content.decode()
    assert "88.00" in body


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ("bonsu: {rate: 1%}", "no component “bonsu”"),
        ("commission: {quota: visits}", "“quota” cannot be set per person"),
        ("commission: {rate: 2%}", "a marginal rule has no “rate”"),
        ("commission: {tiers: [{from: 0%, rate: 0.00001%}]}", "more decimals than Koers keeps"),
        ("commission: [", "not valid YAML"),
    ],
)
def test_own_rates_that_do_not_fit_the_plan_are_refused(planned, overrides, message):
    ruud = PlanAssignment.objects.get(person=planned.ruud)
    ruud.overrides = overrides
    with pytest.raises(ValidationError, match=message):
        ruud.full_clean()


def test_a_problem_in_a_component_names_its_line():
    text = "code: x\ncomponents:\n  - {code: a, rule: flat, rate: 1%}\n  - {code: b, rule: magic}\n"
    with pytest.raises(PlanDocumentError, match="line 4, component 2"):
        parse_plan(text)


def test_the_estimator_shows_now_then_and_the_difference_with_its_assumptions(planned, login):
    run_month(NOV, by=None)
    client = login(planned.user("ruud"))
    body = client.get(reverse("statement"), {"extra": "1000"}).content.decode()
    # commission: 5% of € 800 + 10% of € 1,200 = € 160 against € 60 now: € 100 more
    assert 'data-testid="difference">€ 100.00' in body
    assert 'data-testid="assumptions"' in body and "after any cap" in body
    partial = client.get(
        reverse("statement"), {"extra": "1000"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert partial.count('id="estimates"') == 1  # swapped whole: never nested


PER_GROUP = """\
code: spiff
name: Spiff
components:
  - code: push
    name: {en: Push, nl: Actie}
    rule: flat
    rate: 1%
    basis: payment
    product_groups: [VLV]
"""


def test_the_estimator_asks_for_what_a_component_depends_on(cast, login):
    from koers.sales.models import ProductGroup

    valves = ProductGroup.objects.create(code="VLV", name="Kleppen")
    on_plan(PER_GROUP, cast.ruud)
    run_month(NOV, by=None)
    client = login(cast.user("ruud"))
    page = client.get(reverse("statement"), {"extra": "1000"}).content.decode()
    assert 'name="group"' in page and 'name="paid"' in page
    assert "the sale does not count here" in page  # no product group chosen
    chosen = {"extra": "1000", "group": str(valves.pk), "paid": "1"}
    body = client.get(reverse("statement"), chosen).content.decode()
    assert 'data-testid="difference">€ 10.00' in body and "a sale of Kleppen" in body
    later = client.get(reverse("statement"), {**chosen, "paid": "0"}).content.decode()
    assert 'data-testid="difference">€ 0.00' in later
    # a valves deal counts for the valves SPIFF without choosing the group again
    deal = cast.opportunities["ruud"]
    deal.product_group = valves
    deal.save(update_fields=["product_group"])
    body = client.get(reverse("statement"), {"deal": deal.pk, "paid": "1"}).content.decode()
    assert "the sale does not count here" not in body and "a sale of Kleppen" in body


def test_each_statement_line_shows_how_its_amount_was_reached(planned, login, token):
    """Page and API: measure → attainment → bands → rounding → amount, checkable by hand."""
    run_month(NOV, by=None)
    page = login(planned.user("ruud")).get(reverse("statement")).content.decode()
    chain = page[page.index('data-component="commission"') :]
    chain = chain[: chain.index("</details>")]
    for text in (
        "Reached: € 1,000.00",
        "€ 1,000.00 of a target of € 800.00: 125%",
        "€ 800.00 in the band from 0% to 100% at 5%: € 40.00",
        "€ 200.00 from 100% on at 10%: € 20.00",
        "Earnings: € 60.00",
    ):
        assert text in chain
    from django.test import Client

    answer = Client().get(f"/api/v1/reward/statements/{planned.ruud.pk}/2026-11", **token("ruud"))
    line = next(x for x in answer.json()["lines"] if x["component"] == "commission")
    assert [s["step"] for s in line["chain"]] == [
        "measure",
        "attainment",
        "band",
        "band",
        "rounded",
        "amount",
    ]
    assert line["chain"][-1]["text"] == "Earnings: € 60.00"


def test_the_credits_carry_each_returns_original_order_date(cast):
    """A return's original is looked up apart from the credits (the few returns by their
    index): its order date arrives on the return's rows, also when the original was sold
    before the window; other rows have none, and the rows keep their order."""
    import polars as pl

    from koers.core.bulk import query_frame
    from koers.engine.comp import CREDIT_SCHEMA
    from koers.reward.services.inputs import _credit_query, credits_frame
    from koers.sales.models import OrderLine
    from tests.conftest import sale

    early = sale(cast, cast.rik, "SO-early", dt.date(2025, 12, 20), "800.00")
    inside = sale(cast, cast.rik, "SO-inside", dt.date(2026, 10, 2), "500.00")
    for name, original, day in (
        ("SO-early-R", early, dt.date(2026, 11, 3)),
        ("SO-inside-R", inside, dt.date(2026, 11, 4)),
    ):
        back = sale(cast, cast.rik, name, day, "-100.00")
        OrderLine.objects.filter(pk=back.pk).update(original=original)
    credits = credits_frame(dt.date(2026, 10, 1), dt.date(2026, 11, 30))
    dates = {
        line: original for line, original in credits.select("line_id", "original_date").iter_rows()
    }
    returns = {
        line.pk: line.original.order_date
        for line in OrderLine.objects.filter(original__isnull=False).select_related("original")
    }
    assert len(returns) == 2 and all(dates[pk] == day for pk, day in returns.items())
    assert dates[inside.pk] is None and early.pk not in dates  # sold before the window
    sold = credits.filter(pl.col("original_id").is_null())
    assert sold.height and sold["original_date"].null_count() == sold.height
    plain = query_frame(
        _credit_query(
            "c.person_id",
            "CAST(ROUND(c.percent * 100) AS BIGINT)",
            "JOIN sales_orderlinecredit c ON c.line_id = l.id",
            dt.date(2026, 10, 1),
            dt.date(2026, 11, 30),
        ),
        CREDIT_SCHEMA,
    )
    assert credits.drop("original_date").equals(plain.drop("original_date"))  # same order
