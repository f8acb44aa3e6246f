"""The three plan levels: a long-term plan, the annual plan of a unit under it and each
person's plan for the year, linked, each with its progress, and written by the roles the
method gives them (web and API alike)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from koers.measure.services import kpi_facts_refresh
from koers.plan.models import AnnualPlan, IndividualPlan, Initiative, LongTermPlan, Target


@pytest.fixture
def plans(cast):
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 30))
    long_term = LongTermPlan.objects.create(
        unit=cast.company,
        title="Koers 2030",
        first_year=2026,
        last_year=2030,
        ambition="Marktleider in pompen in de Benelux",
    )
    annual = AnnualPlan.objects.create(long_term=long_term, unit=cast.noord, year=2026)
    for month in range(1, 13):
        Target.objects.create(
            kpi="revenue", person=cast.ruud, month=dt.date(2026, month, 1), value=Decimal(500)
        )
    return cast, long_term, annual


def _create(client, slug, data, **extra):
    return client.post(reverse("entity_create", args=[slug]), data, **extra)


def test_a_director_writes_the_long_term_plan_and_a_manager_may_not(plans, login):
    cast, _long_term, _annual = plans
    data = {
        "title": "Koers 2031",
        "unit": cast.company.pk,
        "first_year": 2027,
        "last_year": 2031,
        "ambition": "Groei",
    }
    assert _create(login(cast.user("dirk")), "long-term-plans", data).status_code == 302
    assert _create(login(cast.user("mia")), "long-term-plans", data).status_code == 403
    assert LongTermPlan.objects.filter(title="Koers 2031").count() == 1


def test_a_long_term_plan_covers_three_to_five_years(plans, login):
    cast, _long_term, _annual = plans
    data = {
        "title": "Te lang",
        "unit": cast.company.pk,
        "first_year": 2027,
        "last_year": 2035,
        "ambition": "x",
    }
    answer = _create(login(cast.user("dirk")), "long-term-plans", data)
    assert answer.status_code == 400 and "three to five years" in answer.content.decode()


def test_a_manager_plans_her_own_unit_only(plans, login):
    cast, long_term, annual = plans
    mia = login(cast.user("mia"))
    mine = {"long_term": long_term.pk, "unit": cast.noord.pk, "year": 2027}
    assert _create(mia, "annual-plans", mine).status_code == 302
    other = {"long_term": long_term.pk, "unit": cast.zuid.pk, "year": 2027}
    assert _create(mia, "annual-plans", other).status_code in (400, 403)
    assert not AnnualPlan.objects.filter(unit=cast.zuid).exists()
    # an initiative of her unit's plan, owned by one of her people
    initiative = {
        "title": "Beurs Groningen",
        "annual": annual.pk,
        "owner": cast.ruud.pk,
        "due_date": "2026-12-15",
        "status": "planned",
    }
    assert _create(mia, "initiatives", initiative).status_code == 302
    # the long-term plan's initiatives are the director's
    strategic = {**initiative, "annual": "", "long_term": long_term.pk}
    assert _create(mia, "initiatives", strategic).status_code in (400, 403)
    assert Initiative.objects.count() == 1


def test_a_salesperson_writes_their_own_plan_and_reads_the_annual_plan(plans, login):
    cast, _long_term, annual = plans
    ruud = login(cast.user("ruud"))
    own = {
        "person": cast.ruud.pk,
        "year": 2026,
        "annual": annual.pk,
        "planned_activities": "2 bezoeken per week",
        "development": "Onderhandelen",
    }
    assert _create(ruud, "individual-plans", own).status_code == 302
    peer = {**own, "person": cast.rosa.pk}
    assert _create(ruud, "individual-plans", peer).status_code in (400, 403)
    assert IndividualPlan.objects.count() == 1
    assert ruud.get(reverse("entity_detail", args=["annual-plans", annual.pk])).status_code == 200
    assert _create(ruud, "annual-plans", {"unit": cast.noord.pk, "year": 2028}).status_code == 403


def test_each_level_shows_its_progress(plans, login):
    cast, long_term, annual = plans
    plan = IndividualPlan.objects.create(person=cast.ruud, year=2026, annual=annual)
    page = (
        login(cast.user("ruud"))
        .get(reverse("entity_detail", args=["individual-plans", plan.pk]))
        .content.decode()
    )
    tiles = re.search(r'data-testid="key-figures">(.*?)</ul>', page, re.S).group(1)
    assert "€ 6,000" in tiles  # the year's target
    assert "€ 1,000" in tiles  # to date
    # at this pace: € 1,000 in the 233 working days to 23 November × the year's 261
    assert "€ 1,120" in tiles
    manager = (
        login(cast.user("mia"))
        .get(reverse("entity_detail", args=["annual-plans", annual.pk]))
        .content.decode()
    )
    assert "€ 2,000" in manager  # Ruud's and Rosa's revenue to date
    director = (
        login(cast.user("dirk"))
        .get(reverse("entity_detail", args=["long-term-plans", long_term.pk]))
        .content.decode()
    )
    assert "2030" in director and 'data-testid="key-figures"' in director


def test_an_account_plan_by_its_owner_with_revenue_against_the_plan(plans, login):
    from koers.plan.models import AccountPlan

    cast, _long_term, _annual = plans
    ruud = login(cast.user("ruud"))
    data = {
        "account": cast.accounts["ruud"].pk,
        "year": 2026,
        "objectives": "Tweede productlijn",
        "expected_revenue": "4000",
    }
    assert _create(ruud, "account-plans", data).status_code == 302
    peer = {**data, "account": cast.accounts["rosa"].pk}
    assert _create(ruud, "account-plans", peer).status_code in (400, 403)
    plan = AccountPlan.objects.get()
    page = ruud.get(reverse("entity_detail", args=["account-plans", plan.pk])).content.decode()
    # the cast's € 1,000 in November against € 4,000 expected
    assert "expected € 4,000 (25.0%)" in page
    assert "Deal ruud" in page  # the account's open deals
    assert (
        login(cast.user("rik"))
        .get(reverse("entity_detail", args=["account-plans", plan.pk]))
        .status_code
        == 404
    )
