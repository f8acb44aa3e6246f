"""Campaign returns by hand: a lead touched by a trade fair, a webinar and a mailing, its
deal won with € 1,000 of order lines; each attribution model divides it, the totals count
it once; a trade fair's returns per m² and per staff day; costs only for those who run
the business."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from koers.measure.campaigns import campaign_returns, totals
from koers.sales import models as sm
from tests.conftest import sale

URL = "/measure/campaigns/"


def won_lead(cast, fair, webinar):  # type: ignore[no-untyped-def]
    """A hot lead the fair brought in on 2 September, reached by the webinar on the 20th,
    which became Ruud's opportunity on 10 October, won on the 20th."""
    won = cast.opportunities["ruud"]
    won.stage = cast.stages["customer"]
    won.closed_on = dt.date(2026, 10, 20)
    won.save()
    lead = sm.Lead.objects.create(
        company_name="Pompen BV",
        source="marketing",
        campaign=fair,
        quality="hot",
        created_on=dt.date(2026, 9, 2),
        opportunity=won,
        status="converted",
        converted_on=dt.date(2026, 10, 10),
    )
    sm.LeadTouch.objects.create(lead=lead, campaign=webinar, date=dt.date(2026, 9, 20))
    return lead, won


@pytest.fixture
def campaigns(cast):
    fair = sm.Campaign.objects.get(name="Vakbeurs 2026")  # 24 m², 6 staff days, € 2,400
    webinar = sm.Campaign.objects.create(
        name="Webinar pompen", kind="webinar", start_date=dt.date(2026, 9, 15), currency="EUR"
    )
    mailing = sm.Campaign.objects.create(
        name="Mailing najaar", kind="mailing", start_date=dt.date(2026, 10, 1), currency="EUR"
    )
    sm.CampaignCost.objects.create(
        campaign=webinar,
        date=dt.date(2026, 9, 15),
        description="Platform",
        amount=500,
        currency="EUR",
    )
    lead, won = won_lead(cast, fair, webinar)
    sm.LeadTouch.objects.create(lead=lead, campaign=mailing, date=dt.date(2026, 10, 2))
    # after the lead became an opportunity: brought nothing
    sm.LeadTouch.objects.create(lead=lead, campaign=mailing, date=dt.date(2026, 10, 15))
    sale(cast, cast.ruud, "SO-L1", dt.date(2026, 10, 25), "1000.00", cost="700.00")
    sm.OrderLine.objects.filter(order_number="SO-L1").update(opportunity=won)
    # a cold lead of the fair that went nowhere
    sm.Lead.objects.create(
        company_name="Koud BV",
        source="marketing",
        campaign=fair,
        quality="cold",
        created_on=dt.date(2026, 9, 3),
    )
    return fair, webinar, mailing


@pytest.mark.parametrize(
    ("model", "fair", "webinar", "mailing"),
    [
        ("first", "1000.00", "0", "0"),
        ("last", "0", "0", "1000.00"),
        ("even", "333.34", "333.33", "333.33"),
        ("position", "400.00", "200.00", "400.00"),
    ],
)
def test_each_model_divides_the_lead_and_the_total_counts_it_once(
    campaigns, model, fair, webinar, mailing
):
    rows = campaign_returns(campaigns, model)
    revenue = [r.attributed["revenue"] for r in rows]
    assert revenue == [Decimal(fair), Decimal(webinar), Decimal(mailing)]
    assert totals(rows)["revenue"] == Decimal("1000.00")
    margins = sum(r.attributed["margin"] for r in rows)
    assert margins == Decimal("300.00")


