"""Every page a role reaches from its menu, in a real browser, in Dutch on a 1366 px
laptop; and in English on a 390 px phone the pages whose tables carry a key column. A
page fails on a console error, a 4xx or 5xx answer, a raw code (a snake_case identifier or
a Python repr in the text people read), an English word on a Dutch page, or a table's key
column outside the screen."""

from __future__ import annotations

import os
import re

import pytest
from django.urls import reverse

from tests.browser.conftest import log_in
from tests.conftest import open_round

pytestmark = pytest.mark.browser

ROLES = ["ruud", "mia", "dirk", "cora", "ada", "mark"]
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
REPR = re.compile(r"\bNone\b|object at 0x|<[a-z_.]+ object|\bDecimal\(|\{'[a-z_]+':")
# words that are English and never Dutch: one of them on a Dutch page is untranslated
ENGLISH = re.compile(
    r"\b(the|and|with|your|this|which|from|nobody|there|should|would|please|month|"
    r"people|none|yet|than|must|been|have|when|where)\b"
)
# the text people read: without code samples, editors, inputs and scripts
READ_TEXT = """() => {
  const main = document.querySelector("main").cloneNode(true);
  main.querySelectorAll("code, pre, textarea, script, style, .CodeMirror, select, [data-raw]")
      .forEach(e => e.remove());
  return main.innerText;
}"""
KEY_COLUMNS = """() => Array.from(document.querySelectorAll("th[data-key]"))
  .filter(th => th.offsetParent !== null)
  .map(th => { const r = th.getBoundingClientRect(); return [th.innerText, r.right]; })"""


@pytest.fixture
def reachable(marketer, rewarded):
    """The cast with pay, a month calculated and next year's round open."""
    from koers.reward.services import run_month

    cast = rewarded
    run_month(cast.lines["ruud"].order_date, by=None)
    open_round(cast)
    return cast


# on a phone the pages whose tables have a key column, and the home page
PHONE = ("/", "/plan/rounds/", "/reward/statement/", "/measure/kpis/", "/steer/skills/")


def _pages(cast, who: str, phone: bool = False) -> list[str]:
    from koers.plan.models import TargetRound
    from koers.ui.navigation import navigation_for

    # `make test` walks the cycle's pages (Plan, Steer, Measure, Reward); the Data lists are
    # rendered for every role by tests/ui/test_pages.py, and `make crawl` walks them here too
    full = bool(os.environ.get("KOERS_FULL_CRAWL"))
    urls = [reverse("home")]
    urls += [
        i.url
        for s in navigation_for(cast.user(who), "/")
        for i in s.items
        if not i.url.startswith("/admin/") and (full or s.key != "data")
    ]
    if reverse("plan_rounds") in urls:
        urls.append(reverse("plan_round", args=[TargetRound.objects.get().pk]))
    if phone:
        urls = [u for u in urls if u in PHONE or u.startswith("/plan/rounds/")]
    return list(dict.fromkeys(urls))


def _crawl(browser, live_server, cast, who: str, locale: str, width: int) -> list[str]:
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    # the 3.5 MB chart bundle is left out: the charts have their own browser tests
    # (test_roles, test_measure), and every page here loads in a fraction of the time
    context.route("**/assets/plotly.min.js", lambda route: route.abort())
    page = context.new_page()
    page.base = live_server.url
    console: list[str] = []
    page.on(
        "console",
        lambda m: (
            console.append(m.text)
            if m.type == "error" and "plotly" not in m.text and "ERR_FAILED" not in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: console.append(str(e)))
    problems = []
    try:
        log_in(page, who)
        for url in _pages(cast, who, phone=width < 720):
            console.clear()
            answer = page.goto(live_server.url + url, wait_until="load")
            if answer is None or answer.status >= 400:
                problems.append(f"{url}: HTTP {answer.status if answer else '?'}")
                continue
            text = page.evaluate(READ_TEXT)
            for found in SNAKE.findall(text):
                problems.append(f"{url}: raw code {found!r}")
            for found in REPR.findall(text):
                problems.append(f"{url}: Python text {found!r}")
            if locale.startswith("nl"):
                for found in set(ENGLISH.findall(text)):
                    at = text.find(found)
                    near = text[max(at - 40, 0) : at + 40]
                    problems.append(f"{url}: English {found!r} in …{near!r}")
            for label, right in page.evaluate(KEY_COLUMNS):
                if right > width + 1:
                    problems.append(f"{url}: key column {label!r} ends at {right:.0f} px")
            problems += [f"{url}: console {m}" for m in console]
    finally:
        context.close()
    return problems


@pytest.mark.parametrize("who", ROLES)
def test_every_page_of_a_role_reads_well(browser, live_server, reachable, who):
    # one set-up per role: the laptop in Dutch, then the phone in English
    problems = _crawl(browser, live_server, reachable, who, "nl-NL", 1366)
    problems += _crawl(browser, live_server, reachable, who, "en-GB", 390)
    assert not problems, "\n".join(problems)
