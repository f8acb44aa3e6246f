"""Deviations are flagged, analysed with Five Times Why, and followed up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from koers.engine.periods import add_months, month_start
from koers.measure.models import KpiFact, RootCauseAction, RootCauseAnalysis
from koers.org.models import AuditEvent


def _month(offset: int) -> dt.date:
    return add_months(month_start(timezone.localdate()), offset)


@pytest.fixture
def dip(cast):
    """Ruud's revenue: € 1,000 a month, € 400 two months ago, back to € 950 last month."""
    values = {-8: 1000, -7: 1000, -6: 1000, -5: 1000, -4: 1000, -3: 1000, -2: 400, -1: 950}
    KpiFact.objects.bulk_create(
        KpiFact(kpi="revenue", person=cast.ruud, month=_month(k), numerator=v * 100, denominator=1)
        for k, v in values.items()
    )
    return cast


def test_the_dip_is_flagged_for_the_manager_and_not_for_another_team(dip, login):
    body = login(dip.user("mia")).get(reverse("deviations")).content.decode()
    assert "Ruud" in body and "-60%" in body
    body = login(dip.user("max")).get(reverse("deviations")).content.decode()
    assert "Ruud" not in body


def _post(client, cast, **extra):
    data = {
        "person": cast.ruud.pk,
        "kpi": "revenue",
        "month": _month(-2).isoformat(),
        "title": "Omzetdip",
        "why_1": "Minder orders van Pompen Noord",
        "why_2": "Klant had nog voorraad",
        "why_3": "Wij leverden vorige maand dubbel",
        "root_cause": "Bonusstructuur van de klant stuurt op kwartaalinkoop",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-0-description": "Afspraak over spreiding van inkoop",
        "actions-0-owner": cast.ruud.pk,
        "actions-0-due_date": "2026-12-15",
    }
    data.update(extra)
    return client.post(reverse("analysis_new"), data)


def test_record_a_five_times_why_with_actions_and_follow_up(dip, login):
    client = login(dip.user("mia"))
    response = _post(client, dip)
    analysis = RootCauseAnalysis.objects.get()
    assert response["Location"] == reverse("analysis_detail", args=[analysis.pk])
    assert analysis.whys[2] == "Wij leverden vorige maand dubbel"
    assert RootCauseAction.objects.get().owner == dip.ruud
    assert AuditEvent.objects.filter(model="measure.rootcauseanalysis").exists()
    body = client.get(reverse("analysis_detail", args=[analysis.pk])).content.decode()
    assert "Bonusstructuur" in body and "Recovered" in body  # € 950 is within 25% of € 1,000


def test_an_incomplete_analysis_writes_nothing(dip, login):
    client = login(dip.user("mia"))
    assert _post(client, dip, root_cause="").status_code == 400
    assert _post(client, dip, **{"actions-0-owner": ""}).status_code == 400
    assert not RootCauseAnalysis.objects.exists() and not RootCauseAction.objects.exists()


def test_a_salesperson_analyses_their_own_dip_but_never_sees_a_peers(dip, login):
    assert _post(login(dip.user("ruud")), dip).status_code == 302
    analysis = RootCauseAnalysis.objects.get()
    assert (
        login(dip.user("rosa")).get(reverse("analysis_detail", args=[analysis.pk])).status_code
        == 404
    )
    response = login(dip.user("rosa")).get(
        reverse("analysis_new"),
        {"person": dip.ruud.pk, "kpi": "revenue", "month": _month(-2).isoformat()},
    )
    assert response.status_code == 404


def test_a_waterfall_starts_near_its_lowest_level_and_labels_each_step():
    import json as _json

    from django.utils import translation

    from koers.measure.views import _waterfall, waterfall_axis

    assert waterfall_axis(100_000, [5_000, -2_000]) == [98_750.0, 106_250.0]
    assert waterfall_axis(0, [0]) == [-1.0, 1.0]
    with translation.override("nl"):
        figure = _json.loads(
            _waterfall("W", 10_000_000, [("Meer", 500_000), ("Minder", -200_050)], 10_299_950, None)
        )
    # the levels are rounded (102,999.50 → 103,000), so the steps add up to the total
    assert figure["y"] == [100_000, 5_000, -2_000, 103_000]
    assert figure["text"] == ["€ 100.000", "+€ 5.000", "€ -2.000", "€ 103.000"]
    assert figure["range"][0] > 90_000  # not from € 0
