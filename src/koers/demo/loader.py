"""Writes the generated demo into the database in one transaction."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal

import polars as pl
from django.contrib.auth.hashers import make_password
from django.db import transaction

from koers.core.bulk import analyze, bulk_insert, emptied_for_freezing, reset_sequences, vacuum
from koers.demo.generate import generate
from koers.demo.sim import MONTHS
from koers.engine.periods import add_months, month_start
from koers.measure.services import kpi_facts_refresh, steps
from koers.org.models import Person
from koers.sales.currency import CONVERTED, convert_table, reporting_currency
from koers.sales.funnel import REASONS, STAGES, ensure_default_funnel
from koers.sales.models import CloseReason, SalesProcess, Stage

DEMO_PASSWORD = "demo"


def _with_reporting_amounts(table: str, frame: pl.DataFrame, reporting: str) -> pl.DataFrame:
    """Amounts already in the reporting currency are their own reporting amounts, written
    with the rows: updating millions of rows after they were written rewrote them all."""
    if table not in CONVERTED or "currency" not in frame.columns:
        return frame
    _date, columns = CONVERTED[table]
    same = pl.col("currency") == reporting
    return frame.with_columns(
        pl.when(same).then(pl.col(c)).otherwise(None).alias(f"reporting_{c}")
        for c in columns
        if c in frame.columns
    )


def _with_funnel_ids(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The generator numbers stages 1-5 and reasons 1-8 in the default funnel's order;
    map those numbers onto the ids this database gave the default funnel."""
    ensure_default_funnel(SalesProcess, Stage, CloseReason)
    stage_codes = [code for code, *_rest in STAGES]
    stages = dict(Stage.objects.filter(process__is_default=True).values_list("code", "id"))
    stage_ids = {i + 1: stages[code] for i, code in enumerate(stage_codes)}
    reasons = list(CloseReason.objects.order_by("id").values_list("id", flat=True))[: len(REASONS)]
    reason_ids = {i + 1: pk for i, pk in enumerate(reasons)}
    remap = {
        ("sales_opportunity", "stage_id"): stage_ids,
        ("sales_stagechange", "stage_id"): stage_ids,
        ("sales_opportunity", "close_reason_id"): reason_ids,
    }
    for (table, column), ids in remap.items():
        frames[table] = frames[table].with_columns(
            pl.col(column).replace_strict(ids, default=None, return_dtype=pl.Int64)
        )
    return frames


def _custom_kpis() -> None:
    """Three KPIs an administrator would add: a ratio, a product push, a hunting measure."""
    from django.core.cache import cache

    from koers.measure.catalogue import CACHE_KEY
    from koers.measure.models import CustomKpi
    from koers.sales.models import ProductGroup

    common = {"timing": "leading", "level": "activity"}
    CustomKpi.objects.bulk_create(
        [
            CustomKpi(
                code="quotes_per_visit",
                name_en="Quotes per visit",
                name_nl="Offertes per bezoek",
                description_en="Quotes issued ÷ customer visits.",
                description_nl="Uitgebrachte offertes ÷ klantbezoeken.",
                kind=CustomKpi.Kind.RATIO,
                numerator="quotes",
                denominator="visits",
                ratio_unit=CustomKpi.RatioUnit.NUMBER,
                **common,
            ),
            CustomKpi(
                code="quotes_new_business",
                name_en="Quotes to new business",
                name_nl="Offertes aan nieuwe klanten",
                description_en="Quotes to potential and new accounts.",
                description_nl="Offertes aan potentiële en nieuwe klanten.",
                kind=CustomKpi.Kind.MEASURE,
                source=CustomKpi.Source.ACTIVITIES,
                activity_kind="quote",
                business=CustomKpi.Business.NEW,
                **common,
            ),
            CustomKpi(
                code="revenue_pumps",
                name_en="Revenue pumps",
                name_nl="Omzet pompen",
                description_en="Credited revenue of the product group Pumps.",
                description_nl="Toegekende omzet van de productgroep Pompen.",
                kind=CustomKpi.Kind.MEASURE,
                source=CustomKpi.Source.ORDERS,
                measure=CustomKpi.Measure.AMOUNT,
                product_group=ProductGroup.objects.filter(code="PMP").first(),
                timing="lagging",
                level="result",
            ),
        ]
    )
    cache.delete(CACHE_KEY)  # bulk creation sends no signals


