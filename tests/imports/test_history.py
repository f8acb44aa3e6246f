"""History arrives: ten years of order lines imported in one file show on the KPI page for
all time and for a custom period, and in the customers page's lifecycle."""

from __future__ import annotations

import re

from django.urls import reverse

from koers.imports.services import import_file
from koers.measure.models import KpiFact


def test_ten_years_of_orders_show_everywhere(cast, login):
    for record, key in (
        (cast.accounts["ruud"], "A-RUUD"),
        (cast.accounts["rosa"], "A-ROSA"),
        (cast.product, "P-1"),
        (cast.ruud, "RUUD"),
    ):
        record.external_id = key
        record.save()
    rows = ["external_id;order_date;account;product;quantity;amount;credited_to"]
    # Ruud sells € 100 every March from 2017 to 2026; Rosa's account bought once, in 2016
    rows += [f"H-{y};{y}-03-15;A-RUUD;P-1;1;100,00;RUUD" for y in range(2017, 2027)]
    rows += ["H-ROSA;2016-06-01;A-ROSA;P-1;1;50,00;RUUD"]
    run = import_file(
        kind="orders", raw="\n".join(rows).encode(), filename="tien-jaar.csv", by=None
    ).run
    assert run.status == "committed" and run.created == 11
    # the import refreshed the facts of every month it touched, back to 2016
    assert KpiFact.objects.filter(kpi="revenue", month="2016-06-01").exists()
    client = login(cast.user("ruud"))
    everything = client.get(reverse("kpis"), {"period": "all"}).content.decode()
    # ten years × € 100 and Rosa's account's € 50 (the months the import refreshed)
    assert re.search(r'data-value="revenue">€ 1,050<', everything)
    assert "1 June 2016 – 23 November 2026" in everything
    early = client.get(reverse("kpis"), {"period": "custom", "from": "2016-01", "to": "2018-12"})
    assert re.search(r'data-value="revenue">€ 250<', early.content.decode())
    page = login(cast.user("dirk")).get(reverse("customers")).content.decode()
    # Rosa's account, last bought in 2016, is an ex-customer; Ruud's, buying every year, loyal
    lifecycle = re.search(r'data-testid="lifecycle">(.*?)</ul>', page, re.S).group(1)
    assert re.search(r"Ex-customer: <strong>1<", lifecycle)
    assert re.search(r"Loyal customer: <strong>1<", lifecycle)
