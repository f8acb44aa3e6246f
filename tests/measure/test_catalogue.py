"""Administrator-defined KPIs: the page, the validation, the facts and the drill-down."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from koers.measure import selectors as sel
from koers.measure.catalogue import definitions
from koers.measure.models import CustomKpi, KpiFact
from koers.measure.services import kpi_facts_refresh
from koers.org.models import Person
from koers.plan.models import validate_kpi
from tests.conftest import sale

NOV, END = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
BASE = {
    "name_en": "Own leads",
    "name_nl": "Eigen leads",
    "timing": "leading",
    "level": "activity",
    "higher_is_better": "on",
}


@pytest.fixture
def facts(cast):
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=END)
    return cast


def _post(client, **fields):
    return client.post(reverse("custom_kpi_new"), {**BASE, **fields})


def _value(person: Person, code: str):
    return sel.kpi_values(Person.objects.filter(pk=person.pk), NOV, END)[code]


def test_an_administrator_adds_a_measure_and_its_history_is_computed(facts, login):
    client = login(facts.user("ada"))
    response = _post(client, code="own_leads", kind="measure", source="leads", lead_source="sales")
    assert response.status_code == 302
    assert _value(facts.ruud, "own_leads") == 1 and _value(facts.rosa, "own_leads") is None
    assert "own_leads" in definitions()
    page = client.get(reverse("kpi_catalogue")).content.decode()
    assert "Own leads" in page and "Leads from marketing campaigns" in page
    body = login(facts.user("ruud")).get(reverse("kpis")).content.decode()
    assert 'data-kpi="own_leads"' in body


def test_a_ratio_of_two_kpis_divides_their_sums(facts, login):
    client = login(facts.user("ada"))
    response = _post(
        client,
        code="revenue_per_visit",
        kind="ratio",
        numerator="revenue",
        denominator="visits",
        ratio_unit="money",
        level="result",
        timing="lagging",
    )
    assert response.status_code == 302
    assert _value(facts.ruud, "revenue_per_visit") == 1000.00  # € 1,000 over one visit
    assert _value(facts.rosa, "revenue_per_visit") is None  # revenue, but no visit: 0 below
    team = Person.objects.filter(pk__in=[facts.ruud.pk, facts.rosa.pk, facts.rik.pk])
    assert sel.kpi_values(team, NOV, END)["revenue_per_visit"] == 1500.00  # € 3,000 / 2


def test_the_full_refresh_keeps_custom_kpis(facts, login):
    _post(login(facts.user("ada")), code="own_leads", kind="measure", source="leads")
    kpi_facts_refresh(start=NOV, end=END)
    assert _value(facts.ruud, "own_leads") == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"code": "revenue", "kind": "measure", "source": "leads"}, "code", "built-in"),
        ({"code": "x", "kind": "measure", "source": ""}, "source", "Choose the data source"),
        (
            {"code": "x", "kind": "measure", "source": "leads", "measure": "amount"},
            "measure",
            "only be counted",
        ),
        (
            {"code": "x", "kind": "measure", "source": "leads", "activity_kind": "visit"},
            "activity_kind",
            "cannot be filtered",
        ),
        (
            {"code": "x", "kind": "ratio", "numerator": "win_rate", "denominator": "visits"},
            "numerator",
            "not one of the available choices",  # the form offers only KPIs that add up
        ),
        ({"code": "x", "kind": "ratio", "numerator": "quotes"}, "denominator", "Choose a KPI"),
        (
            {
                "code": "x",
                "kind": "ratio",
                "numerator": "visits",
                "denominator": "quotes",
                "ratio_unit": "money",
            },
            "ratio_unit",
            "amount in euros",
        ),
    ],
)
def test_an_impossible_kpi_is_refused_and_nothing_is_stored(cast, login, fields, field, message):
    response = _post(login(cast.user("ada")), **fields)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    assert not CustomKpi.objects.exists() and not KpiFact.objects.filter(kpi="x").exists()


def test_the_refusal_speaks_dutch(cast, login):
    client = login(cast.user("ada"))
    client.cookies["django_language"] = "nl"
    response = _post(client, code="revenue", kind="measure", source="leads")
    assert "ingebouwde KPI" in " ".join(response.context["form"].errors["code"])


def test_only_an_administrator_defines_kpis(cast, login):
    for name in ("dirk", "cora", "mia", "ruud"):
        client = login(cast.user(name))
        assert client.get(reverse("custom_kpi_new")).status_code == 403
        assert _post(client, code="y", kind="measure", source="leads").status_code == 403
    assert not CustomKpi.objects.exists()
    page = login(cast.user("ruud")).get(reverse("kpi_catalogue")).content.decode()
    assert 'data-testid="new-kpi"' not in page and 'data-kpi="win_rate"' in page


def test_a_custom_kpi_can_carry_targets(facts, login):
    from koers.imports.services import import_file

    _post(login(facts.user("ada")), code="own_leads", kind="measure", source="leads")
    validate_kpi("own_leads")  # does not raise
    facts.ruud.external_id = "P-RUUD"
    facts.ruud.save()
    text = "kpi;person;month;value\nown_leads;P-RUUD;2026-11-01;4\n"
    run = import_file(kind="targets", raw=text.encode(), filename="t.csv", by=None).run
    assert run.status == "committed", run.errors
    ruud = Person.objects.filter(pk=facts.ruud.pk)
    assert sel.target_values(ruud, NOV, END) == {"own_leads": 4.0}
    body = login(facts.user("ruud")).get(reverse("kpis")).content.decode()
    assert 'data-attainment="own_leads">25%' in body  # one lead of the four


def test_a_custom_kpi_leads_down_to_exactly_the_records_it_counts(facts, login):
    import re

    _post(
        login(facts.user("ada")),
        code="own_leads",
        kind="measure",
        source="leads",
        lead_source="sales",
    )
    client = login(facts.user("dirk"))
    body = client.get(reverse("kpis")).content.decode()
    link = re.search(r'<tr data-kpi="own_leads">\s*<td><a href="([^"]+)"', body).group(1)
    link = link.replace("&amp;", "&")
    assert "kpi=own_leads" in link
    records = client.get(link).content.decode()
    assert "Lead ruud" in records and "Lead rik" in records and "2 records" in records
    assert 'data-testid="drill-scope"' in records and "Own leads" in records


def test_editing_keeps_the_code_and_recomputes(facts, login):
    client = login(facts.user("ada"))
    _post(client, code="own_leads", kind="measure", source="leads")
    url = reverse("custom_kpi_edit", args=["own_leads"])
    response = client.post(
        url,
        {
            **BASE,
            "code": "hacked",
            "kind": "measure",
            "source": "leads",
            "lead_source": "marketing",
        },
    )
    assert response.status_code == 302
    assert CustomKpi.objects.get().code == "own_leads"
    assert _value(facts.ruud, "own_leads") is None  # the cast's leads come from sales


def test_a_ratio_of_a_ratio_is_refused_by_the_model_too(cast):
    from django.core.exceptions import ValidationError

    custom = CustomKpi(
        code="x",
        name_en="x",
        name_nl="x",
        timing="lagging",
        level="result",
        kind="ratio",
        numerator="win_rate",
        denominator="visits",
    )
    with pytest.raises(ValidationError, match="itself a ratio"):
        custom.full_clean()


@pytest.fixture
def varied(cast):
    """Records that the filters tell apart: a call beside the visits, a second product
    group, a segment, a new account, a won deal."""
    from decimal import Decimal

    from koers.sales import models as sm
    from koers.sales.services import opportunity_save
    from tests.factories import ProductFactory

    sm.Activity.objects.create(kind="call", date=dt.date(2026, 11, 4), owner=cast.ruud)
    rik_account = cast.accounts["rik"]
    rik_account.segment, rik_account.lifecycle = "Bouw", "new"
    rik_account.save()
    other = ProductFactory()
    sale(
        cast,
        cast.ruud,
        "SO-other",
        dt.date(2026, 11, 6),
        "300.00",
        product=other,
        quantity="3",
        cost="100.00",
    )
    fresh = sm.Opportunity(
        name="Bouw extension",
        account=rik_account,
        owner=cast.rik,
        stage=cast.stages["suspect"],
        amount=Decimal("4000.00"),
        currency="EUR",
        created_on=dt.date(2026, 11, 5),
        expected_close_date=dt.date(2027, 1, 15),
        source="sales",
    )
    opportunity_save(opportunity=fresh, by=None, on=dt.date(2026, 11, 5))
    won = cast.opportunities["rik"]
    won.stage, won.closed_on = cast.stages["customer"], dt.date(2026, 11, 10)
    opportunity_save(opportunity=won, by=None, on=dt.date(2026, 11, 10))
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=END)
    return cast, other.group


FILTERED = [
    ("activities", {"activity_kind": "call"}),
    ("activities", {"activity_kind": "visit", "segment": "Bouw"}),
    ("activities", {"business": "existing"}),
    ("orders", {"product_group": "other"}),
    ("orders", {"segment": "Bouw"}),
    ("orders", {"business": "new"}),
    ("orders", {"business": "existing"}),
    ("opportunities_created", {"segment": "Bouw"}),
    ("opportunities_won", {}),
    ("leads", {"lead_source": "sales"}),
]


@pytest.mark.parametrize(("source", "filters"), FILTERED)
def test_a_custom_kpis_drill_down_lists_exactly_the_records_it_counts(
    varied, login, source, filters
):
    import re

    cast, other_group = varied
    fields = {**filters}
    if fields.get("product_group") == "other":
        fields["product_group"] = other_group
    CustomKpi.objects.create(
        code="probe",
        name_en="Probe",
        name_nl="Probe",
        timing="leading",
        level="activity",
        kind="measure",
        source=source,
        **fields,
    )
    kpi_facts_refresh(start=NOV, end=END)
    everyone = Person.objects.all()
    counted = sel.kpi_values(everyone, NOV, dt.date(2026, 11, 23)).get("probe") or 0
    client = login(cast.user("dirk"))
    body = client.get(reverse("kpis")).content.decode()
    link = re.search(r'<tr data-kpi="probe">\s*<td><a href="([^"]+)"', body).group(1)
    records = client.get(link.replace("&amp;", "&")).content.decode()
    listed = int(re.search(r"(\d+) records?", records).group(1))
    assert counted > 0 and listed == counted
