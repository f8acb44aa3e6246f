"""Every role's home draws its chart: each data-figure holds a figure (JSON), and the tiles'
figures are marked apart (data-tile), so the chart script never stops on one."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest

from koers.measure.services import kpi_facts_refresh


@pytest.mark.parametrize("who", ["dirk", "cora", "mia", "ruud", "ada"])
def test_every_figure_on_the_home_page_is_a_chart(cast, login, who):
    kpi_facts_refresh(start=dt.date(2025, 12, 1), end=dt.date(2026, 11, 30))
    page = login(cast.user(who)).get("/").content.decode()
    figures = re.findall(r'data-figure="([^"]*)"', page)
    for figure in figures:
        assert isinstance(json.loads(html.unescape(figure)), dict)
    if who != "ada":
        assert 'id="trend"' in page and figures  # the trend chart is there to draw
    assert 'data-tile="revenue-month"' in page or who == "ada"


def test_the_favicon_is_served_to_anyone(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"].endswith("koers/favicon.svg")