def _reward(today: dt.date) -> int:
    """Plans, targets, and the last months calculated: paid, approved and open."""
    from koers.reward import demo_plans
    from koers.reward.services import run_advance, run_month

    assigned = demo_plans.load(today)
    for back in (3, 2, 1, 0):
        run = run_month(add_months(today, -back), by=None, today=today)
        for _step in range(min(back, 2)):  # two months paid, one approved, this one open
            run = run_advance(run, by=None, expected=run.status, confirmed=True, today=today)
    _reward_corrections(today)
    return assigned


def _reward_corrections(today: dt.date) -> None:
    """An adjustment with its reason in the open month, as an administrator would add."""
    from koers.reward.models import Payout
    from koers.reward.services.payouts import add_adjustment

    first = Payout.objects.filter(run__month=month_start(today)).order_by("person_id").first()
    if first is not None:
        add_adjustment(
            person=first.person,
            month=today,
            amount=Decimal("150.00"),
            reason="Gezamenlijke deal met een ander team verdeeld, door beide managers afgesproken",
            by=None,
        )


def database_has_data() -> bool:
    return Person.objects.exists()


def load_demo(
    *,
    today: dt.date,
    scale: int = 1,
    seed: int = 2026,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, int]:
    """Generate and write the demo; returns the row count per table. All or nothing."""
    started = time.perf_counter()
    # One hash for every demo login: hashing thousands of passwords would take minutes.
    frames = generate(today, scale, seed, password_hash=make_password(DEMO_PASSWORD))
    progress(f"generated in {time.perf_counter() - started:.1f} s")
    counts: dict[str, int] = {}
    with transaction.atomic():
        frames = _with_funnel_ids(frames)
        reporting = reporting_currency()
        tables = list(frames)
        # into an empty database the rows go in frozen, as the vacuum at the end would
        # leave them: it then reads only what the later steps wrote
        frozen = emptied_for_freezing(*tables)
        for table in tables:
            # each frame let go once written, its reporting amounts added just before: the
            # steps after the write start from the memory of a process, not of the whole
            # demo (3.7 GB at scale 100)
            frame = _with_reporting_amounts(table, frames.pop(table), reporting)
            counts[table] = bulk_insert(
                table, frame, rebuild_indexes=frame.height > 50_000, freeze=frozen
            )
            del frame
            progress(f"{table}: {counts[table]:,} rows ({time.perf_counter() - started:.1f} s)")
        reset_sequences(*tables)
        for table in CONVERTED:  # the rest in the reporting currency, set-based
            convert_table(table, unconverted=True)
        analyze(*tables)  # fresh statistics, so the planner knows the tables' new sizes
        _custom_kpis()
        # in steps of at most REFRESH_STEP_LINES order lines, as any refresh: one pass
        # over two years of a large demo holds them all in memory at once
        last_day = add_months(month_start(today), 1) - dt.timedelta(days=1)
        counts["measure_kpifact"] = sum(
            kpi_facts_refresh(start=start, end=end)
            for start, end in steps(month_start(add_months(today, -(MONTHS - 1))), last_day)
        )
        progress(
            f"KPI facts: {counts['measure_kpifact']:,} ({time.perf_counter() - started:.1f} s)"
        )
        counts["reward_planassignment"] = _reward(today)
        progress(f"incentive plans and runs ({time.perf_counter() - started:.1f} s)")
        from koers.plan import demo as plan_demo

        counts["plan_targetproposal"] = plan_demo.load(today, seed)
        progress(f"target rounds ({time.perf_counter() - started:.1f} s)")
        counts["forecast_forecastvalue"] = _forecasts(today)
        progress(f"forecasts ({time.perf_counter() - started:.1f} s)")
        from koers.steer import demo as steer_demo

        counts["steer_skillrating"] = steer_demo.load(today, seed)
        progress(f"feedback, coaching and training ({time.perf_counter() - started:.1f} s)")
    # the first pages read tables fresh from a bulk load as vacuumed (the visibility map
    # set: a manager's order lines in 0.3 s instead of 0.5 s at scale 100)
    vacuum()
    progress(f"tables vacuumed ({time.perf_counter() - started:.1f} s)")
    return counts


