"""One display rule: half away from zero, never a cut-off and never round-half-even."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from koers.kit.templatetags.koers import kpi_value, money0, percent


@pytest.mark.parametrize(
    ("value", "unit", "english", "dutch"),
    [
        (0.99, "money", "€ 1", "€ 1"),
        (68_792.5, "money", "€ 68,793", "€ 68.793"),
        (-68_792.5, "money", "€ -68,793", "€ -68.793"),
        (99, "cents", "€ 1", "€ 1"),
        (49, "cents", "€ 0", "€ 0"),
        (12.25, "percent", "12.3%", "12,3%"),
        (0.05, "percent", "0.1%", "0,1%"),
        (2.5, "score", "+3", "+3"),
        (-2.5, "score", "-3", "-3"),
        (41.25, "days", "41.3 d", "41,3 d"),
        (1234.5, "count", "1,234.5", "1.234,5"),
        (1234.0, "count", "1,234", "1.234"),
    ],
)
def test_figures_round_half_away_from_zero_in_both_languages(value, unit, english, dutch):
    assert kpi_value(value, unit) == english
    with translation.override("nl"):
        assert kpi_value(value, unit) == dutch


def test_the_filters_round_alike():
    assert money0(Decimal("2.5")) == "€ 3" and money0(Decimal("-0.5")) == "€ -1"
    assert percent(Decimal("0.25")) == "0.3%"


def test_fte_and_weights_are_numbers_not_money(cast, login):
    from django.urls import reverse

    page = login(cast.user("dirk")).get(reverse("entity_detail", args=["people", cast.ruud.pk]))
    body = page.content.decode()
    assert "€ 1.00" not in body and "€ 1,00" not in body
    listing = login(cast.user("dirk")).get(reverse("entity_list", args=["people"])).content.decode()
    assert "FTE € " not in listing and "€ 1.00</td>" not in listing
