"""Steer walked in the browser, in Dutch: a manager runs a feedback round, rates her
salesperson, a customer answers through the personal link, the manager reads the skills
matrix and records a coaching session with an agreed action."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from koers.steer.defaults import ensure_defaults
from koers.steer.models import CoachingAction, Competency, FeedbackRound, RoleRequirement
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _dutch(browser, live_server, width: int = 1280):
    context = browser.new_context(locale="nl-NL", viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base = live_server.url
    return context, page


def _rate(page, score: int) -> None:
    for fieldset in page.locator("fieldset.competency").all():
        fieldset.locator(f"input[type=radio][value='{score}']").check()
    with page.expect_navigation():
        page.click("[data-testid=send-answers]")


def test_a_manager_runs_a_round_a_customer_answers_and_coaching_follows(cast, browser, live_server):
    ensure_defaults(Competency, RoleRequirement)  # a transactional test starts empty
    cast.mia.email = "mia@example.com"
    cast.mia.save()
    context, page = _dutch(browser, live_server)
    log_in(page, "mia")
    page.goto(page.base + "/steer/feedback/")
    form = page.locator("[data-testid=round-form]")
    form.locator("#id_name").fill("Najaar")
    form.locator("#id_closes_on").fill("2026-12-20")
    for box in form.locator("input[name=competencies]").all()[2:]:
        box.uncheck()  # two competencies: negotiation and product knowledge
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=round-status]")).to_have_text("Concept")
    page.locator(f"[data-testid=subjects-form] input[value='{cast.ruud.pk}']").check()
    with page.expect_navigation():
        page.click("[data-testid=subjects-form] button")
    customer = page.locator("[data-testid=customer-form]")
    customer.locator("#id_subject").select_option(str(cast.ruud.pk))
    customer.locator("#id_name").fill("Klaas de Klant")
    customer.locator("#id_email").fill("klaas@klant.nl")
    with page.expect_navigation():
        customer.locator("button").click()
    with page.expect_navigation():
        page.click("[data-testid=open-round]")
    expect(page.locator("[data-testid=round-status]")).to_have_text("Open")
    assert "Ruud" in page.inner_text("[data-testid=tracking]")

    # Mia rates Ruud from her list of feedback to give
    page.goto(page.base + "/steer/feedback/")
    page.locator("[data-testid=to-answer] a", has_text="Ruud").click()
    assert "Onderhandelen" in page.inner_text("[data-testid=answer-form]")
    _rate(page, 2)
    expect(page.locator("[data-testid=thanks]")).to_contain_text("antwoorden zijn binnen")

    # the customer opens the personal link from the mail, in Dutch, without an account
    invitation = next(m for m in mail.outbox if m.to == ["klaas@klant.nl"])
    link = re.search(r"https?://\S+/feedback/\S+/", invitation.body).group(0)
    path = link[link.index("/feedback/") :]
    customer_context, customer_page = _dutch(browser, live_server, width=390)  # a phone
    customer_page.goto(live_server.url + path)
    assert "Hoe werkt Ruud" in customer_page.inner_text("h1")
    assert customer_page.locator("nav").count() == 0
    assert customer_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the customer's form overflows a phone's width"
    )
    _rate(customer_page, 4)
    expect(customer_page.locator("[data-testid=thanks]")).to_be_visible()
    customer_page.goto(live_server.url + path)  # the link works once
    expect(customer_page.locator("[data-testid=refused]")).to_contain_text("gebruikt")
    customer_context.close()

    # the matrix: Ruud's combined score is the mean of manager (2) and customer (4)
    round_ = FeedbackRound.objects.get()
    page.goto(page.base + f"/steer/skills/?round={round_.pk}&source=combined")
    cell = page.locator(
        f"[data-testid=skills-matrix] tr[data-person='{cast.ruud.pk}'] td.skill"
    ).first
    expect(cell).to_have_attribute("data-value", "3.0")

    # a coaching session with an agreed action, from Ruud's row
    page.click(f"[data-testid=skills-matrix] tr[data-person='{cast.ruud.pk}'] a")
    page.click("main p.lead >> text=Coaching")
    session = page.locator("[data-testid=session-form]")
    session.locator("#id_aim").fill("Waar komen de nieuwe klanten vandaan?")
    session.locator("#id_will").fill("Elke vrijdagochtend prospects bellen")
    session.locator("#id_action_0").fill("Vrijdagochtend blokken")
    session.locator("#id_owner_0").select_option(str(cast.ruud.pk))
    session.locator("#id_due_0").fill("2026-12-04")
    with page.expect_navigation():
        session.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=open-actions]")).to_contain_text("Vrijdagochtend blokken")
    assert CoachingAction.objects.get().owner == cast.ruud
    context.close()


def test_a_manager_picks_participants_by_name_and_plans_a_trajectory(cast, page):
    """The participants picker: type a name, choose the suggestion, it shows as chosen;
    a second one added and removed again; the trajectory takes the one left."""
    from koers.steer.models import Trajectory

    ensure_defaults(Competency, RoleRequirement)
    log_in(page, "mia")
    page.goto(page.base + "/steer/training/")
    page.fill("#id_name", "Consultative selling")
    picker = page.locator("#id_participants")
    for person in (cast.rosa, cast.ruud):
        picker.fill(person.first_name)
        option = page.locator("#id_participants_list option").first
        expect(option).to_have_attribute("value", f"{person} #{person.pk}")
        picker.fill(option.get_attribute("value"))
        picker.dispatch_event("input")
        expect(picker).to_have_value("")
    chosen = page.locator("[data-testid=chosen] .chip")
    expect(chosen).to_have_count(2)
    page.click(f"[data-testid=chosen] button[aria-label='Remove {cast.ruud}']")
    expect(chosen).to_have_count(1)
    for kind, start, end in (
        ("online", "2026-12-01", "2026-12-07"),
        ("live", "2026-12-08", "2026-12-08"),
        ("coaching", "2026-12-09", "2027-01-15"),
        ("follow_up", "2027-01-16", "2027-01-31"),
    ):
        page.fill(f"#id_{kind}_title", kind)
        page.fill(f"#id_{kind}_from", start)
        page.fill(f"#id_{kind}_until", end)
    with page.expect_navigation():
        page.click("[data-testid=trajectory-form] button[type=submit]")
    trajectory = Trajectory.objects.get(name="Consultative selling")
    assert list(trajectory.taking_part.values_list("person_id", flat=True)) == [cast.rosa.pk]
    assert "Rosa" in page.inner_text("main")