def _forecasts(today: dt.date) -> int:
    """The nightly fit as of today, the monthly snapshots of the units from the last three
    month starts (each from the months before it only, as they would have been frozen) and
    a backtest of the units, so the forecast and accuracy pages have something to show."""
    import os

    from koers.forecast import services as forecasts
    from koers.forecast.models import ForecastValue

    # a command, not a worker: the series are shared among the machine's cores
    cores = min(os.cpu_count() or 1, 8)
    for back in (3, 2, 1):
        forecasts.snapshot(
            today=add_months(month_start(today), -back), scopes=("unit",), n_jobs=cores
        )
    forecasts.backtest(today=today, origins=3, months_ahead=3, scopes=("unit",), n_jobs=cores)
    forecasts.fit(today=today, n_jobs=cores)
    _calls(today)
    return ForecastValue.objects.count()


def _calls(today: dt.date, seed: int = 2026) -> None:
    """The salespeople's commit calls of the last three closed months (near what they then
    sold, some too rosy, some too careful) and most of this month's, with their forecast
    accuracy facts and a 90% accuracy target."""
    import numpy as np
    from django.db.models import Sum
    from django.utils import timezone

    from koers.engine import kpi
    from koers.forecast.models import ForecastCall
    from koers.measure.models import KpiFact
    from koers.plan.models import Target

    rng = np.random.default_rng(seed + 11)
    this_month = month_start(today)
    sellers = list(
        Person.objects.filter(role="salesperson").order_by("pk").values_list("pk", flat=True)
    )
    sold = {
        (p, m): n
        for p, m, n in KpiFact.objects.filter(
            kpi="revenue", month__gte=add_months(this_month, -3), month__lt=this_month
        )
        .values("person", "month")
        .annotate(n=Sum("numerator"))
        .values_list("person", "month", "n")
    }
    now, calls, targets = timezone.now(), [], []
    for person in sellers:
        for back in (3, 2, 1, 0):
            month = add_months(this_month, -back)
            base = sold.get((person, month)) or sold.get((person, add_months(month, -1))) or 0
            if not base or (back == 0 and rng.random() < 0.3):
                continue
            commit = Decimal(int(base * rng.uniform(0.8, 1.12)) // 10_000 * 100)
            calls.append(
                ForecastCall(
                    person_id=person,
                    month=month,
                    commit=commit,
                    best_case=(commit * Decimal("1.15")).quantize(Decimal(1)),
                    pipeline=(commit * Decimal("1.4")).quantize(Decimal(1)),
                    submitted_at=now,
                )
            )
            targets.append(
                Target(kpi="forecast_accuracy", person_id=person, month=month, value=Decimal(90))
            )
    ForecastCall.objects.bulk_create(calls)
    Target.objects.bulk_create(targets, ignore_conflicts=True)
    closed = pl.DataFrame(
        [(c.person_id, c.month, int(c.commit * 100)) for c in calls if c.month < this_month],
        schema={"person_id": pl.Int64, "month": pl.Date, "commit_cents": pl.Int64},
        orient="row",
    )
    revenue = pl.DataFrame(
        [("revenue", p, m, n) for (p, m), n in sold.items()],
        schema={"kpi": pl.String, "person_id": pl.Int64, "month": pl.Date, "numerator": pl.Int64},
        orient="row",
    )
    facts = kpi.forecast_accuracy_facts(closed, revenue)
    KpiFact.objects.bulk_create(KpiFact(**row) for row in facts.iter_rows(named=True))
