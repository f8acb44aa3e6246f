"""Each vendor preset imports a realistic export of that vendor, and again unchanged."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from koers.imports.presets import PRESETS
from koers.imports.samples import PRESET_ORDER, sample_path
from koers.imports.services import import_file
from koers.org.models import Person
from koers.sales import models as sm


@pytest.fixture
def base(funnel):
    for kind in ["units", "people", "product-groups", "products"]:
        run = import_file(kind=kind, raw=sample_path(kind).read_bytes(), filename=kind, by=None).run
        assert run.status == "committed", run.errors


def _import_all(preset: str) -> list:
    runs = []
    for kind in PRESET_ORDER[preset]:
        raw = sample_path(kind, preset).read_bytes()
        runs.append(
            import_file(kind=kind, raw=raw, filename=f"{kind}.csv", by=None, preset=preset).run
        )
    return runs


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_preset_sample_imports_and_again_unchanged(base, preset):
    for run in _import_all(preset):
        assert run.status == "committed", (run.kind, run.errors)
        first = sample_path(run.kind, preset).read_text().splitlines()[0]
        header = set(first.split(";" if ";" in first else ","))
        mapped = {h for h in run.mapping if not h.startswith("_")}  # "_": prepared columns
        assert run.created == run.rows and mapped <= header
    for run in _import_all(preset):
        assert (run.created, run.updated, run.unchanged) == (0, 0, run.rows), (run.kind, run.errors)


def test_salesforce_values_and_us_dates(base):
    _import_all("salesforce")
    won = sm.Opportunity.objects.get(external_id="0068d00000Opp02")
    assert won.stage.code == "customer" and won.closed_on == dt.date(2026, 11, 3)
    assert won.amount == Decimal("12250.00") and won.is_new_business and won.source == "marketing"
    open_deal = sm.Opportunity.objects.get(external_id="0068d00000Opp01")
    assert open_deal.stage.code == "hot_prospect" and open_deal.closed_on is None
    assert open_deal.owner.email == "ruben.smit@voorbeeld.example"
    ruben = Person.objects.get(external_id="0058d000001AbcE")
    assert ruben.manager.first_name == "Eva" and ruben.start_date == dt.date(2023, 11, 2)
    assert sm.Account.objects.get(external_id="0018d00000Xyz02").country == "BE"


def test_hubspot_values(base):
    _import_all("hubspot")
    deal = sm.Opportunity.objects.get(external_id="7712002")
    assert deal.account.external_id == "9012345002"  # the primary of several companies
    assert deal.stage.code == "customer" and deal.closed_on == dt.date(2026, 11, 10)
    lead = sm.Lead.objects.get(external_id="5502")
    assert lead.contact_name == "Nina de Graaf" and lead.status == "working"
    assert sm.Account.objects.get(external_id="9012345001").lifecycle == "loyal"


def test_odoo_values(base):
    _import_all("odoo")
    lost = sm.Opportunity.objects.get(external_id="__export__.crm_lead_312_77fa")
    assert lost.stage.code == "lost"
    line = sm.OrderLine.objects.get(external_id="__export__.sale_order_line_901_aa")
    assert line.order_date == dt.date(2026, 11, 6) and line.amount == Decimal("3790.00")
    assert line.credits.get().person.last_name == "Kok"


def test_salesforce_campaigns_with_their_type_budget_and_actual_cost(base):
    _import_all("salesforce")
    fair = sm.Campaign.objects.get(external_id="7018d00000Cmp01")
    assert (fair.kind, fair.budget, fair.start_date) == (
        "trade_fair",
        Decimal("18500.00"),
        dt.date(2026, 9, 15),
    )
    assert sm.Campaign.objects.get(external_id="7018d00000Cmp03").kind == "mailing"
    # the actual cost as one cost line; a campaign without one has none
    cost = sm.CampaignCost.objects.get(campaign=fair)
    assert (cost.amount, cost.date) == (Decimal("17240.50"), dt.date(2026, 9, 15))
    assert not sm.CampaignCost.objects.filter(campaign__external_id="7018d00000Cmp03").exists()


def test_hubspot_campaigns_with_their_type_budget_and_spend(base):
    _import_all("hubspot")
    fair = sm.Campaign.objects.get(external_id="31208841")
    assert (fair.name, fair.kind, fair.budget, fair.start_date, fair.end_date) == (
        "Vakbeurs Techniek 2026",
        "trade_fair",
        Decimal("22000.00"),
        dt.date(2026, 9, 22),
        dt.date(2026, 9, 25),
    )
    kinds = dict(sm.Campaign.objects.values_list("external_id", "kind"))
    # a newsletter is a mailing; no type at all is "other"
    assert (kinds["31208842"], kinds["31208843"], kinds["31208844"]) == (
        "webinar",
        "mailing",
        "other",
    )
    # the spend as one cost line of the start date; no spend (0 or empty), no line
    cost = sm.CampaignCost.objects.get(campaign=fair)
    assert (cost.amount, cost.date, cost.description) == (
        Decimal("20415.75"),
        dt.date(2026, 9, 22),
        "Spend (HubSpot)",
    )
    assert sm.CampaignCost.objects.count() == 2
