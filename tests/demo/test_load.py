"""The demo loads into the database whole, its records pass Koers's own validation,
and every page renders for every demo login."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from koers.core.errors import full_clean_named
from koers.demo.cast import NAMED
from koers.org.models import Person
from koers.sales import models as sm
from koers.ui.entities import ENTITIES
from koers.ui.navigation import SECTIONS

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def _demo_once(django_db_setup, django_db_blocker):
    """The demo loaded once for the module, inside a transaction that every test's own
    transaction nests in (as Django's TestCase.setUpTestData does) and that is rolled back
    when the module ends: a minute saved per test, nothing left for the next module."""
    import time_machine
    from django.core.cache import cache
    from django.db import transaction
    from django.test import override_settings
    from django.utils import translation

    from koers.sales.currency import BASIS_KEY
    from tests.conftest import NOW

    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with time_machine.travel(NOW, tick=True), fast, translation.override("en"):
                cache.clear()
                cache.set(BASIS_KEY, "EUR", None)
                call_command("demo", today=TODAY, verbosity=0, stdout=io.StringIO(), force=True)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def loaded(_demo_once, db):
    return None


def test_demo_records_pass_validation(loaded):
    for model in [
        Person,
        sm.Account,
        sm.Opportunity,
        sm.Activity,
        sm.Lead,
        sm.OrderLine,
        sm.NpsResponse,
        sm.Campaign,
        sm.Product,
    ]:
        for obj in model.objects.order_by("pk")[:: max(1, model.objects.count() // 60)]:
            full_clean_named(obj)


def test_demo_products_are_named_as_a_wholesaler_names_them(loaded):
    names = list(sm.Product.objects.values_list("name", flat=True))
    assert len(set(names)) == len(names) and "Drukopnemer M" in names
    assert not [n for n in names if "-" in n or n.split()[0].endswith("-")]


def test_the_demos_tables_go_in_frozen(loaded):
    """On PostgreSQL the demo writes its tables frozen (the vacuum at the end then reads
    only what the later steps wrote)."""
    from django.db import connection

    from tests.conftest import all_frozen

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's COPY FREEZE")
    assert all_frozen("sales_stagechange") and all_frozen("sales_activity")


def test_demo_refuses_a_database_that_holds_data(loaded):
    with pytest.raises(CommandError):
        call_command("demo", today=TODAY, verbosity=0, force=True)
    call_command("demo", today=TODAY, if_empty=True, stdout=io.StringIO(), force=True)
    assert Person.objects.count() == 52


def test_every_page_renders_for_every_demo_login(loaded, client):
    logins = [n.username for n in NAMED]
    assert set(logins) >= {"director", "manager", "rep", "compadmin", "admin"}
    for username in logins:
        user = Person.objects.get(user__username=username).user
        assert user.check_password("demo"), username
        client.force_login(user)
        urls = [reverse("home")] + [reverse("section", args=[k]) for k in SECTIONS]
        for slug, entity in ENTITIES.items():
            if entity.phase == "hidden":
                continue
            urls.append(reverse("entity_list", args=[slug]))
            first = entity.selector(Person.objects.get(user__username=username).user).first()
            if first is not None:
                urls.append(reverse("entity_detail", args=[slug, first.pk]))
        for url in urls:
            assert client.get(url, follow=True).status_code == 200, (username, url)
        client.logout()


def test_kpi_facts_show_quotes_leading_won_deals_by_a_month(loaded):
    from koers.measure.views import _lead_lag

    sellers = Person.objects.filter(role="salesperson")
    rows = {(r["lead"], r["result"]): r["best"] for r in _lead_lag(sellers, TODAY)}
    best = rows[("Quotes issued", "Deals won")]
    assert best.lag == 1 and best.r > 0.2


def test_demo_logins_lists_every_named_login_with_role_and_unit(loaded):
    out = io.StringIO()
    call_command("demo-logins", url="http://127.0.0.1:8123", stdout=out)
    said = out.getvalue()
    assert "Demo logins (password for each: demo)" in said
    for named in NAMED:
        person = Person.objects.select_related("unit").get(user__username=named.username)
        line = next(x for x in said.splitlines() if x.strip().startswith(named.username + " "))
        assert str(person) in line and person.get_role_display() in line
        assert str(person.unit) in line
    assert said.rstrip().endswith("Open http://127.0.0.1:8123 and log in.")


def test_a_typical_demo_payee_earns_about_their_target_incentive(loaded):
    """Modelled on the demo, 20 of 36 payees once earned over 300% of their target
    incentive. Over the calculated months the typical payee now earns about their share
    of it, nobody more than twice, and the top performer stands out."""
    import statistics
    from decimal import Decimal

    from django.db.models import Sum

    from koers.reward.models import CalcRun, PayoutLine, PlanAssignment

    months = CalcRun.objects.count()
    ratios = []
    for a in PlanAssignment.objects.filter(target_incentive__gt=0):
        paid = PayoutLine.objects.filter(person=a.person, payable=True).aggregate(
            s=Sum("earnings")
        )["s"] or Decimal(0)
        ratios.append(paid / (a.target_incentive * months / 12))
    assert 0.6 < statistics.median(ratios) < 1.4
    assert max(ratios) < 3
    assert max(ratios) > statistics.median(ratios) * Decimal("1.4")


def test_the_demo_has_a_planning_cycle(loaded):
    """This year's round approved, its agreed numbers the targets in use; next year's open
    with some numbers in and some agreed."""
    from django.db.models import Sum

    from koers.plan.models import Target, TargetRound

    this_year, next_year = TargetRound.objects.order_by("year")
    assert this_year.status == TargetRound.Status.APPROVED
    assert next_year.status == TargetRound.Status.OPEN
    for proposal in this_year.proposals.filter(agreed__gt=0)[:5]:
        targets = (
            Target.objects.overall()
            .filter(kpi="revenue", person=proposal.person_id, month__year=this_year.year)
            .aggregate(v=Sum("value"))["v"]
        )
        assert targets == proposal.agreed
    # some people's year divided over their accounts, adding up to their target
    divided = Target.objects.filter(account__isnull=False, month__year=this_year.year)
    people = set(divided.values_list("person", flat=True))
    assert len(people) == 5
    for person in people:
        mine = Target.objects.filter(kpi="revenue", person=person, month__year=this_year.year)
        # summed here: SQLite adds decimals as floats
        accounts = sum(mine.filter(account__isnull=False).values_list("value", flat=True))
        assert accounts == sum(mine.overall().values_list("value", flat=True))
    assert next_year.proposals.filter(bottom_up__isnull=False).exists()
    assert next_year.proposals.filter(agreed__isnull=False).exists()
    total = next_year.proposals.aggregate(v=Sum("top_down"))["v"]
    assert total == next_year.total  # the top-down parts add up to the year, to the cent
    # the levels above and below it, linked
    from koers.org.models import Person, Role
    from koers.plan.models import AnnualPlan, IndividualPlan, LongTermPlan

    strategy = LongTermPlan.objects.get()
    assert strategy.first_year <= this_year.year <= strategy.last_year
    assert AnnualPlan.objects.filter(long_term=strategy, year=this_year.year).count() > 1
    sellers = Person.objects.filter(role=Role.SALESPERSON).count()
    assert IndividualPlan.objects.filter(annual__isnull=False).count() == sellers


def test_the_demos_plan_holds_at_the_years_end(loaded):
    """On 23 November the next twelve months are the rest of this year's targets and next
    year's open round, none of them zero; the driver model's needs fit the selling hours
    there are; the round flags only the improbable few, not everyone."""
    from koers.engine.driver_model import model
    from koers.measure import selectors as msel
    from koers.org import visibility as vis
    from koers.org.models import OrgUnit, Person
    from koers.plan import horizon
    from koers.plan.drivers import measured_rates, round_flags
    from koers.plan.models import TargetRound

    top = OrgUnit.objects.get(parent=None)
    people = Person.objects.filter(role__in=vis.SELLING_ROLES)
    months = horizon.revenue_months(people, top, dt.date(2026, 11, 1), TODAY)
    assert [m.source for m in months] == ["target"] * 2 + ["round"] * 10
    assert min(m.value for m in months) > 0
    rates = measured_rates(people, TODAY)
    assert 0 < rates.deal_share < 0.5  # most revenue is repeat orders of the accounts
    pipeline = msel.open_pipeline(people, dt.date(2027, 10, 31), TODAY).value
    result = model([m.value for m in months], rates, pipeline)
    assert max(m.load for m in result.months) < 1
    assert 0.5 < result.coverage < 2
    following = TargetRound.objects.get(year=2027)
    proposals = list(following.proposals.all())
    flagged = [pk for pk, found in round_flags(following, proposals, TODAY).items() if found]
    assert 0 < len(flagged) <= len(proposals) // 5


def test_the_demo_tells_the_truth(loaded):
    """One name per person, customer and unit; Dutch words in a Dutch company's texts;
    key-account plans; deals that slipped and deals overdue, as in any real pipeline."""
    import re

    from django.db.models import Count, F

    from koers.org.models import OrgUnit, Person
    from koers.plan.models import AccountPlan, TargetProposal
    from koers.sales.models import Account, NpsResponse, Opportunity

    def twice(queryset, *fields):
        return queryset.values(*fields).annotate(n=Count("pk")).filter(n__gt=1).count()

    assert twice(Person.objects, "first_name", "last_name") == 0
    assert twice(Account.objects, "name") == 0
    assert twice(OrgUnit.objects, "name") == 0
    english = re.compile(r"\b(the|and|with|great|deliveries|fine|accounts)\b", re.I)
    texts = list(NpsResponse.objects.exclude(comment="").values_list("comment", flat=True))
    texts += list(
        TargetProposal.objects.exclude(substantiation="").values_list("substantiation", flat=True)
    )
    assert texts and not [t for t in texts if english.search(t)]
    assert AccountPlan.objects.filter(expected_revenue__gt=0).count() >= 10
    slipped = Opportunity.objects.filter(closed_on__gt=F("expected_close_date")).count()
    overdue = Opportunity.objects.filter(
        closed_on__isnull=True, expected_close_date__lt=TODAY
    ).count()
    assert slipped > 100 and overdue > 10


def test_the_demo_has_forecasts_and_their_accuracy(loaded, client):
    """The nightly fit of every unit, snapshots of the last three month starts and a
    backtest, so the forecast and accuracy pages show figures from the first start."""
    from koers.forecast import selectors
    from koers.forecast.models import ForecastRun, ForecastValue
    from koers.org.models import OrgUnit

    run = selectors.latest()
    assert run is not None and run.as_of == dt.date(TODAY.year, TODAY.month, 1)
    fitted = set(ForecastValue.objects.filter(run=run).values_list("series", flat=True))
    assert {f"unit:{pk}" for pk in OrgUnit.objects.values_list("pk", flat=True)} <= fitted
    assert ForecastRun.objects.filter(kind="snapshot").count() == 3
    accuracy = selectors.snapshot_accuracy(TODAY)
    assert set(accuracy["method"]) >= {"combined", "ets", "seasonal_naive"}
    backtest = selectors.backtest_accuracy()
    assert backtest.filter(backtest["method"] == "combined")["months"].item() > 0
    manager = Person.objects.get(user__username="manager").user
    client.force_login(manager)
    page = client.get(reverse("forecast"), HTTP_ACCEPT_LANGUAGE="nl")
    assert page.status_code == 200 and 'data-testid="forecast-table"' in page.content.decode()
    page = client.get(reverse("forecast_accuracy"), HTTP_ACCEPT_LANGUAGE="nl")
    assert 'data-testid="snapshot-accuracy"' in page.content.decode()
    # the salespeople's calls, measured as a KPI against a 90% target
    from koers.forecast.models import ForecastCall
    from koers.measure import selectors as msel
    from koers.measure.models import KpiFact

    assert ForecastCall.objects.filter(month=dt.date(2026, 11, 1)).exists()
    assert KpiFact.objects.filter(kpi="forecast_accuracy").exists()
    sellers = Person.objects.filter(role="salesperson")
    october = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    accuracy = msel.kpi_values(sellers, *october)["forecast_accuracy"]
    assert 80 < accuracy < 100
    assert msel.target_values(sellers, *october)["forecast_accuracy"] == 90


def test_the_demo_steers_along_its_stories(loaded, client):
    """Two closed feedback rounds a year apart, read as the stories tell: Eva has the skills
    (no gap), Bas rates himself above what others see, the new hire Noah has gaps; their
    manager coaches them; and the training shows an effect against the colleagues."""
    from koers.steer import selectors, training
    from koers.steer.models import CoachingSession, FeedbackRound, Trajectory

    assert FeedbackRound.objects.filter(status="closed").count() == 2
    manager = Person.objects.get(user__username="manager").user
    latest = selectors.rounds_with_answers(manager).first()
    rows = {r.person.user.username: r for r in selectors.skills_matrix(manager, latest).rows}
    assert rows["eva.dewit"].gaps == 0
    assert rows["noah.bakker"].gaps >= 3
    assert any(blind == "over" for _c, blind in rows["bas.vermeulen"].blind_spots)
    coached = set(CoachingSession.objects.values_list("person__user__username", flat=True))
    assert {"eva.dewit", "noah.bakker", "bas.vermeulen"} <= coached
    trajectory = Trajectory.objects.get()
    director = Person.objects.get(user__username="director").user
    effect = training.trajectory_effect(trajectory, director, TODAY).effect
    assert effect.treated == 6 and effect.control > 20 and effect.effect > 0
    client.force_login(manager)
    for url in (reverse("steer_matrix"), reverse("steer_coaching"), reverse("steer_rounds")):
        assert client.get(url, HTTP_ACCEPT_LANGUAGE="nl").status_code == 200


def test_the_demos_facts_refreshed_in_steps_equal_one_refresh_of_all_months(loaded):
    """The demo refreshes its two years a few months at a time (memory); one refresh of
    all of them at once finds nothing to change."""
    from koers.engine.periods import add_months, month_start
    from koers.measure.models import AccountMonthFact, GroupSalesFact, KpiFact
    from koers.measure.services import kpi_facts_refresh

    def stored():
        return (
            sorted(
                KpiFact.objects.values_list("kpi", "person", "month", "numerator", "denominator")
            ),
            GroupSalesFact.objects.count(),
            AccountMonthFact.objects.count(),
        )

    before = stored()
    kpi_facts_refresh(start=month_start(add_months(TODAY, -23)), end=TODAY)
    assert stored() == before


def test_the_demo_has_a_year_of_campaigns_and_fairs_that_differ_per_square_metre(loaded):
    """Campaign returns have something to compare: every kind of campaign with its costs,
    leads of every quality, leads touched by two campaigns, and trade fairs whose margin
    per m² differs clearly."""
    from koers.measure.campaigns import campaign_returns
    from koers.sales import models as sm

    year = sm.Campaign.objects.filter(start_date__gt=TODAY - dt.timedelta(days=365))
    assert {c.kind for c in year} >= {"trade_fair", "mailing", "webinar", "online"}
    assert sm.CampaignCost.objects.filter(campaign__in=year).count() >= 2 * year.count()
    assert set(sm.Lead.objects.values_list("quality", flat=True)) >= {"cold", "warm", "hot"}
    assert sm.LeadTouch.objects.exists()
    fairs = [
        r for r in campaign_returns(year.filter(kind="trade_fair"), "position") if r.margin_per_m2
    ]
    assert len(fairs) >= 2
    per_m2 = sorted(r.margin_per_m2 for r in fairs)
    assert per_m2[-1] >= 2 * per_m2[0]


def test_the_customers_page_says_what_one_point_more_retention_is_worth(loaded, client):
    import re

    client.force_login(Person.objects.get(user__username="director").user)
    page = client.get(reverse("customers"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    tile = re.search(r'data-testid="retention-point">([^<]*)<', page)
    assert tile and tile.group(1).startswith("+€")
    assert "more lifetime margin" in page


def test_demo_amounts_are_in_the_reporting_currency_as_written(loaded):
    from django.db.models import F

    for model in (sm.OrderLine, sm.Opportunity):
        rows = model.objects.filter(amount__isnull=False)
        assert rows.exists()
        assert not rows.filter(reporting_amount__isnull=True).exists(), model
        assert not rows.exclude(reporting_amount=F("amount")).exists(), model
    lines = sm.OrderLine.objects.filter(cost__isnull=False)
    assert not lines.exclude(reporting_cost=F("cost")).exists()
