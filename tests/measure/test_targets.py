"""Targets (imported until the Plan phase sets them), attainment, and flags below target."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from koers.engine.periods import add_months, month_start
from koers.imports.services import import_file
from koers.measure import selectors as sel
from koers.measure.models import KpiFact
from koers.measure.services import kpi_facts_refresh
from koers.org.models import Person
from koers.plan.models import Target

NOV = dt.date(2026, 11, 1)


def _keyed(cast):
    cast.ruud.external_id = "P-RUUD"
    cast.ruud.save()


def test_targets_import_and_attainment_on_the_kpi_page(cast, login):
    _keyed(cast)
    text = (
        "kpi;person;month;value\nrevenue;P-RUUD;2026-11-01;2.000,00\nOmzet;P-RUUD;2026-10-01;900\n"
    )
    run = import_file(kind="targets", raw=text.encode(), filename="t.csv", by=None).run
    assert run.status == "committed", run.errors
    assert Target.objects.get(month=NOV).value == Decimal("2000.00")
    assert Target.objects.get(month=dt.date(2026, 10, 1)).kpi == "revenue"  # Dutch name
    kpi_facts_refresh(start=NOV, end=dt.date(2026, 11, 30))
    ruud = Person.objects.filter(pk=cast.ruud.pk)
    assert sel.target_values(ruud, NOV, dt.date(2026, 11, 30)) == {"revenue": 2000.0}
    assert sel.attainment("revenue", 1000.0, 2000.0) == 50.0
    assert sel.attainment("dso", 40.0, 30.0) == 75.0  # lower is better


def test_bad_target_files_are_refused(cast):
    _keyed(cast)
    text = "kpi;person;month;value\nrevenue;P-RUUD;2026-11-15;100\nhappiness;P-RUUD;2026-11-01;5\n"
    outcome = import_file(kind="targets", raw=text.encode(), filename="t.csv", by=None)
    messages = " ".join(outcome.errors["message"])
    assert "first day of the month" in messages and "not a KPI" in messages
    assert not Target.objects.exists()


def test_below_target_is_flagged_as_a_deviation(cast, login):
    last_month = add_months(month_start(timezone.localdate()), -1)
    KpiFact.objects.create(
        kpi="revenue", person=cast.ruud, month=last_month, numerator=50_000, denominator=1
    )
    Target.objects.create(kpi="revenue", person=cast.ruud, month=last_month, value=1000)
    body = login(cast.user("mia")).get(reverse("deviations")).content.decode()
    assert "Ruud" in body and "(target)" in body and "-50%" in body


def test_kpi_page_shows_target_and_attainment(cast, login):
    today = timezone.localdate()
    this_month = month_start(today)
    KpiFact.objects.create(
        kpi="quotes", person=cast.ruud, month=this_month, numerator=6, denominator=1
    )
    Target.objects.create(kpi="quotes", person=cast.ruud, month=this_month, value=8)
    body = login(cast.user("ruud")).get(reverse("kpis")).content.decode()
    assert 'data-attainment="quotes">75%' in body


def test_pipeline_coverage_against_the_remaining_target(cast, login):
    this_month = month_start(timezone.localdate())
    KpiFact.objects.create(
        kpi="revenue", person=cast.ruud, month=this_month, numerator=500_000, denominator=1
    )  # € 5,000 reached
    Target.objects.create(kpi="revenue", person=cast.ruud, month=this_month, value=10_000)
    deal = cast.opportunities["ruud"]  # € 10,000 open at prospect (25%)
    deal.expected_close_date = this_month
    deal.save()
    ruud = Person.objects.filter(pk=cast.ruud.pk)
    # expected on the 1st, still open on the 23rd: pipeline, and overdue
    assert sel.open_pipeline(ruud, this_month) == (10_000.0, 2_500.0, 1, 10_000.0, 1, 10_000.0, 1)
    assert sel.coverage(10_000.0, 10_000.0, 5_000.0) == 2.0
    assert sel.coverage(10_000.0, 10_000.0, 12_000.0) is None  # the target is reached
    body = login(cast.user("ruud")).get(reverse("kpis")).content.decode()
    assert 'data-testid="coverage">2.0×' in body


def test_overdue_open_deals_count_as_pipeline_and_are_flagged_with_their_list(cast, login):
    today = timezone.localdate()
    late, due = cast.opportunities["ruud"], cast.opportunities["rosa"]
    late.expected_close_date = dt.date(2026, 9, 30)  # long past, still open
    late.save()
    due.expected_close_date = today
    due.save()
    client = login(cast.user("mia"))
    body = client.get(reverse("kpis")).content.decode()
    pipeline = sel.open_pipeline(Person.objects.filter(unit=cast.ruud.unit), dt.date(2026, 11, 30))
    assert (pipeline.count, pipeline.due_count, pipeline.overdue_count) == (2, 2, 1)
    early = sel.open_pipeline(Person.objects.filter(unit=cast.ruud.unit), dt.date(2026, 9, 1))
    assert (early.count, early.due_count, early.overdue_count) == (2, 0, 1)
    assert 'data-testid="overdue"' in body and "of which 1 overdue" in body
    import html
    import re

    link = html.unescape(re.search(r'data-testid="overdue" href="([^"]+)"', body).group(1))
    listed = client.get(link).content.decode()
    assert late.name in listed and due.name not in listed
