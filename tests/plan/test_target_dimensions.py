"""Targets narrowed to an account or a product group stand beside a person's overall
target: the KPI pages, quotas and imports read the overall one, never their sum; an
account's page shows its own target."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from koers.imports.services import import_file
from koers.measure import selectors as msel
from koers.measure.services import kpi_facts_refresh
from koers.org.models import Person
from koers.plan.models import Target
from koers.sales.models import ProductGroup

NOV = dt.date(2026, 11, 1)


@pytest.fixture
def narrowed(cast):
    group = ProductGroup.objects.create(code="T-PMP", name="Pompen (test)")
    Target.objects.create(kpi="revenue", person=cast.ruud, month=NOV, value=Decimal(2000))
    Target.objects.create(
        kpi="revenue", person=cast.ruud, month=NOV, value=Decimal(800), product_group=group
    )
    Target.objects.create(
        kpi="revenue",
        person=cast.ruud,
        month=NOV,
        value=Decimal(500),
        account=cast.accounts["ruud"],
    )
    kpi_facts_refresh(start=NOV, end=dt.date(2026, 11, 30))
    return cast


def test_the_kpi_pages_read_the_overall_target_only(narrowed):
    people = Person.objects.filter(pk=narrowed.ruud.pk)
    assert msel.target_values(people, NOV, dt.date(2026, 11, 30))["revenue"] == 2000


def test_an_account_page_shows_its_target(narrowed, login):
    page = (
        login(narrowed.user("ruud"))
        .get(reverse("entity_detail", args=["accounts", narrowed.accounts["ruud"].pk]))
        .content.decode()
    )
    # the cast's € 1,000 in November against the account's € 500
    assert re.search(r"target to date € 500 \(200.0%\)", page)


def test_the_targets_import_updates_the_overall_target_and_leaves_the_others(narrowed):
    text = f"kpi,person,month,value\nrevenue,{narrowed.ruud},2026-11-01,2500\n"
    run = import_file(kind="targets", raw=text.encode(), filename="t.csv", by=None).run
    assert run.status == "committed", run.errors
    values = sorted(Target.objects.filter(person=narrowed.ruud).values_list("value", flat=True))
    assert values == [Decimal(500), Decimal(800), Decimal(2500)]


def test_a_target_is_narrowed_to_an_account_or_a_group_not_both(narrowed):
    target = Target(
        kpi="revenue",
        person=narrowed.ruud,
        month=NOV,
        value=1,
        account=narrowed.accounts["ruud"],
        product_group=ProductGroup.objects.get(code="T-PMP"),
    )
    with pytest.raises(ValidationError):
        target.full_clean()