def test_a_fairs_leads_costs_and_returns_per_square_metre(campaigns):
    fair_row, webinar_row, _mailing = campaign_returns(campaigns, "first")
    # the leads it brought in (a lead it only touched is not one of them): two, one hot,
    # which became an opportunity and a customer
    assert (fair_row.leads, fair_row.hot, fair_row.opportunities, fair_row.customers) == (
        2,
        1,
        1,
        1,
    )
    assert fair_row.lead_to_opportunity == Decimal("0.5")
    assert fair_row.cost_per_lead == Decimal("1200")
    assert fair_row.cost == Decimal("2400.00")
    assert fair_row.cost_per_hot_lead == Decimal("2400")
    # € 1,000 revenue and € 300 margin on a 24 m² stand staffed 6 days
    assert round(fair_row.revenue_per_m2, 2) == Decimal("41.67")
    assert fair_row.margin_per_m2 == Decimal("12.5")
    assert round(fair_row.revenue_per_staff_day, 2) == Decimal("166.67")
    assert round(fair_row.revenue_per_euro, 4) == Decimal("0.4167")
    assert webinar_row.cost == Decimal("500.00") and webinar_row.leads == 0


def test_the_page_for_the_director_and_without_costs_for_a_salesperson(cast, campaigns, login):
    page = (
        login(cast.user("dirk"))
        .get(URL, {"model": "even", "year": "2026"}, HTTP_ACCEPT_LANGUAGE="nl")
        .content.decode()
    )
    table = re.search(r'data-testid="campaign-returns">(.*?)</table>', page, re.S).group(1)
    assert "Vakbeurs 2026" in table and "€ 333,34" in table
    assert re.search(r'data-testid="total-revenue">€ 1\.000,00<', table)
    assert "€ 2.400,00" in table  # the fair's costs
    # a salesperson sees what campaigns brought, not what they cost
    seller = login(cast.user("ruud")).get(URL, {"year": "2026"}, HTTP_ACCEPT_LANGUAGE="en")
    assert seller.status_code == 200
    seen = seller.content.decode()
    assert "Vakbeurs 2026" in seen and "€ 1,000.00" in seen
    assert "2,400" not in seen and "Cost per lead" not in seen
    assert login(cast.user("otto")).get(URL).status_code == 403  # no role
    assert login(cast.user("mia")).get(URL).status_code == 200
    # a salesperson sees no campaign's costs in the lists either
    assert "Stand" not in login(cast.user("ruud")).get("/data/campaign-costs/").content.decode()


