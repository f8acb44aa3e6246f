"""Order lines with a status: what counts as revenue is a setting; cancelled never counts."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from koers.measure import selectors as msel
from koers.measure.services import kpi_facts_refresh
from koers.org.models import Person
from koers.sales import models as sm

HEADER = "external_id;order_date;account;product;quantity;amount;currency;credited_to;status\n"


@pytest.fixture
def lines(cast, tmp_path):
    """Ruud's November: one line in each status, each a round number of euros."""
    for record, key in (
        (cast.accounts["ruud"], "A-RUUD"),
        (cast.product, "P-1"),
        (cast.ruud, "RUUD"),
    ):
        record.external_id = key
        record.save()
    account, product, ruud = "A-RUUD", "P-1", "RUUD"
    statuses = {
        "Ordered": 100,
        "Shipped": 200,
        "Gefactureerd": 400,  # Dutch, as an ERP writes it
        "On hold": 800,
        "Disputed": 1600,
        "Geannuleerd": 3200,
    }
    body = "".join(
        f"S-{i};2026-11-1{i};{account};{product};1;{euros},00;EUR;{ruud};{status}\n"
        for i, (status, euros) in enumerate(statuses.items())
    )
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    call_command("import", "orders", str(path), stdout=io.StringIO())
    return {
        line.external_id: line for line in sm.OrderLine.objects.filter(external_id__startswith="S-")
    }


def _revenue(person: Person) -> float:
    kpi_facts_refresh(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    people = Person.objects.filter(pk=person.pk)
    return msel.kpi_values(people, dt.date(2026, 11, 1), dt.date(2026, 11, 30))["revenue"]


def test_statuses_are_read_as_written(lines):
    assert [lines[f"S-{i}"].status for i in range(6)] == [
        "ordered",
        "shipped",
        "invoiced",
        "on_hold",
        "disputed",
        "cancelled",
    ]


def test_ordered_shipped_and_invoiced_count_by_default(cast, lines):
    # the cast's own November line (€ 1,000) plus 100 + 200 + 400
    assert _revenue(cast.ruud) == 1000 + 700


def test_what_counts_is_a_setting_and_cancelled_never_counts(cast, lines, settings):
    settings.KOERS_REVENUE_STATUSES = ["invoiced", "disputed", "cancelled"]
    assert _revenue(cast.ruud) == 1000 * 0 + 400 + 1600  # the cast's line is "ordered"


def test_a_line_that_becomes_cancelled_stops_counting(cast, lines, tmp_path):
    assert _revenue(cast.ruud) == 1700
    line = lines["S-2"]
    path = tmp_path / "update.csv"
    path.write_text(
        "external_id;order_date;account;product;quantity;amount;status\n"
        "S-2;2026-11-12;A-RUUD;P-1;1;400,00;cancelled\n",
        encoding="utf-8",
    )
    call_command("import", "orders", str(path), stdout=io.StringIO())
    line.refresh_from_db()
    assert line.status == "cancelled" and line.amount == Decimal("400.00")
    assert _revenue(cast.ruud) == 1300


def test_pay_credits_only_the_lines_that_count(cast, lines):
    from koers.reward.services.inputs import credits_frame

    credited = set(credits_frame(dt.date(2026, 11, 1), dt.date(2026, 11, 30))["line_id"].to_list())
    counted = {lines[f"S-{i}"].pk for i in range(3)}
    assert counted <= credited
    assert not {lines[f"S-{i}"].pk for i in range(3, 6)} & credited
