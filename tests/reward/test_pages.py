"""The compensation administrator's pages: runs (calculate, adjust, hold, approve, lock,
payroll file) and plans (health checks, versions, activation, modelling)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from koers.plan.models import Target
from koers.reward.models import Adjustment, CalcRun, Hold, Payout, Plan, PlanAssignment
from koers.reward.services import run_advance, run_month
from tests.reward.test_calc import DOCUMENT

NOV = dt.date(2026, 11, 1)
RUN = "2026-11"


def test_only_pay_roles_open_runs_and_plans(planned, login):
    run_month(NOV, by=None)
    for name in ("ruud", "mia"):
        client = login(planned.user(name))
        for url in (
            reverse("reward_runs"),
            reverse("reward_run", args=[RUN]),
            reverse("reward_plans"),
        ):
            assert client.get(url).status_code == 403
    assert login(planned.user("dirk")).get(reverse("reward_run", args=[RUN])).status_code == 200


def test_the_administrator_works_a_month_through_to_payroll(planned, login):
    client = login(planned.user("cora"))
    response = client.post(reverse("reward_runs"), {"month": RUN})
    assert response.status_code == 302 and CalcRun.objects.filter(month=NOV).exists()
    page = client.get(reverse("reward_run", args=[RUN])).content.decode()
    assert 'data-testid="payouts"' in page and "€ 60.00" in page
    action = lambda name: reverse("reward_run_action", args=[RUN, name])  # noqa: E731
    client.post(
        action("adjust"),
        {"adj-person": planned.rosa.pk, "adj-amount": "12.50", "adj-reason": "Late split"},
    )
    assert Payout.objects.get(person=planned.rosa).paid == Decimal("62.50")
    # an adjustment without a reason is refused with the reason why, and nothing changes
    response = client.post(
        action("adjust"), {"adj-person": planned.rosa.pk, "adj-amount": "5"}, follow=True
    )
    assert "reason" in response.content.decode() and Payout.objects.get(
        person=planned.rosa
    ).paid == Decimal("62.50")
    client.post(action("hold"), {"hold-person": planned.ruud.pk, "hold-reason": "Audit"})
    assert Payout.objects.get(person=planned.ruud).paid == 0 and Hold.objects.count() == 1
    # the payroll file only exists once the month is approved
    assert client.get(reverse("reward_payroll", args=[RUN])).status_code == 302
    # four eyes: Cora cannot approve her own adjustment, nor the month while it waits
    adjustment = Adjustment.objects.get()
    page = client.get(reverse("reward_run", args=[RUN])).content.decode()
    assert "awaits approval by someone else" in page and 'testid="approve-adjustment"' not in page
    assert "1 adjustment(s) of 11-2026 await approval" in page  # said before the click
    own = client.post(action("approve-adjustment"), {"adjustment": adjustment.pk}, follow=True)
    assert "someone else approves it" in own.content.decode()
    early = client.post(action("advance"), {"from": "open", "confirm": "yes"}, follow=True)
    assert "await approval by someone other than their author" in early.content.decode()
    assert CalcRun.objects.get().status == "open"
    director = login(planned.user("dirk"))
    director.post(action("approve-adjustment"), {"adjustment": adjustment.pk})
    assert Adjustment.objects.get().approved_by == planned.user("dirk")
    client = login(planned.user("cora"))
    # November has not ended on the 23rd: approving asks to confirm, and says why
    unconfirmed = client.post(action("advance"), {"from": "open"}, follow=True)
    assert "has not ended yet" in unconfirmed.content.decode()
    assert CalcRun.objects.get().status == "open"
    client.post(action("advance"), {"from": "open", "confirm": "yes"})
    assert CalcRun.objects.get().status == "approved"
    csv = client.get(reverse("reward_payroll", args=[RUN]))
    assert csv["Content-Type"].startswith("text/csv") and "Late split" in csv.content.decode()
    unconfirmed = client.post(action("advance"), {"from": "approved"}, follow=True)
    assert "Confirm to lock" in unconfirmed.content.decode()
    assert CalcRun.objects.get().status == "approved"
    client.post(action("advance"), {"from": "approved", "confirm": "yes"})
    assert CalcRun.objects.get().status == "locked"
    response = client.post(action("recalculate"), follow=True)
    assert "locked" in response.content.decode()


def test_the_director_approves_but_does_not_calculate(planned, login):
    run_month(NOV, by=None)
    client = login(planned.user("dirk"))
    assert client.post(reverse("reward_runs"), {"month": RUN}).status_code == 403
    assert client.post(reverse("reward_run_action", args=[RUN, "recalculate"])).status_code == 403
    client.post(
        reverse("reward_run_action", args=[RUN, "advance"]), {"from": "open", "confirm": "yes"}
    )
    assert CalcRun.objects.get().status == "approved"


CURVE = "curve: [{attainment: 0%, payout: 0%}]"
YEARLY = DOCUMENT.replace("period: quarter", "period: year")


def test_plan_health_names_the_common_mistakes(planned, login):
    # Ruud earns € 30,000 base; a € 40,000 target incentive is 57% of on-target pay
    planned.ruud.base_salary = Decimal("30000")
    planned.ruud.save()
    PlanAssignment.objects.filter(person=planned.ruud).update(target_incentive=Decimal("40000"))
    planned.noord.team_selling = True
    planned.noord.save()
    Target.objects.filter(person=planned.rosa).delete()  # no quota for Rosa
    client = login(planned.user("cora"))
    plan = Plan.objects.get()
    body = client.post(
        reverse("reward_plan_edit", args=[plan.pk]), {"document": YEARLY, "check": "1"}
    ).content.decode()
    for check in ("variable-share", "late", "team-selling", "no-targets"):
        assert f'data-check="{check}"' in body, check
    assert "Ruud" in body
    complex_plan = DOCUMENT + "".join(
        f"  - {{code: k{i}, rule: bonus, measure: kpi, kpi: {k}, {CURVE}}}\n"
        for i, k in enumerate(("visits", "calls", "quotes"))
    )
    body = client.post(
        reverse("reward_plan_new"), {"document": complex_plan, "check": "1"}
    ).content.decode()
    assert 'data-check="complex"' in body


def test_a_bad_document_is_refused_with_its_problems_and_nothing_saved(planned, login):
    client = login(planned.user("cora"))
    response = client.post(
        reverse("reward_plan_new"),
        {"document": "components:\n  - {code: a, rule: magic}", "save": "1"},
    )
    assert response.status_code == 400 and "rule is one of" in response.content.decode()
    response = client.post(
        reverse("reward_plan_new"),
        {
            "document": DOCUMENT.replace("quota: revenue\n    tiers", "quota: unicorns\n    tiers"),
            "save": "1",
        },
    )
    assert "unicorns is not a KPI" in response.content.decode()
    assert Plan.objects.count() == 1


def test_a_new_version_is_modelled_and_activated_from_a_date(planned, login):
    run_month(NOV, by=None)
    client = login(planned.user("cora"))
    plan = Plan.objects.get()
    richer = DOCUMENT.replace("rate: 5%", "rate: 6%")
    response = client.post(
        reverse("reward_plan_edit", args=[plan.pk]), {"document": richer, "save": "1"}
    )
    draft = Plan.objects.get(version=2)
    assert response.status_code == 302 and draft.status == "draft" and draft.code == "rep"
    page = client.get(reverse("reward_plan_model", args=[draft.pk]))
    assert page.status_code == 200 and 'data-testid="model-people"' in page.content.decode()
    client.post(reverse("reward_plan", args=[draft.pk]), {"effective_from": "2026-12-01"})
    draft.refresh_from_db()
    assert draft.status == "active" and Plan.objects.get(version=1).status == "retired"
    ruud = PlanAssignment.objects.filter(person=planned.ruud).order_by("valid_from")
    assert [(a.plan.version, a.valid_to) for a in ruud] == [(1, dt.date(2026, 11, 30)), (2, None)]
    assert client.get(reverse("reward_plan_yaml", args=[draft.pk])).content.decode() == richer


@pytest.mark.parametrize("slug", ["payouts", "plan-assignments", "adjustments", "holds", "goals"])
def test_a_salesperson_lists_only_their_own_reward_records(planned, login, slug):
    run_month(NOV, by=None)
    client = login(planned.user("ruud"))
    body = client.get(reverse("entity_list", args=[slug])).content.decode()
    assert "Rosa" not in body


def test_a_manager_scores_the_goals_of_their_team_but_not_their_own(planned, login):
    from koers.org import visibility as vis
    from koers.reward.models import Goal

    def goal(person):
        return Goal.objects.create(
            person=person,
            period_start=dt.date(2026, 10, 1),
            period_end=dt.date(2026, 12, 31),
            description="Workshop",
        )

    visible = Goal.objects.all()
    mia = planned.user("mia")
    assert vis.can_edit(mia, goal(planned.ruud), visible)
    assert not vis.can_edit(mia, goal(planned.mia), visible)
    assert not vis.can_edit(mia, goal(planned.rik), Goal.objects.filter(person__unit=planned.noord))


def test_modelling_a_plan_against_itself_changes_nothing_and_counts_year_to_date_once(cast):
    from koers.plan.models import Target
    from koers.reward.services.plans import model_plan
    from tests.reward.test_payouts import YTD, ruuds_sale

    plan = Plan.objects.create(code="ytd", name="YTD", status="active", document=YTD)
    PlanAssignment.objects.create(
        person=cast.ruud, plan=plan, valid_from=dt.date(2026, 1, 1), target_incentive=0
    )
    Target.objects.create(kpi="revenue", person=cast.ruud, month=dt.date(2026, 10, 1), value=800)
    Target.objects.create(kpi="revenue", person=cast.ruud, month=NOV, value=1200)
    ruuds_sale("SO-oct", dt.date(2026, 10, 10), "1000.00", cast.ruud)
    result = model_plan(plan, check_spec(YTD), today=dt.date(2026, 12, 15))
    # October pays € 60, November the year's € 100 less those 60: € 100 in all, not € 160
    assert result.current_total == result.draft_total == 10_000
    assert all(p["difference"] == 0 for p in result.people)


def check_spec(text):
    from koers.reward.documents import parse_plan

    return parse_plan(text)


def test_targets_far_above_run_rate_and_pipeline_are_called_unlikely(planned):
    from koers.plan.models import Target
    from koers.reward.health import plan_health
    from koers.reward.services.plans import check_document

    today = dt.date(2026, 11, 23)
    dec = dt.date(2026, 12, 1)
    # Ruud: € 50,000 for December against no history and one € 10,000 deal in the pipeline;
    # Rosa: € 100, well within her weighted pipeline
    Target.objects.filter(month=dec).delete()
    Target.objects.create(kpi="revenue", person=planned.ruud, month=dec, value=50_000)
    Target.objects.create(kpi="revenue", person=planned.rosa, month=dec, value=100)
    assignments = list(PlanAssignment.objects.select_related("person__unit"))
    findings = {f.code: f for f in plan_health(check_document(DOCUMENT), assignments, today)}
    assert findings["unattainable"].people == [str(planned.ruud)]


def test_a_double_click_on_approve_approves_once_and_never_locks(planned, login):
    """Two requests from the same page (both saying "from open") move the month once; the
    second is refused with 409 and the month stays approved, not locked."""
    run_month(NOV, by=None)
    client = login(planned.user("cora"))
    advance = reverse("reward_run_action", args=[RUN, "advance"])
    first = client.post(advance, {"from": "open", "confirm": "yes"})
    second = client.post(advance, {"from": "open", "confirm": "yes"})
    assert first.status_code == 302 and second.status_code == 409
    assert "already Approved" in second.content.decode()
    assert CalcRun.objects.get().status == "approved"
    assert client.post(advance).status_code == 302  # no starting state: refused
    assert CalcRun.objects.get().status == "approved"


def test_two_simultaneous_approvals_through_the_api_move_the_month_once(client, planned, token):
    from koers.reward.services.approval import RunMoved

    run = run_month(NOV, by=None)
    stale = CalcRun.objects.get(pk=run.pk)  # what the second request read before the first wrote
    url = "/api/v1/reward/runs/2026-11/advance?from=open&confirm=true"
    assert client.post(url, **token("cora")).status_code == 200
    assert client.post(url, **token("cora")).status_code == 409
    assert stale.status == "open"
    with pytest.raises(RunMoved):  # the conditional update refuses a stale read too
        run_advance(stale, by=None, expected="open", confirmed=True)
    assert CalcRun.objects.get().status == "approved"


def test_pay_far_above_the_target_incentive_is_a_finding(planned):
    from koers.reward.health import plan_health
    from koers.reward.models import PayoutLine
    from koers.reward.services.plans import check_document

    run_month(dt.date(2026, 10, 1), by=None)
    assignment = PlanAssignment.objects.get(person=planned.ruud)
    paid = assignment.target_incentive * 3
    line = PayoutLine.objects.filter(person=planned.ruud, payable=True).first()
    PayoutLine.objects.filter(pk=line.pk).update(earnings=paid + Decimal("0.01"))
    PayoutLine.objects.filter(person=planned.ruud, payable=True).exclude(pk=line.pk).update(
        earnings=0
    )
    assignments = list(PlanAssignment.objects.select_related("person__unit"))
    today = dt.date(2026, 11, 23)
    findings = {f.code: f for f in plan_health(check_document(DOCUMENT), assignments, today)}
    assert findings["overpaid"].people == [str(planned.ruud)]
    PayoutLine.objects.filter(pk=line.pk).update(earnings=paid)  # exactly 3×: not yet
    findings = {f.code: f for f in plan_health(check_document(DOCUMENT), assignments, today)}
    assert "overpaid" not in findings


def test_the_run_page_names_components_and_plans_in_the_readers_words(planned, login):
    run_month(NOV, by=None)
    client = login(planned.user("cora"))
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    body = client.get(reverse("reward_run", args=["2026-11"])).content.decode()
    per_component = body.split("Per component")[1].split("</table>")[0]
    assert "Provisie" in per_component and "<td>commission</td>" not in per_component
    assert "<th>Plan</th>" in per_component and "Plannen" not in per_component
    admin = login(planned.user("ada"))
    admin.post(reverse("set_language"), {"language": "nl", "next": "/"})
    accounts = admin.get(reverse("entity_list", args=["accounts"])).content.decode()
    assert "account toevoegen" in accounts and "Nieuw(e)" not in accounts


def test_a_plans_components_read_in_words_not_codes(planned, login):
    client = login(planned.user("cora"))
    plan = Plan.objects.get()
    client.post("/i18n/setlang/", {"language": "nl"})
    page = client.get(reverse("reward_plan", args=[plan.pk])).content.decode()
    table = page.split('data-testid="components"', 1)[1].split("</table>", 1)[0]
    assert "staffels per schijf" in table and "bonus op een uitbetalingscurve" in table
    assert "orderdatum" in table and "eigen verkoop" in table and "kwartaal" in table
    for code in (">marginal<", ">booking<", ">individual<", ">month<", ">quarter<"):
        assert code not in table


def test_a_month_asked_from_the_runs_page_goes_to_a_worker(planned, login, settings, monkeypatch):
    from koers.jobs import runners
    from koers.jobs.models import Job

    settings.KOERS_JOBS_INLINE = False
    monkeypatch.setattr(runners, "_local", lambda job_id: None)
    client = login(planned.user("cora"))
    response = client.post("/reward/runs/", {"month": "2026-11"})
    waiting = Job.objects.get(kind="reward.month")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{waiting.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert f'hx-get="/jobs/{waiting.pk}/progress/?follow=1"' in page
    assert "Calculating a month" in page
