"""A month calculated in parts (split by payee, each part on its own worker) equals the
month calculated in one, to the cent and to each line's trace; a part that fails or whose
worker stops twice fails the month's job and leaves the month as it was."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from koers.engine.periods import month_end
from koers.jobs.models import Job
from koers.org.services import person_save
from koers.plan.models import Target
from koers.reward.jobs import month_job, month_parts_job
from koers.reward.models import CalcRun, Payout, PayoutLine, PlanAssignment, RunPart, TraceRow
from koers.reward.services import run_month
from koers.reward.services.calc import first_input_day, prepare_month, write_month
from koers.reward.services.corrections import _closed_months
from koers.reward.services.inputs import shared_context
from koers.reward.services.parts import compute_part, decode, encode
from koers.reward.services.spread import compute, finish, start
from tests.conftest import on_plan, sale
from tests.reward.test_payouts import DEC, LATER, close, ruuds_sale
from tests.reward.test_trace import BOSSES, NOV, REPS

LINE_FIELDS = (
    "person_id",
    "plan_id",
    "component",
    "period_start",
    "period_end",
    "measure",
    "quota",
    "attainment_ppm",
    "target_incentive_cents",
    "modifier_ppm",
    "factor_ppm",
    "earnings",
    "payable",
    "correction_of",
    "trace_root",
    "trace_subtree",
    "trace_from",
    "trace_to",
    "traced",
)
PAYOUT_FIELDS = ("person_id", "earned", "adjustments", "draw_topup", "paid", "balance")


def month_of(month: dt.date) -> dict:
    """Everything a month's run stores, keyed so that two runs compare."""
    lines = {}
    for line in PayoutLine.objects.filter(run__month=month):
        key = (line.person_id, line.component, line.period_start, line.correction_of)
        assert key not in lines
        lines[key] = (
            tuple(getattr(line, f) for f in LINE_FIELDS),
            sorted(line.trace().values_list("order_line_id", "value")),
        )
    payouts = sorted(Payout.objects.filter(run__month=month).values_list(*PAYOUT_FIELDS))
    rows = TraceRow.objects.filter(trace_set=CalcRun.objects.get(month=month).trace_set).count()
    return {"lines": lines, "payouts": payouts, "trace rows": rows}


def in_parts(month: dt.date, parts: int, today: dt.date | None = None) -> None:
    """The month in ``parts`` parts, each from its own inputs and through Parquet, as
    workers compute them, written together."""
    with transaction.atomic():
        run = prepare_month(month, today=today)
        closed = _closed_months(run.month)
        results = []
        for k in range(parts):
            context = shared_context(first_input_day(run.month, closed), month_end(month))
            part = compute_part(run, closed, context, share=(k, parts))
            results.append(decode(**encode(part)))
        write_month(run, results, by=None)


@pytest.fixture
def hierarchy(cast):
    """Own, team and roll-up lines; someone joining mid-month, someone moving teams."""
    for day, who, number in ((3, cast.ruud, "A"), (20, cast.ruud, "B"), (5, cast.rosa, "C")):
        sale(cast, who, f"SO-{number}", dt.date(2026, 11, day), "1000.00")
    sale(cast, cast.rik, "SO-D", dt.date(2026, 11, 25), "2000.00")
    on_plan(REPS, cast.ruud, cast.rosa, cast.rik)
    on_plan(BOSSES, cast.mia, cast.max, cast.dirk)
    PlanAssignment.objects.filter(person=cast.rosa).update(valid_from=dt.date(2026, 11, 10))
    cast.ruud.manager = cast.max
    person_save(person=cast.ruud, by=None, on=dt.date(2026, 11, 15))
    return cast


@pytest.mark.parametrize("parts", [2, 3, 7])
def test_a_month_in_parts_equals_the_month_in_one(hierarchy, parts):
    run_month(NOV, by=None)
    whole = month_of(NOV)
    assert whole["lines"] and whole["trace rows"]
    in_parts(NOV, parts)
    assert month_of(NOV) == whole
    in_parts(NOV, parts)  # the same twice changes nothing
    assert month_of(NOV) == whole


def test_corrections_of_a_closed_month_in_parts_equal_those_in_one(planned):
    close(run_month(NOV, by=None))
    ruuds_sale("SO-late", dt.date(2026, 11, 20), "100.00", planned.ruud)
    run_month(DEC, by=None, today=LATER)
    whole = month_of(DEC)
    assert any(key[3] == NOV for key in whole["lines"])  # a correction is there
    for parts in (2, 3):
        in_parts(DEC, parts, today=LATER)
        assert month_of(DEC) == whole


@pytest.fixture
def office(cast):
    return cast.user("cora")


