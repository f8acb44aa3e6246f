"""Every write path marks the months it touches stale, so a page or a run never reads a
fact from before the change: a web form, the API, the admin's change and delete, and a
credit split (an import refreshes its months itself: ``test_freshness``)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from koers.core.services import record_save
from koers.measure.freshness import months_to_refresh
from koers.measure.services import kpi_facts_refresh
from koers.plan.models import Target
from koers.reward.models import PayoutLine
from koers.reward.services import run_month
from koers.sales import models as sm
from tests.conftest import on_plan
from tests.ui.test_editing import _form

OCT, NOV, NOV_END = dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 11, 30)


def _stale() -> set[dt.date]:
    return set(months_to_refresh())


def _fresh() -> None:
    kpi_facts_refresh(start=OCT, end=NOV_END)
    assert _stale() == set()


def test_a_web_form_marks_the_months_before_and_after_stale(cast, login):
    _fresh()
    deal = cast.opportunities["ruud"]
    client = login(cast.user("ruud"))
    form = _form(deal, created_on="2026-11-10")
    response = client.post(reverse("entity_edit", args=["opportunities", deal.pk]), form)
    assert response.status_code == 302
    assert _stale() == {OCT, NOV}


def test_the_api_marks_the_months_before_and_after_stale(cast, token):
    _fresh()
    deal = cast.opportunities["ruud"]
    response = Client().patch(
        f"/api/v1/opportunities/{deal.pk}",
        json.dumps({"created_on": "2026-11-10"}),
        content_type="application/json",
        **token("ruud"),
    )
    assert response.status_code == 200, response.content
    assert _stale() == {OCT, NOV}


def test_an_admin_change_marks_the_months_before_and_after_stale(cast, client):
    _fresh()
    visit = sm.Activity.objects.filter(owner=cast.rik).get()
    client.force_login(cast.ada.user)
    url = reverse("admin:sales_activity_change", args=[visit.pk])
    page = client.get(url)
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    data.update({"date": "2026-10-20", "owner": cast.rik.pk, "account": visit.account_id})
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _stale() == {OCT, NOV}


VISITS_GATE = """\
code: gated
components:
  - {code: commission, rule: flat, rate: 10%, gate: {kpi: visits, min: 70%}}
"""


def test_deleting_a_visit_in_the_admin_closes_a_gate_that_read_it(cast, client):
    on_plan(VISITS_GATE, cast.rik)
    for day in range(4, 10):  # seven visits with the cast's own
        sm.Activity.objects.create(
            kind="visit", date=dt.date(2026, 11, day), owner=cast.rik, account=cast.accounts["rik"]
        )
    Target.objects.create(kpi="visits", person=cast.rik, month=NOV, value=Decimal(10))
    _fresh()
    client.force_login(cast.ada.user)
    visit = sm.Activity.objects.filter(owner=cast.rik).last()
    response = client.post(reverse("admin:sales_activity_delete", args=[visit.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert _stale() == {NOV}
    run_month(NOV, by=None)
    line = PayoutLine.objects.get(person=cast.rik, component="commission")
    # six visits of ten: 60%, below the gate's 70%
    assert (line.modifier_ppm, line.earnings) == (600_000, Decimal("0.00"))


def test_a_changed_credit_split_marks_its_order_lines_months_stale(cast):
    _fresh()
    credit = sm.OrderLineCredit.objects.filter(person=cast.ruud).get()
    before = {"percent": str(credit.percent)}
    credit.person = cast.rosa
    record_save(obj=credit, by=None, before=before)
    assert _stale() == {NOV}