def test_many_campaigns_come_a_page_at_a_time_with_the_totals_of_all(cast, campaigns, login):
    """The most revenue first, 50 a page; "Next" leads on; the totals count every
    campaign of the year on every page."""
    sm.Campaign.objects.bulk_create(
        sm.Campaign(
            name=f"Mailing {n:03}", kind="mailing", start_date=dt.date(2026, 3, 1), currency="EUR"
        )
        for n in range(60)
    )
    client = login(cast.user("dirk"))
    first = client.get(URL, {"year": "2026"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = re.findall(r"<tr data-campaign=", first)
    assert len(rows) == 50
    assert "Page 1 of 2" in first and "Vakbeurs 2026" in first  # the one with revenue
    link = re.search(r'href="(\?[^"]*page=2[^"]*)">Next', first).group(1).replace("&amp;", "&")
    second = client.get(URL + link, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert len(re.findall(r"<tr data-campaign=", second)) == 63 - 50  # the fixture's three too
    assert "Page 2 of 2" in second and "Vakbeurs 2026" not in second
    total = r'data-testid="total-revenue">([^<]*)<'
    assert re.search(total, first).group(1) == re.search(total, second).group(1) != ""


def test_a_bad_model_or_year_is_answered_and_shows_the_default(cast, campaigns, login):
    answer = login(cast.user("dirk")).get(URL, {"model": "linear", "year": "x"})
    assert answer.status_code == 200 and 'class="error"' in answer.content.decode()


def test_a_fairs_follow_up_board_lists_hot_leads_not_taken_on_by_salesperson(
    cast, campaigns, login
):
    fair = campaigns[0]
    made = dt.date(2026, 11, 10)  # 13 days before today (23 November)
    for name, owner, accepted in (
        ("Wacht BV", cast.ruud, None),
        ("Ook BV", cast.ruud, None),
        ("Rosa's BV", cast.rosa, None),
        ("Gebeld BV", cast.ruud, dt.date(2026, 11, 11)),
    ):
        sm.Lead.objects.create(
            company_name=name,
            source="marketing",
            campaign=fair,
            quality="hot",
            owner=owner,
            created_on=made,
            accepted_on=accepted,
        )
    url = f"/measure/campaigns/{fair.pk}/follow-up/"
    page = login(cast.user("mia")).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    board = re.search(r'data-testid="follow-up-board">(.*?)</section>', page, re.S).group(1)
    assert "Wacht BV" in board and "Ook BV" in board and "Gebeld BV" not in board
    assert board.index("Ruud") < board.index("Rosa")  # the most waiting first
    assert ">13<" in board
    # 14 days: none has waited that long
    later = login(cast.user("mia")).get(url, {"days": "14"}).content.decode()
    assert "Every hot lead has been taken on." in later
    # a salesperson sees his own
    own = login(cast.user("ruud")).get(url).content.decode()
    assert "Wacht BV" in own and "Rosa's BV" not in own


def test_a_cost_line_added_after_a_first_view_shows_at_once(cast, campaigns, login):
    client = login(cast.user("dirk"))
    before = client.get(URL, {"year": "2026"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "€ 2,400.00" in before
    sm.CampaignCost.objects.create(
        campaign=campaigns[0],
        date=dt.date(2026, 9, 2),
        description="Catering",
        amount=Decimal("100.00"),
        currency="EUR",
    )
    after = client.get(URL, {"year": "2026"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "€ 2,500.00" in after


def test_a_campaigns_break_even_figures_are_its_costs_and_attributed_returns(cast, campaigns):
    from koers.measure.economics import campaign_figures

    fair = campaigns[0]
    # position-based: the fair first of three touches, 40% of € 1,000 revenue and € 300 margin
    assert campaign_figures(fair, dt.date(2026, 11, 23)) == {
        "fixed": Decimal("2400.00"),
        "margin": Decimal("30.0"),
        "expected": Decimal("400.00"),
    }


def test_the_comparison_downloads_as_csv_with_costs_only_for_who_sees_them(cast, campaigns, login):
    import csv
    import io

    def download(who):  # type: ignore[no-untyped-def]
        response = login(cast.user(who)).get(
            URL, {"year": "2026", "model": "even", "format": "csv"}
        )
        assert response["Content-Type"].startswith("text/csv")
        return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))

    rows = {r["campaign"]: r for r in download("dirk")}
    fair = rows["Vakbeurs 2026"]
    # the page's figures: € 2,400 of stand, two leads, € 333.34 of the won lead's € 1,000
    assert (fair["costs"], fair["leads"], fair["revenue"], fair["attribution"]) == (
        "2400.00",
        "2",
        "333.34",
        "even",
    )
    assert fair["lead_to_opportunity"] == "0.5000" and fair["revenue_per_m2"] == "13.89"
    mine = download("ruud")
    assert "costs" not in mine[0] and "cost_per_lead" not in mine[0]
    assert {r["campaign"] for r in mine} == set(rows)


def test_the_returns_are_computed_once_for_both_languages(cast, campaigns, login, monkeypatch):
    """The returns are figures only: read in Dutch after English, they are not computed
    again, and each page speaks its reader's language and number format."""
    from koers.measure import campaign_page

    computed = []
    real = campaign_page.campaign_returns
    monkeypatch.setattr(
        campaign_page, "campaign_returns", lambda *a: computed.append(a) or real(*a)
    )
    dirk = login(cast.user("dirk"))
    english = dirk.get(URL, {"model": "even", "year": "2026"}, HTTP_ACCEPT_LANGUAGE="en")
    dutch = dirk.get(URL, {"model": "even", "year": "2026"}, HTTP_ACCEPT_LANGUAGE="nl")
    assert len(computed) == 1
    assert "€ 1,000.00" in english.content.decode() and "€ 1.000,00" in dutch.content.decode()
    assert "Campaign returns" in english.content.decode()
    assert "Campaign returns" not in dutch.content.decode()