def test_the_job_runs_the_parts_and_writes_the_month_once_all_are_in(hierarchy, office):
    run_month(NOV, by=None)
    whole = month_of(NOV)
    PayoutLine.objects.filter(run__month=NOV).delete()
    job = month_parts_job(NOV, office, 3)  # tasks run at once here (no broker)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.message
    assert job.kind == "reward.month_parts" and job.url == "/reward/runs/2026-11/"
    assert "3" in job.summary
    assert month_of(NOV) == whole
    parts = list(RunPart.objects.filter(job=job).order_by("index"))
    assert [(p.index, p.parts, p.status, p.attempts) for p in parts] == [
        (k, 3, "done", 1) for k in range(3)
    ]
    assert all(p.seconds is not None and p.worker for p in parts)
    assert all(bytes(p.rows) == b"" for p in parts)  # the results are not kept twice


def test_a_part_that_fails_fails_the_job_and_the_month_keeps_its_figures(planned, office):
    run_month(NOV, by=None)
    before = month_of(NOV)
    Target.objects.filter(person=planned.rosa, month=NOV).delete()
    job = month_parts_job(NOV, office, 2)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert str(planned.rosa) in job.message and "quota" in job.message.lower()
    assert month_of(NOV) == before


def test_a_part_whose_worker_stopped_is_tried_once_more_and_never_applied_twice(hierarchy, office):
    run_month(NOV, by=None)
    whole = month_of(NOV)
    job = Job.objects.create(
        kind="reward.month_parts", key="k", args={"month": "2026-11-01", "parts": 2}, by=office
    )
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, attempts=1)
    first, second = start(job.pk, NOV, 2)
    assert start(job.pk, NOV, 2) == [first, second]  # the job delivered again: same parts
    # the first part's worker was killed half-way: it was running, once
    RunPart.objects.filter(pk=first).update(status="running", attempts=1, worker="celery:x:1")
    assert compute(first, worker="celery:y:2") == "done"
    assert RunPart.objects.get(pk=first).attempts == 2
    assert compute(first, worker="celery:y:2") == "nothing to do"  # delivered again: no-op
    assert compute(second, worker="celery:y:2") == "last"
    # the last part's worker stopped before handing on: its delivery again hands on
    assert compute(second, worker="celery:z:3") == "last"
    assert finish(job.pk) == "done"
    assert finish(job.pk) == "nothing to do"  # never applied twice
    assert month_of(NOV) == whole
    job.refresh_from_db()
    assert job.status == Job.Status.DONE


def test_a_part_stopped_twice_fails_the_job_and_nothing_is_written(hierarchy, office):
    run_month(NOV, by=None)
    whole = month_of(NOV)
    job = Job.objects.create(
        kind="reward.month_parts", key="k", args={"month": "2026-11-01", "parts": 2}, by=office
    )
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, attempts=1)
    first, second = start(job.pk, NOV, 2)
    assert compute(first, worker="celery:y:2") == "done"
    RunPart.objects.filter(pk=second).update(status="running", attempts=2)
    assert compute(second, worker="celery:y:2") == "nothing to do"
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "twice" in job.message
    assert finish(job.pk) == "nothing to do"
    assert month_of(NOV) == whole


def test_an_approved_month_is_refused_by_the_parts_as_in_one(planned, office):
    run = run_month(NOV, by=None)
    CalcRun.objects.filter(pk=run.pk).update(status=CalcRun.Status.APPROVED)
    job = month_parts_job(NOV, office, 2)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "approved" in job.message
    assert not RunPart.objects.filter(job=job).exists()


def test_the_month_goes_to_parts_only_with_a_broker(planned, office, settings, monkeypatch):
    settings.KOERS_RUN_PARTITIONS = 2
    assert month_job(NOV, office).kind == "reward.month"  # no broker: one worker thread
    monkeypatch.setattr("koers.jobs.runners.uses_broker", lambda: True)
    job = month_job(dt.date(2026, 10, 1), office)
    assert job.kind == "reward.month_parts" and job.args["parts"] == 2
    assert job.status == Job.Status.DONE, job.message


def test_an_unexpected_error_in_a_part_fails_the_job_instead_of_waiting(
    hierarchy, office, monkeypatch
):
    from koers.reward import tasks

    job = Job.objects.create(
        kind="reward.month_parts", key="k", args={"month": "2026-11-01", "parts": 2}, by=office
    )
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, attempts=1)
    first, _second = start(job.pk, NOV, 2)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("koers.reward.services.spread.encode", broken)
    with pytest.raises(RuntimeError):
        tasks.month_part(first)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and f"job {job.pk}" in job.message


@given(st.lists(st.integers(-(10**16), 10**16), max_size=40))
@settings(max_examples=200, deadline=None)
def test_lines_are_written_with_their_cents_as_exact_decimals(cents):
    """A line's earnings go to the database as text in one COPY: the same decimal the
    ORM wrote from the cents (half cents never arise: lines are whole cents)."""
    import polars as pl

    from koers.engine.money import cents_to_text, from_cents

    values = cents + [0, 1, -1, 99, -99, 100, -100, 10**14, -(10**14)]
    written = pl.DataFrame({"c": values}, schema={"c": pl.Int64}).select(cents_to_text(pl.col("c")))
    assert [Decimal(t) for t in written.to_series()] == [from_cents(c) for c in values]
    assert all(
        Decimal(t) == Decimal(c) / 100 for t, c in zip(written.to_series(), values, strict=True)
    )
