"""Marketing's login: campaigns, their costs and touches, every lead and their returns;
no accounts, deals, pay or individual targets; leads handed to any salesperson by name,
but their acceptance and what they became left to sales; the same rule through the form,
the API and an import."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from koers.imports.services import import_file
from koers.org import visibility as vis
from koers.plan.models import Target
from koers.sales import models as sm
from koers.ui.entities import ENTITIES
from koers.ui.forms import build_form


@pytest.fixture
def mark(marketer):
    Target.objects.create(kpi="revenue", person=marketer.ruud, month=dt.date(2026, 11, 1), value=9)
    Target.objects.create(kpi="leads", unit=marketer.noord, month=dt.date(2026, 11, 1), value=5)
    return marketer


def test_marketing_sees_leads_and_campaigns_not_deals_pay_or_targets(mark):
    user = mark.user("mark")
    assert vis.visible_leads(user).count() == sm.Lead.objects.count() == 2
    assert vis.visible_campaign_costs(user).count() == 1
    assert vis.visible_lead_touches(user).count() == 1
    for selector in (
        vis.visible_accounts,
        vis.visible_opportunities,
        vis.visible_order_lines,
        vis.visible_targets,
        vis.visible_individual_plans,
        vis.visible_sellers,
        vis.visible_units,
        vis.visible_operating_costs,
    ):
        assert not selector(user).exists(), selector.__name__
    assert list(vis.visible_people(user)) == [mark.mark]  # only her own record
    people = [p.pk for p in (mark.ruud, mark.mia, mark.dirk)]
    assert vis.pay_visible_ids(user, people) == set()
    # a salesperson still sees no campaign's costs
    assert not vis.visible_campaign_costs(mark.user("ruud")).exists()


def test_marketings_menu_and_home(mark, login):
    from koers.ui.navigation import navigation_for

    client = login(mark.user("mark"))
    assert client.get("/")["Location"] == reverse("sales_marketing")
    items = {i.url for s in navigation_for(mark.user("mark"), "/") for i in s.items}
    for name in ("sales_marketing", "campaign_returns", "measure_economics", "import_history"):
        assert reverse(name) in items
    for slug in ("leads", "campaigns", "campaign-costs", "lead-touches", "annual-plans"):
        assert reverse("entity_list", args=[slug]) in items
    for hidden in ("kpis", "statement", "reward_inquiries", "customers", "cost_of_sales"):
        assert reverse(hidden) not in items
    for url in items:
        assert client.get(url).status_code == 200, url
    # pay, targets and deals answer as forbidden or empty, never with their figures
    assert client.get("/measure/cost-of-sales/").status_code == 403
    statement = client.get("/reward/statement/").content.decode()  # her own: none
    assert "Ruud" not in statement
    assert "9.00" not in client.get(reverse("entity_list", args=["targets"])).content.decode()


def test_marketing_hands_a_lead_to_a_salesperson_by_name(mark, login):
    user = mark.user("mark")
    client = login(user)
    # the picker offers everyone who sells, by name; her people lookup only herself
    names = client.get("/data/people/lookup/", {"for": "leads.owner", "q": "Ruud"}).content
    assert b"Ruud" in names
    assert b"Ruud" not in client.get("/data/people/lookup/", {"q": "Ruud"}).content
    # a field that is not a lead's own picker gives the user's visible people
    assert b"Ruud" not in client.get("/data/people/lookup/", {"for": "leads.campaign"}).content
    form = build_form(ENTITIES["leads"], user)
    assert "accepted_on" not in form.fields and "opportunity" not in form.fields
    assert mark.ruud in form.fields["owner"].queryset
    response = client.post(
        reverse("entity_create", args=["leads"]),
        {
            "company_name": "Beurs BV",
            "source": "marketing",
            "status": "new",
            "created_on": "2026-11-20",
            "owner": mark.ruud.pk,
            "quality": "hot",
            "campaign": sm.Campaign.objects.get().pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    lead = sm.Lead.objects.get(company_name="Beurs BV")
    assert (lead.owner, lead.quality) == (mark.ruud, "hot")


def test_marketing_sees_what_its_campaigns_cost(mark, login):
    page = login(mark.user("mark")).get("/measure/campaigns/", {"year": "2026"})
    assert "€ 2,400.00" in page.content.decode()  # the fair's stand
    follow_up = login(mark.user("mark")).get(
        reverse("campaign_follow_up", args=[sm.Campaign.objects.get().pk])
    )
    assert follow_up.status_code == 200


def test_the_api_keeps_acceptance_to_sales(mark, client, token):
    lead = sm.Lead.objects.get(company_name="Lead ruud")
    url = f"/api/v1/leads/{lead.pk}"

    def patch(who, payload):  # type: ignore[no-untyped-def]
        return client.patch(
            url, data=json.dumps(payload), content_type="application/json", **token(who)
        )

    assert patch("mark", {"quality": "warm"}).status_code == 200
    refused = patch("mark", {"accepted_on": "2026-11-02"})
    assert refused.status_code == 403 and "accepted" in refused.json()["detail"]
    lead.refresh_from_db()
    assert lead.accepted_on is None and lead.quality == "warm"
    assert patch("ruud", {"accepted_on": "2026-11-02"}).status_code == 200
    # no deal, no account: none of hers to read
    deal = mark.opportunities["ruud"]
    assert client.get(f"/api/v1/opportunities/{deal.pk}", **token("mark")).status_code == 404


def test_marketing_imports_campaigns_and_leads_not_sales_records(mark):
    user = mark.user("mark")
    campaigns = "external_id;name;kind;start_date\nC-9;Webinar pompen;webinar;2026-12-01\n"
    outcome = import_file(kind="campaigns", raw=campaigns.encode(), filename="c.csv", by=user)
    assert outcome.run.status == "committed", outcome.run.errors
    assert sm.Campaign.objects.filter(name="Webinar pompen", kind="webinar").exists()
    with pytest.raises(PermissionDenied):
        import_file(kind="accounts", raw=b"name;city\nX;Y\n", filename="a.csv", by=user)
    accepted = (
        "external_id;company_name;source;created_on;accepted_on\n"
        "L-9;Nieuw BV;marketing;2026-11-20;2026-11-21\n"
    )
    with pytest.raises(PermissionDenied) as refused:
        import_file(kind="leads", raw=accepted.encode(), filename="l.csv", by=user)
    assert "accepted" in str(refused.value)
    assert not sm.Lead.objects.filter(company_name="Nieuw BV").exists()


def test_a_campaigns_break_even_starts_from_its_costs(mark, login):
    fair = sm.Campaign.objects.get()  # € 2,400 of stand, no revenue brought yet
    page = (
        login(mark.user("mark"))
        .get(
            reverse("measure_economics"),
            {"r-basis": f"c{fair.pk}", "r-margin": "25"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        .content.decode()
    )
    assert 'value="2400.00"' in page
    assert "Break-even at <strong>€ 9,600.00</strong>" in page  # 2,400 ÷ 25%
    # a salesperson cannot start from a campaign (its costs are not his to see)
    ruud = login(mark.user("ruud")).get(reverse("measure_economics"))
    assert ruud.status_code == 403
