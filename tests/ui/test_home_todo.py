"""The home page leads: each role's year (the same figures as the plan pages), a to-do list
of what waits on that person (each item a link that opens), and the cycle on one line for
managers and the director."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from koers.plan.models import IndividualPlan, Target
from koers.plan.services import proposal_submit
from koers.steer.models import CoachingAction, CoachingSession, FeedbackRequest, FeedbackRound
from tests.conftest import open_round


@pytest.fixture
def busy(cast):
    """Round 2027 open, Ruud asked for feedback on Rosa, a coaching action due, and this
    year's targets set."""
    target_round = open_round(cast, 500_000)
    feedback = FeedbackRound.objects.create(
        name="360° najaar",
        owner=cast.mia,
        closes_on=dt.date(2026, 11, 30),
        status=FeedbackRound.Status.OPEN,
    )
    FeedbackRequest.objects.create(
        round=feedback, subject=cast.rosa, source="peer", rater=cast.ruud
    )
    FeedbackRequest.objects.create(
        round=feedback,
        subject=cast.rosa,
        source="manager",
        rater=cast.mia,
        answered_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
    )
    session = CoachingSession.objects.create(
        person=cast.ruud, coach=cast.mia, held_on=dt.date(2026, 11, 2), aim="Meer offertes"
    )
    CoachingAction.objects.create(
        session=session,
        owner=cast.ruud,
        description="Elke offerte binnen drie dagen nabellen",
        due_date=dt.date(2026, 11, 20),
    )
    Target.objects.bulk_create(
        Target(kpi="revenue", person=cast.ruud, month=dt.date(2026, m, 1), value=Decimal(1000))
        for m in range(1, 13)
    )
    return target_round


def _todo(page: str) -> list[tuple[str, str]]:
    block = re.search(r'data-testid="todo">(.*?)</section>', page, re.S).group(1)
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', block)


def test_a_salespersons_to_do_leads_to_each_page(cast, busy, login):
    client = login(cast.user("ruud"))
    page = client.get(reverse("home")).content.decode()
    items = _todo(page)
    texts = [text for _url, text in items]
    assert "Coaching action: Elke offerte binnen drie dagen nabellen (due 20 November)" in texts
    assert "Give feedback on Rosa Tester (until 30 November)" in texts
    assert "Make your forecast call for November 2026" in texts
    assert "Submit your own number for the 2027 target round" in texts
    assert 'data-testid="cycle"' not in page  # the cycle strip is for those who lead
    for url, text in items:
        assert client.get(url, follow=True).status_code == 200, text
    # once submitted, the round leaves his list
    proposal = busy.proposals.get(person=cast.ruud)
    proposal_submit(proposal, value=Decimal(90_000), substantiation="", by=cast.user("ruud"))
    texts = [t for _u, t in _todo(client.get(reverse("home")).content.decode())]
    assert "Submit your own number for the 2027 target round" not in texts


def test_the_year_on_the_home_page_is_the_plan_pages_year(cast, busy, login):
    client = login(cast.user("ruud"))
    home = client.get(reverse("home")).content.decode()
    plan = IndividualPlan.objects.create(person=cast.ruud, year=2026)
    page = client.get(reverse("entity_detail", args=["individual-plans", plan.pk])).content
    figures = re.findall(r'class="kpi-value">([^<]+)<', page.decode())
    year = re.search(r'data-testid="my-year">(.*?)</section>', home, re.S).group(1)
    assert "€ 12,000" in year  # the target set
    for figure in figures[:3]:  # target, to date, at this pace: one value on both pages
        assert figure in year


def test_a_manager_agrees_and_sees_the_cycle(cast, busy, login):
    proposal = busy.proposals.get(person=cast.ruud)
    proposal_submit(proposal, value=Decimal(90_000), substantiation="", by=cast.user("ruud"))
    client = login(cast.user("mia"))
    page = client.get(reverse("home")).content.decode()
    texts = [t for _u, t in _todo(page)]
    assert "Agree 1 number in the 2027 target round" in texts
    strip = re.search(r'data-testid="cycle".*?</nav>', page, re.S).group(0)
    words = re.sub(r"<[^>]+>", "", strip)
    # Team Noord: Mia, Ruud and Rosa carry a number; Ruud's is in
    assert "round 2027: 1 of 3 submitted" in words
    assert "360°: 1 of 2 answered" in words
    assert "forecast frozen Monday 30 November" in words
    for url in re.findall(r'href="([^"]+)"', strip):
        assert client.get(url).status_code == 200, url


def test_the_pay_office_approves_an_ended_month_and_answers_inquiries(cast, login):
    from koers.reward.models import CalcRun

    CalcRun.objects.create(month=dt.date(2026, 10, 1))
    client = login(cast.user("cora"))
    items = _todo(client.get(reverse("home")).content.decode())
    assert ("/reward/runs/2026-10/", "Approve the run of October 2026") in items
    for url, text in items:
        assert client.get(url).status_code == 200, text


def test_the_home_page_in_dutch(cast, busy, login):
    page = login(cast.user("ruud")).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    texts = [t for _u, t in _todo(page)]
    assert "Maak je forecastcall voor november 2026" in texts
    assert "Omzettarget 2026" in page
