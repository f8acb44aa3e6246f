"""An order line without a product (exports often lack one) counts for revenue and credit;
product-group rules and the mix analysis skip it."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command

from koers.measure import selectors as msel
from koers.measure.models import GroupSalesFact
from koers.measure.services import kpi_facts_refresh
from koers.org.models import Person
from koers.sales import models as sm


def test_a_line_without_product_counts_for_revenue_not_for_groups(cast, tmp_path, client):
    for record, key in ((cast.accounts["ruud"], "A-RUUD"), (cast.ruud, "RUUD")):
        record.external_id = key
        record.save()
    path = tmp_path / "orders.csv"
    path.write_text(
        "external_id;order_date;account;quantity;amount;credited_to\n"
        "NP-1;2026-11-12;A-RUUD;1;250,00;RUUD\n",
        encoding="utf-8",
    )
    call_command("import", "orders", str(path), stdout=io.StringIO())
    line = sm.OrderLine.objects.get(external_id="NP-1")
    assert line.product is None
    kpi_facts_refresh(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    ruud = Person.objects.filter(pk=cast.ruud.pk)
    november = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert msel.kpi_values(ruud, *november)["revenue"] == 1000 + 250
    # the product-group facts hold the cast's line only
    grouped = GroupSalesFact.objects.filter(person=cast.ruud, month=dt.date(2026, 11, 1))
    assert sum(g.revenue_cents for g in grouped) == 1000 * 100
    client.force_login(cast.user("ruud"))
    page = client.get(f"/data/orders/{line.pk}/")
    assert page.status_code == 200 and "None" not in page.content.decode()


def test_pay_gives_a_line_without_product_the_base_rate():
    import polars as pl

    from koers.engine.comp import _rate

    class Component:
        tiers = ()
        group_rates = ((3, 500),)

    frame = pl.DataFrame({"product_group_id": [3, None]}, schema={"product_group_id": pl.Int64})
    rates = frame.select(_rate(Component()).alias("rate"))["rate"].to_list()  # type: ignore[arg-type]
    assert rates == [500, 0]
