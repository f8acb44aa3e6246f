"""A page of a list that joins other tables is found in two steps (the page's ids sorted
and cut without the joins, then those records): the same records in the same order as
the one query, on every page, the last one short or with its orphans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.paginator import Paginator

from koers.sales import models as sm
from koers.ui.paging import EstimatingPaginator


@pytest.mark.parametrize("orphans", [0, 3])
@pytest.mark.parametrize("order", [("-order_date", "pk"), ("account__name", "-pk"), ("amount",)])
def test_every_page_equals_the_one_query(cast, order, orphans):
    for k in range(37):
        sm.OrderLine.objects.create(
            order_number=f"P-{k}",
            order_date=dt.date(2026, 1, 1) + dt.timedelta(days=k % 5),
            account=list(cast.accounts.values())[k % 3],
            product=cast.product,
            quantity=Decimal(1),
            amount=Decimal(k % 7),
            cost=Decimal(0),
            currency="EUR",
        )
    rows = sm.OrderLine.objects.select_related("account", "product").order_by(*order, "pk")
    plain, paged = (
        Paginator(rows, 10, orphans=orphans),
        EstimatingPaginator(rows, 10, orphans=orphans),
    )
    assert paged.num_pages == plain.num_pages
    for number in plain.page_range:
        expected = [line.pk for line in plain.page(number).object_list]
        page = paged.page(number)
        assert [line.pk for line in page.object_list] == expected
        assert all("account" in line._state.fields_cache for line in page.object_list)  # joined
        assert (page.has_next(), page.start_index()) == (
            plain.page(number).has_next(),
            plain.page(number).start_index(),
        )
