"""The KPI catalogue and KPI values through the API: the KPI page's figures, within what
the caller may see."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from koers.measure.services import kpi_facts_refresh
from koers.org.models import Person
from koers.plan.models import Target


@pytest.fixture
def facts(cast):
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 30))
    return cast


def test_the_catalogue_lists_every_kpi_with_both_names(client, facts, token):
    kpis = {k["code"]: k for k in client.get("/api/v1/kpis", **token("ruud")).json()}
    assert kpis["revenue"]["name_nl"] == "Omzet" and kpis["win_rate"]["ratio"] is True
    assert kpis["sales_cycle"]["higher_is_better"] is False


def test_values_per_month_match_the_kpi_page(client, facts, token, login):
    Target.objects.create(kpi="revenue", person=facts.ruud, month=dt.date(2026, 11, 1), value=2000)
    params = {"kpi": "revenue", "from": "2026-10-01", "to": "2026-11-23", "person": facts.ruud.pk}
    answer = client.get("/api/v1/kpis/values", params, **token("mia")).json()
    assert [v["period_start"] for v in answer["values"]] == ["2026-10-01", "2026-11-01"]
    november = answer["values"][1]
    assert (november["value"], november["target"], november["attainment"]) == (1000.0, 2000.0, 50.0)
    page = login(facts.user("ruud")).get(reverse("kpis")).content.decode()
    row = re.search(r'<tr data-kpi="revenue">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row)[0] == "€ 1,000"


def test_values_of_everyone_a_manager_sees_and_by_quarter(client, facts, token):
    params = {"kpi": "revenue", "from": "2026-07-01", "to": "2026-11-23", "grain": "quarter"}
    answer = client.get("/api/v1/kpis/values", params, **token("mia")).json()
    assert [v["value"] for v in answer["values"]] == [None, 2000.0]  # Ruud and Rosa, not Rik
    everyone = client.get("/api/v1/kpis/values", params, **token("dirk")).json()
    assert everyone["values"][-1]["value"] == 3000.0


def test_values_outside_what_the_caller_sees_are_not_found(client, facts, token):
    base = {"kpi": "revenue", "from": "2026-11-01", "to": "2026-11-30"}
    assert (
        client.get(
            "/api/v1/kpis/values", {**base, "person": facts.rik.pk}, **token("mia")
        ).status_code
        == 404
    )
    assert (
        client.get(
            "/api/v1/kpis/values", {**base, "unit": facts.zuid.pk}, **token("mia")
        ).status_code
        == 404
    )
    assert (
        client.get("/api/v1/kpis/values", {**base, "kpi": "luck"}, **token("mia")).status_code
        == 404
    )
    backwards = {**base, "from": "2026-12-01"}
    assert client.get("/api/v1/kpis/values", backwards, **token("mia")).status_code == 422
    unit = client.get("/api/v1/kpis/values", {**base, "unit": facts.noord.pk}, **token("mia"))
    assert unit.json()["values"][0]["value"] == 2000.0


def test_targets_through_the_api_reach_the_kpi_page(client, facts, token, login):
    import json

    body = {"kpi": "revenue", "person_id": facts.ruud.pk, "month": "2026-11-01", "value": "4000"}
    created = client.post(
        "/api/v1/targets", data=json.dumps(body), content_type="application/json", **token("dirk")
    )
    assert created.status_code == 201, created.content
    own = {**body, "person_id": facts.dirk.pk}
    refused = client.post(
        "/api/v1/targets", data=json.dumps(own), content_type="application/json", **token("dirk")
    )
    assert refused.status_code == 403  # nobody sets their own target
    by_rep = client.post(
        "/api/v1/targets", data=json.dumps(body), content_type="application/json", **token("ruud")
    )
    assert by_rep.status_code == 403
    page = login(facts.user("ruud")).get(reverse("kpis")).content.decode()
    assert 'data-attainment="revenue">25%' in page  # € 1,000 of € 4,000
    listed = client.get("/api/v1/targets", **token("ruud")).json()
    assert [t["value"] for t in listed["items"]] == ["4000.00"]
    assert client.get("/api/v1/targets", **token("rik")).json()["count"] == 0


def test_a_unit_the_caller_sees_only_in_part_is_refused_not_answered_against_its_target(
    client, facts, token
):
    """A salesperson asking for his own team got his own revenue against the team's target."""
    Target.objects.create(kpi="revenue", unit=facts.noord, month=dt.date(2026, 11, 1), value=4000)
    base = {"kpi": "revenue", "from": "2026-11-01", "to": "2026-11-30", "unit": facts.noord.pk}
    refused = client.get("/api/v1/kpis/values", base, **token("ruud"))
    assert refused.status_code == 403 and "only part of Team Noord" in refused.json()["detail"]
    whole = client.get("/api/v1/kpis/values", base, **token("mia")).json()["values"][0]
    # the team's € 2,000 against the team's € 4,000
    assert (whole["value"], whole["target"], whole["attainment"]) == (2000.0, 4000.0, 50.0)
    del base["unit"]
    own = client.get("/api/v1/kpis/values", {**base, "person": facts.ruud.pk}, **token("ruud"))
    assert own.status_code == 200


def test_any_date_the_data_holds_is_answered(client, cast, token):
    """An ERP's orders of 1996: the API refused from=1996-07-01 (422) while the pages
    showed it. Only the number of periods is bound."""
    from tests.conftest import sale

    sale(cast, cast.ruud, "SO-1996", dt.date(1996, 7, 4), "1234.56")
    kpi_facts_refresh(start=dt.date(1996, 7, 1), end=dt.date(1996, 7, 31))
    params = {"kpi": "revenue", "from": "1996-07-01", "to": "1996-07-31", "person": cast.ruud.pk}
    answer = client.get("/api/v1/kpis/values", params, **token("ruud"))
    assert answer.status_code == 200, answer.content
    assert answer.json()["values"][0]["value"] == 1234.56
    huge = {**params, "from": "0001-01-01", "to": "9999-12-31"}
    refused = client.get("/api/v1/kpis/values", huge, **token("ruud"))
    assert refused.status_code == 422 and "at most 1200" in refused.json()["detail"]
    yearly = {**params, "from": "1900-01-01", "to": "2026-12-31", "grain": "year"}
    assert client.get("/api/v1/kpis/values", yearly, **token("ruud")).status_code == 200


def test_the_kpi_page_offers_the_span_that_has_data(cast, login):
    """An export whose data ends in 1996: "this month" is empty, and the page says where
    the data is, with a link that shows it."""
    from koers.sales import models as sm
    from tests.conftest import sale

    for model in (sm.NpsResponse, sm.Activity, sm.Lead, sm.OrderLine, sm.Opportunity):
        model.objects.all().delete()
    Person.objects.update(start_date=dt.date(1990, 1, 1))
    sale(cast, cast.ruud, "SO-1996", dt.date(1996, 7, 4), "1234.56")
    kpi_facts_refresh(start=dt.date(1996, 7, 1), end=dt.date(1996, 7, 31))
    client = login(cast.user("dirk"))
    page = client.get(reverse("kpis")).content.decode()
    notice = re.search(r'data-testid="data-span">(.*?)</p>', page, re.S).group(1)
    assert "July 1996" in notice
    link = re.search(r'href="([^"]+)"', notice).group(1).replace("&amp;", "&")
    assert "period=custom" in link and "from=1996-07" in link and "to=1996-07" in link
    shown = client.get(link).content.decode()
    assert 'data-testid="data-span"' not in shown and "€ 1,235" in shown
