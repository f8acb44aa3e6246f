"""Incentive compensation: credit → measure → attainment → earnings, vectorised.

Pure: plain frames and frozen dataclasses in, frames out; no clock, no database.

Exactness. Money is integer cents. Rates are millionths of 100% (1 = 0.0001%, so 0.125% is
1,250); attainment and curve payouts are parts per million (ppm, 1,000,000 = 100%),
truncated towards zero. A plan document with a finer rate is refused, never truncated.
Earnings are accumulated in millionths of a cent and rounded **once per payout line**
(person × component × period) to whole cents, half away from zero — the rule of
``koers.engine.money.quantize_money``. Nothing else rounds.

Magnitudes. Every product of an amount and a rate, a curve or a factor is taken in 128-bit
integers (``WIDE``): an amount of at most ``MAX_CENTS`` (€ 10^15) times a rate of at most
``MAX_RATE`` (10,000%) times a factor of at most ``MAX_FACTOR`` (100×), in millionths of a
cent, stays below 10^32, far inside 2^127. A plan beyond those bounds is refused by
:meth:`Component.problems`; an amount handed in or worked out beyond ``MAX_CENTS`` refuses
the calculation with :class:`AmountTooLarge`, naming the payee and the component. A
number that wrapped around is therefore impossible, not merely unlikely.

Rules per component:

* ``flat``: rate × measure (a rate per product group where ``group_rates`` names one);
* ``marginal``: each band's rate on the part of the measure inside the band; bands start
  at an attainment of the period's quota (``bands="quota"``, ``Tier.start`` in ppm) or at
  an amount (``bands="money"``, ``Tier.start`` in cents: agent and reseller plans);
* ``retroactive``: the rate of the highest band reached on the whole measure; a band that
  starts ``from`` a threshold is reached at it, one that starts ``above`` only past it;
* ``bonus``: target incentive × the payout curve at the attainment; the curve is linear
  between its points (threshold below the first point pays nothing), flat after the last;
* every rule: ``cap_cents`` limits the earnings of a payout line.

Crediting: each order line's credit holders (shares in basis points that add up to
10,000) get their share; with ``rollup`` the managers above a holder get the same credit
(overlay and manager plans). Cancellations and returns are negative lines: inside the
clawback window of their original line they reduce the measure of the period in which
they happen (a clawback, even when the original was paid before); outside it they are
ignored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from koers.engine.kpi import MILLI
from koers.engine.split import split_columns

PPM = 1_000_000
BP = 10_000
# Rates are kept in millionths of 100% (1 = 0.0001%), so "0.125%" and "2.999%" are exact;
# earnings are summed in millionths of a cent before the one rounding.
RATE = 1_000_000
SCALE = RATE

RULES = ("flat", "marginal", "retroactive", "bonus")
# credited measures are summed from order-line credits; "kpi" and "goals" are measured
# elsewhere and handed in per person (a KPI's value, the weighted score of MBO goals)
CREDITED = ("revenue", "margin", "volume")
MEASURES = (*CREDITED, "kpi", "goals")
SCOPES = ("individual", "team", "company")
CREDITS = ("holders", "territory", "territory-overlay")
BASES = ("booking", "invoice", "payment")
PERIODS = ("month", "quarter", "year", "ytd")  # ytd: the fiscal year to date, paid monthly
BANDS = ("quota", "money")
CLAWBACKS = ("original", "current")  # tiers in % of quota, or in amounts

# The integer type every product of an amount and a rate, curve or factor is taken in.
WIDE = pl.Int128
# The largest amount (cents, or thousandths of a unit for volume) the engine takes or gives:
# € 10^15, a hundred times a payee's € 10^13 total and a thousand times a € 10^12 line.
MAX_CENTS = 10**17
MAX_RATE = 100 * RATE  # 10,000% in RATE units
MAX_FACTOR = 100 * PPM  # a multiplier of 100×, a curve paying 10,000%
MAX_ATTAINMENT = 10_000 * PPM  # a band or curve point at 1,000,000% of quota


class AmountTooLarge(ValueError):
    """An amount beyond ``MAX_CENTS``: the calculation is refused rather than risk a number
    that does not fit. Names the payee (``person_id``, None for a whole frame), the
    component's code and which amount (``what``: measure, quota, incentive, earnings)."""

    def __init__(self, component: str, person_id: int | None, what: str, value: int) -> None:
        self.component, self.person_id, self.what, self.value = component, person_id, what, value
        super().__init__(
            f"{component}: the {what} of person {person_id} ({value}) exceeds {MAX_CENTS}"
        )


def guard(frame: pl.DataFrame, columns: dict[str, str], component: str) -> None:
    """Raise :class:`AmountTooLarge` for the first row whose column (name → what it is)
    exceeds ``MAX_CENTS`` in size; nulls pass."""
    for column, what in columns.items():
        if column not in frame.columns:
            continue
        over = frame.filter(pl.col(column).cast(WIDE).abs() > MAX_CENTS)
        if over.height:
            person = over["person_id"][0] if "person_id" in over.columns else None
            raise AmountTooLarge(component, person, what, int(over[column][0]))


def _negated(expr: pl.Expr) -> pl.Expr:
    """``-expr`` for any integer width (Polars has no negation of 128-bit integers)."""
    return 0 - expr


def toward_zero(expr: pl.Expr, divisor: int | pl.Expr) -> pl.Expr:
    """``expr ÷ divisor`` (a positive number or column) truncated towards zero."""
    return (
        pl.when(expr >= 0)
        .then(expr.floordiv(divisor))
        .otherwise(_negated(_negated(expr).floordiv(divisor)))
    )


@dataclass(frozen=True)
class Tier:
    start: int  # where the band starts: attainment ppm, or cents with money bands
    rate: int  # millionths of 100% (RATE): 50_000 is 5%
    above: bool = False  # the band starts past ``start`` (exclusive), not at it


@dataclass(frozen=True)
class Component:
    code: str
    rule: str
    measure: str = "revenue"
    basis: str = "booking"  # the date that counts: order, invoice or payment
    period: str = "month"
    tiers: tuple[Tier, ...] = ()
    bands: str = "quota"  # tiers start at an attainment of the quota, or at an amount
    group_rates: tuple[tuple[int, int], ...] = ()  # (product group id, rate) for flat
    curve: tuple[tuple[int, int], ...] = ()  # (attainment ppm, payout ppm) for bonus
    cap_cents: int | None = None
    product_groups: tuple[int, ...] = ()  # only these groups count (all when empty)
    segments: tuple[str, ...] = ()  # only accounts in these segments count (all when empty)
    business: str = ""  # "new", "existing" or both
    # who gets the credit: the line's credit holders, or the people assigned to the
    # account's territory on the line's date ("territory"; "territory-overlay" for overlay
    # specialists): the service hands in the matching credits
    credit: str = "holders"
    rollup: bool = False
    clawback_days: int = 365
    # a return of a sale from an earlier period: "original" reverses what that sale earned
    # (at its rate, within its cap; the service settles it), "current" counts it in the
    # measure of the period it happens in
    clawback: str = "original"
    kpi: str = ""  # the KPI measured, for measure "kpi"
    # individual: the person's own credit; team: their manager's team (every member gets
    # the team's attainment); company: everyone's credit together
    scope: str = "individual"
    window: tuple[dt.date | None, dt.date | None] = (None, None)  # SPIFF: only these dates
    # a gate or multiplier on a leading KPI: (attainment ppm from, factor ppm) steps
    modifier_kpi: str = ""
    modifier_steps: tuple[tuple[int, int], ...] = ()

    def problems(self) -> list[str]:
        found = []
        if self.rule not in RULES:
            found.append(f"{self.code}: rule {self.rule!r} is not one of {', '.join(RULES)}")
        if self.measure not in MEASURES:
            found.append(f"{self.code}: measure {self.measure!r} is unknown")
        if self.measure == "kpi" and not self.kpi:
            found.append(f"{self.code}: measure kpi needs the KPI's code")
        if self.scope not in SCOPES:
            found.append(f"{self.code}: scope {self.scope!r} is unknown")
        if self.scope != "individual" and self.measure not in CREDITED:
            found.append(f"{self.code}: a team or company scope needs a credited measure")
        if self.window[0] and self.window[1] and self.window[1] < self.window[0]:
            found.append(f"{self.code}: the window ends before it starts")
        steps = [a for a, _f in self.modifier_steps]
        if self.modifier_kpi and (not steps or steps != sorted(set(steps)) or steps[0] != 0):
            found.append(f"{self.code}: a gate or multiplier needs steps from 0% rising")
        if any(f < 0 for _a, f in self.modifier_steps):
            found.append(f"{self.code}: a multiplier cannot be negative")
        if self.rollup and self.scope != "individual":
            found.append(f"{self.code}: a roll-up credits managers one by one: individual scope")
        if self.credit not in CREDITS:
            found.append(f"{self.code}: credit {self.credit!r} is unknown")
        if self.clawback not in CLAWBACKS:
            found.append(f"{self.code}: clawback {self.clawback!r} is original or current")
        if self.basis not in BASES:
            found.append(f"{self.code}: basis {self.basis!r} is unknown")
        if self.period not in PERIODS:
            found.append(f"{self.code}: period {self.period!r} is unknown")
        if self.rule in ("marginal", "retroactive") and not self.tiers:
            found.append(f"{self.code}: a tiered rate needs tiers")
        starts = [t.start for t in self.tiers]
        if starts and (starts[0] != 0 or starts != sorted(set(starts))):
            zero = "€ 0" if self.bands == "money" else "0%"
            found.append(f"{self.code}: tiers must start at {zero} and rise")
        if self.bands not in BANDS:
            found.append(f"{self.code}: bands {self.bands!r} are not one of {', '.join(BANDS)}")
        if self.rule == "flat" and not self.tiers and not self.group_rates:
            found.append(f"{self.code}: a flat rate needs a rate")
        if self.rule == "bonus":
            points = [a for a, _p in self.curve]
            if not self.curve or points != sorted(set(points)):
                found.append(f"{self.code}: a payout curve needs points in rising attainment")
        if any(t.rate < 0 for t in self.tiers) or (self.cap_cents or 0) < 0:
            found.append(f"{self.code}: rates and caps cannot be negative")
        found += self._bounds()
        return found

    def _bounds(self) -> list[str]:
        """The magnitudes the engine keeps exact (see the module's docstring)."""
        found = []
        rates = [t.rate for t in self.tiers] + [r for _g, r in self.group_rates]
        if any(r > MAX_RATE for r in rates):
            found.append(f"{self.code}: a rate above {MAX_RATE // (RATE // 100)}% is refused")
        factors = [f for _a, f in self.modifier_steps] + [p for _a, p in self.curve]
        if any(abs(f) > MAX_FACTOR for f in factors):
            found.append(f"{self.code}: a factor or payout above {MAX_FACTOR // PPM}× is refused")
        money = self.bands == "money"
        starts = [t.start for t in self.tiers if not money]
        starts += [a for a, _p in self.curve] + [a for a, _f in self.modifier_steps]
        if any(abs(a) > MAX_ATTAINMENT for a in starts):
            found.append(f"{self.code}: an attainment above {MAX_ATTAINMENT // 10_000}% is refused")
        amounts = [t.start for t in self.tiers if money] + [self.cap_cents or 0]
        if any(abs(a) > MAX_CENTS for a in amounts):
            found.append(f"{self.code}: an amount above {MAX_CENTS // 100} is refused")
        return found


CREDIT_SCHEMA = {
    "line_id": pl.Int64,
    "person_id": pl.Int64,
    "share_bp": pl.Int64,
    "order_date": pl.Date,
    "invoice_date": pl.Date,
    "paid_date": pl.Date,
    "amount_cents": pl.Int64,
    "cost_cents": pl.Int64,
    "quantity": pl.Int64,
    "product_group_id": pl.Int64,
    "new_business": pl.Boolean,
    "original_date": pl.Date,  # order date of the original line of a correction
    "segment": pl.Utf8,  # the account's segment ("" when none)
    "original_id": pl.Int64,  # the original line of a correction
}
BASIS_DATE = {"booking": "order_date", "invoice": "invoice_date", "payment": "paid_date"}


def _check(frame: pl.DataFrame, name: str, schema: dict[str, Any]) -> None:
    for column, dtype in schema.items():
        if column not in frame.columns:
            raise ValueError(f"{name}: column {column!r} is missing")
        if frame.schema[column] != dtype:
            raise ValueError(f"{name}: column {column!r} is {frame.schema[column]}, not {dtype}")


def valid_on(first: Any, last: Any) -> pl.Expr:
    """A reporting line (valid_from, valid_to; null: open) valid from ``first`` through
    ``last`` (dates or date expressions)."""
    starts: pl.Expr = pl.col("valid_from").is_null() | (pl.col("valid_from") <= first)
    ends: pl.Expr = pl.col("valid_to").is_null() | (pl.col("valid_to") >= last)
    return starts & ends


def dated(managers: pl.DataFrame, start: dt.date, end: dt.date) -> bool:
    """Does the hierarchy change during ``start``..``end``? ``managers`` may carry
    valid_from and valid_to (null: open) per reporting line."""
    if "valid_from" not in managers.columns:
        return False
    return managers.filter(~valid_on(start, end)).height > 0


def static(managers: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """The reporting lines valid throughout ``start``..``end`` (person_id, manager_id)."""
    if "valid_from" not in managers.columns:
        return managers.select("person_id", "manager_id")
    return managers.filter(valid_on(end, start)).select("person_id", "manager_id")


def rolled_up(credits: pl.DataFrame, managers: pl.DataFrame, depth: int = 8) -> pl.DataFrame:
    """The credits plus, for every credit, the same credit for each manager above the
    holder (``managers``: person_id, manager_id). A manager above two holders of one line
    gets both shares. With valid_from and valid_to on the reporting lines, each credit
    goes up the lines valid on its ``date``: the effective-dated hierarchy. Vectorised: one
    join per level."""
    columns = ["person_id", "manager_id"]
    dated_lines = "valid_from" in managers.columns and "date" in credits.columns
    if dated_lines:
        columns += ["valid_from", "valid_to"]
    chain = managers.select(columns).filter(pl.col("manager_id").is_not_null())
    out, level = [credits], credits
    for _ in range(depth):
        level = level.join(chain, on="person_id", how="inner")
        if dated_lines:
            level = level.filter(valid_on(pl.col("date"), pl.col("date")))
        level = level.drop("person_id").rename({"manager_id": "person_id"}).select(credits.columns)
        if level.height == 0:
            break
        out.append(level)
    return pl.concat(out)


def credited(
    credits: pl.DataFrame,
    component: Component,
    start: dt.date,
    end: dt.date,
    managers: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The credited transactions of one component in ``start``..``end``: line_id,
    person_id, date, value (cents, or thousandths of a unit for volume, already times
    the share),
    product_group_id. Every payout line is traceable to these rows."""
    _check(credits, "credits", CREDIT_SCHEMA)
    if component.measure == "revenue":
        raw = pl.col("amount_cents")
    elif component.measure == "margin":
        raw = pl.col("amount_cents") - pl.col("cost_cents").fill_null(pl.col("amount_cents"))
    else:
        raw = pl.col("quantity")
    # a return that is never invoiced or paid counts on its own date on every basis
    date = (
        pl.when(pl.col("amount_cents") < 0)
        .then(pl.coalesce(pl.col(BASIS_DATE[component.basis]), pl.col("order_date")))
        .otherwise(pl.col(BASIS_DATE[component.basis]))
    )
    first, last = component.window
    keep = date.is_between(max(start, first or start), min(end, last or end))
    if component.product_groups:
        keep &= pl.col("product_group_id").is_in(list(component.product_groups))
    if component.segments:
        keep &= pl.col("segment").is_in(list(component.segments))
    if component.business:
        keep &= pl.col("new_business") == (component.business == "new")
    # a correction counts only within the clawback window of its original
    late = (pl.col("amount_cents") < 0) & (
        (pl.col("order_date") - pl.col("original_date")).dt.total_days() > component.clawback_days
    )
    keep &= ~late.fill_null(False)
    # every holder of a line shares its dates, group and business: filter, then split,
    # carrying only the columns the trace needs
    selected = (
        credits.lazy()
        .filter(keep)
        .select(
            "line_id",
            "person_id",
            "share_bp",
            date.alias("date"),
            raw.alias("_measure"),
            "product_group_id",
        )
    )
    frame = (
        _split_lazy(selected, pl.col("_measure"))
        .select("line_id", "person_id", "date", "value", "product_group_id")
        .collect()
    )
    if component.rollup and managers is not None:
        frame = rolled_up(frame, managers)
    return frame


def credit_key(component: Component) -> tuple[Any, ...]:
    """Components with the same key credit the same rows in the same period."""
    c = component
    return (
        c.measure,
        c.basis,
        c.product_groups,
        c.segments,
        c.business,
        c.window,
        c.clawback_days,
        c.credit,
    )


def split_values(credits: pl.DataFrame, raw: pl.Expr) -> pl.DataFrame:
    """Each holder's share of ``raw`` in whole cents (or units) as ``value``, by the one
    split rule of :mod:`koers.engine.split`."""
    return _split_lazy(credits.lazy(), raw).collect()


def _split_lazy(frame: pl.LazyFrame, raw: pl.Expr) -> pl.LazyFrame:
    return split_columns(frame, {"value": raw})


def round_scaled(expr: pl.Expr) -> pl.Expr:
    """Millionths of a cent to cents, half away from zero."""
    half = SCALE // 2
    return (
        pl.when(expr >= 0)
        .then((expr + half).floordiv(SCALE))
        .otherwise(_negated((_negated(expr) + half).floordiv(SCALE)))
    )


def _interpolate(curve: tuple[tuple[int, int], ...], attainment: pl.Expr) -> pl.Expr:
    """Payout ppm at ``attainment`` ppm: 0 below the first point, linear between points
    (truncated), the last point's payout beyond the last point."""
    (a0, _p0) = curve[0]
    result: Any = pl.when(attainment < a0).then(0)
    for (a1, p1), (a2, p2) in zip(curve, curve[1:], strict=False):
        step = p1 + ((attainment - a1) * (p2 - p1)).floordiv(a2 - a1)
        result = result.when(attainment < a2).then(step)
    out: pl.Expr = result.otherwise(curve[-1][1])
    return out


def _steps(steps: tuple[tuple[int, int], ...], attainment: pl.Expr) -> pl.Expr:
    """The factor (ppm) of the highest step reached."""
    factor: Any = pl.lit(steps[0][1], dtype=WIDE)
    for start, value in steps[1:]:
        factor = pl.when(attainment >= start).then(value).otherwise(factor)
    out: pl.Expr = factor
    return out


def _times_ppm(scaled: pl.Expr, factor: pl.Expr) -> pl.Expr:
    """``scaled`` × factor ÷ 1,000,000, truncated towards zero."""
    return toward_zero(scaled.cast(WIDE) * factor, PPM)


def earnings(measured: pl.DataFrame, component: Component) -> pl.DataFrame:
    """Earnings per person of one component and period.

    ``measured``: person_id, measure (cents or units), quota (same unit; null or 0 when
    there is none), target_incentive_cents (for a bonus) and, for a flat rule, flat_scaled
    (the rate-weighted measure, see :func:`calculate`). Adds attainment_ppm,
    earnings_scaled (millionths of a cent) and earnings_cents (rounded once, capped)."""
    problems = component.problems()
    if problems:
        raise ValueError("; ".join(problems))
    guard(measured, INPUTS, component.code)
    wide = [c for c in ("measure", "quota", "target_incentive_cents") if c in measured.columns]
    frame = measured.with_columns(pl.col(c).cast(WIDE).alias(f"_{c}") for c in wide)
    measure, quota = pl.col("_measure"), pl.col("_quota").fill_null(0)
    attainment = pl.when(quota > 0).then((measure * PPM).floordiv(quota)).otherwise(None)
    frame = frame.with_columns(attainment.alias("_attainment"))
    att = pl.col("_attainment")
    if component.rule == "bonus":
        payout_ppm = _interpolate(component.curve, att.fill_null(0))
        # target incentive (cents) × payout ppm, to a millionth of a cent: × SCALE ÷ PPM
        scaled = (pl.col("_target_incentive_cents") * payout_ppm * SCALE).floordiv(PPM)
    elif component.rule == "retroactive":
        # money bands compare the measure with the amount; quota bands the attainment
        reached_by = measure if component.bands == "money" else att.fill_null(0)
        rate = pl.lit(component.tiers[0].rate, dtype=WIDE)
        for tier in component.tiers[1:]:
            reached = reached_by > tier.start if tier.above else reached_by >= tier.start
            rate = pl.when(reached).then(tier.rate).otherwise(rate)
        scaled = measure * rate
    elif component.rule == "marginal":
        scaled = _marginal(component, measure, quota)
    else:  # flat
        scaled = pl.col("flat_scaled").cast(WIDE)
    if component.measure == "volume" and component.rule != "bonus":
        # volume is counted in thousandths of a unit; a rate pays per whole unit
        scaled = toward_zero(scaled, MILLI)
    if component.modifier_kpi:
        # a gate (factor 0 below a step) or multiplier on a leading KPI's attainment
        factor = _steps(component.modifier_steps, pl.col("modifier_ppm").fill_null(0))
        frame = frame.with_columns(factor.cast(pl.Int64).alias("factor_ppm"))
        scaled = _times_ppm(scaled, pl.col("factor_ppm"))
    frame = frame.with_columns(scaled.cast(WIDE).alias("earnings_scaled"))
    cents = round_scaled(pl.col("earnings_scaled"))
    if component.cap_cents is not None:
        cents = pl.min_horizontal(cents, pl.lit(component.cap_cents, dtype=WIDE))
    frame = frame.with_columns(cents.alias("earnings_cents"), att.alias("attainment_ppm"))
    guard(frame, OUTPUTS, component.code)
    return frame.drop(f"_{c}" for c in [*wide, "attainment"]).with_columns(
        pl.col("earnings_cents").cast(pl.Int64), pl.col("attainment_ppm").cast(pl.Int64)
    )


# what ``earnings`` checks against MAX_CENTS, before and after (column → what it is)
INPUTS = {"measure": "measure", "quota": "quota", "target_incentive_cents": "incentive"}
OUTPUTS = {"earnings_cents": "earnings", "attainment_ppm": "attainment"}


def _marginal(component: Component, measure: pl.Expr, quota: pl.Expr) -> pl.Expr:
    """Each band's rate on the part of the measure inside it (128-bit, RATE units)."""
    scaled = pl.lit(0, dtype=WIDE)
    bounds = [t.start for t in component.tiers] + [None]
    money = component.bands == "money"
    for tier, upper in zip(component.tiers, bounds[1:], strict=True):
        low = pl.lit(tier.start, dtype=WIDE) if money else (quota * tier.start).floordiv(PPM)
        inside = measure - low
        if upper is not None:
            high = pl.lit(upper, dtype=WIDE) if money else (quota * upper).floordiv(PPM)
            inside = pl.min_horizontal(measure, high) - low
        if not money:  # without a quota everything falls in the first band
            inside = pl.when(quota > 0).then(inside).otherwise(measure if tier.start == 0 else 0)
        scaled = scaled + pl.max_horizontal(inside, 0) * tier.rate
    # a negative measure (returns exceeding sales) claws back at the first band's rate
    return pl.when(measure < 0).then(measure * component.tiers[0].rate).otherwise(scaled)


def calculate(
    credits: pl.DataFrame,
    payees: pl.DataFrame,
    component: Component,
    start: dt.date,
    end: dt.date,
    managers: pl.DataFrame | None = None,
    rows: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One component over one period for every payee on it.

    ``rows`` may hand in ``credited(credits, component, start, end)`` when several
    components credit alike (see :func:`credit_key`), so it is computed once.

    ``payees``: person_id, quota (cents or units for the period; may be null),
    target_incentive_cents (for a bonus; already prorated to the days on the plan),
    valid_from, valid_to (the part of the period the person is on the plan); with a team
    scope team_id (the manager whose team counts); with a gate or multiplier modifier_ppm
    (the attainment of its KPI); for a measure that is not credited (a KPI, goals) the
    measure itself.
    Returns (results, trace): results person_id, measure, quota, attainment_ppm,
    earnings_cents, modifier_ppm and factor_ppm (a gate's or multiplier's KPI attainment and
    factor); trace line_id, person_id, date, value — the credited rows behind
    each result (none for a company scope or a measure that is not credited). For a
    rolled-up component the trace names the credit holders, once per row; a payee's rows
    are those of their subtree (:func:`payee_trace` lists them per payee)."""
    trace = pl.DataFrame(
        schema={
            "line_id": pl.Int64,
            "person_id": pl.Int64,
            "date": pl.Date,
            "value": pl.Int64,
            "product_group_id": pl.Int64,
        }
    )
    if component.measure not in CREDITED:
        measured = payees.with_columns(pl.col("measure").fill_null(0).cast(pl.Int64))
        if component.rule == "flat":
            rate = component.tiers[0].rate if component.tiers else 0
            flat = pl.col("measure").cast(WIDE) * rate
            measured = measured.with_columns(flat.alias("flat_scaled"))
        return _results(measured, component), trace
    if rows is None:
        rows = credited(credits, component, start, end)
    if component.rollup and component.scope == "individual" and managers is not None:
        return _rolled_results(rows, payees, component, start, end, managers), rows
    if component.scope == "company":
        total = rows.group_by(pl.lit(1).alias("_k")).agg(
            pl.col("value").sum().alias("measure"),
            _flat_sum(component),
        )
        measured = payees.join(total.drop("_k"), how="cross") if total.height else payees
        return _results(_filled(measured), component), trace
    if component.scope == "team":
        team_rows = rolled_up(rows, managers) if managers is not None else rows
        members = payees.select("person_id", "team_id")
        trace = (
            team_rows.rename({"person_id": "team_id"})
            .join(members, on="team_id", how="inner")
            .select(trace.columns)
        )
    elif payees.filter((pl.col("valid_from") > start) | (pl.col("valid_to") < end)).height:
        # someone joined or left during the period: only their days count
        trace = rows.join(
            payees.select("person_id", "valid_from", "valid_to"), on="person_id", how="inner"
        )
        trace = trace.filter(pl.col("date").is_between(pl.col("valid_from"), pl.col("valid_to")))
        trace = trace.select(rows.columns)
    else:
        trace = rows.filter(pl.col("person_id").is_in(payees["person_id"].implode()))
    aggregates = [pl.col("value").sum().alias("measure")]
    if component.rule == "flat":
        aggregates.append(_flat_sum(component))
    sums = trace.lazy().group_by("person_id").agg(aggregates).collect()
    measured = payees.drop("measure", strict=False).join(sums, on="person_id", how="left")
    return _results(_filled(measured), component), trace


def reach(managers: pl.DataFrame, roots: set[int], depth: int = 8) -> pl.DataFrame:
    """root, holder, valid_from, valid_to (null: open): each holder with the days they
    counted under each of ``roots`` (themselves included), by the effective-dated
    reporting lines, as credits roll up (:func:`rolled_up`): whose rows a roll-up or team
    line reads."""
    schema = {"root": pl.Int64, "holder": pl.Int64, "valid_from": pl.Date, "valid_to": pl.Date}
    if not roots:
        return pl.DataFrame(schema=schema)
    people = (
        pl.concat(
            [managers.select("person_id"), managers.select(pl.col("manager_id").alias("person_id"))]
        )
        .drop_nulls()
        .unique()
    )
    people = pl.concat(
        [people, pl.DataFrame({"person_id": list(roots)}, schema={"person_id": pl.Int64})]
    ).unique()
    chain = managers.filter(pl.col("manager_id").is_not_null()).select(
        "person_id", "manager_id", pl.col("valid_from").alias("_f"), pl.col("valid_to").alias("_t")
    )
    level = people.select(
        pl.col("person_id").alias("holder"),
        pl.col("person_id").alias("root"),
        pl.lit(None, dtype=pl.Date).alias("valid_from"),
        pl.lit(None, dtype=pl.Date).alias("valid_to"),
    )
    out = [level]
    for _level in range(depth):
        level = (
            level.join(chain, left_on="root", right_on="person_id", how="inner")
            .select(
                "holder",
                pl.col("manager_id").alias("root"),
                pl.max_horizontal("valid_from", "_f").alias("valid_from"),
                pl.min_horizontal("valid_to", "_t").alias("valid_to"),
            )
            .filter(
                pl.col("valid_from").is_null()
                | pl.col("valid_to").is_null()
                | (pl.col("valid_from") <= pl.col("valid_to"))
            )
        )
        if level.height == 0:
            break
        out.append(level)
    return pl.concat(out).filter(pl.col("root").is_in(list(roots))).select(list(schema))


def ancestors(managers: pl.DataFrame, depth: int = 8) -> pl.DataFrame:
    """person_id, above_id: every person with themselves and each manager above them."""
    managers = managers.select("person_id", "manager_id")
    chain = managers.filter(pl.col("manager_id").is_not_null())
    level = managers.select("person_id", pl.col("person_id").alias("above_id"))
    out = [level]
    for _ in range(depth):
        level = (
            level.join(chain.rename({"person_id": "above_id"}), on="above_id", how="inner")
            .drop("above_id")
            .rename({"manager_id": "above_id"})
        )
        if level.height == 0:
            break
        out.append(level)
    return pl.concat(out)


def _rolled_results(
    rows: pl.DataFrame,
    payees: pl.DataFrame,
    component: Component,
    start: dt.date,
    end: dt.date,
    managers: pl.DataFrame,
) -> pl.DataFrame:
    """A rolled-up measure: each payee's own credit plus everyone's below them. The credit
    is summed per holder first and then carried up the hierarchy, so the work grows with
    the number of people, not with lines times levels."""
    partial = payees.filter((pl.col("valid_from") > start) | (pl.col("valid_to") < end))
    flat = component.rule == "flat"
    aggregates = [pl.col("value").sum().alias("measure")]
    if flat:
        aggregates.append(_flat_sum(component))
    if partial.height or dated(managers, start, end):
        # someone joined, left or moved during the period: each credit counts for whom it
        # reached on its date, within their days on the plan. Whom a credit reaches depends
        # on its holder and date only (its rate on its product group): the credits are
        # summed per holder and day first, so the hierarchy carries days, not lines.
        keys = ["person_id", "date"] + (["product_group_id"] if flat else [])
        per_day = (
            rows.lazy()
            .group_by(keys)
            .agg(pl.col("value").sum())
            .with_columns(
                pl.lit(None, dtype=rows.schema[c]).alias(c)
                for c in rows.columns
                if c not in keys and c != "value"
            )
            .select(rows.columns)
            .collect()
        )
        expanded = payee_trace(per_day, payees, managers, start, end)
        sums = expanded.lazy().group_by("person_id").agg(aggregates).collect()
    else:
        per_holder = rows.lazy().group_by("person_id").agg(aggregates).collect()
        sums = (
            per_holder.join(ancestors(static(managers, start, end)), on="person_id", how="inner")
            .group_by("above_id")
            .agg(pl.col(c).sum() for c in per_holder.columns if c != "person_id")
            .rename({"above_id": "person_id"})
        )
    measured = payees.drop("measure", strict=False).join(sums, on="person_id", how="left")
    return _results(_filled(measured), component)


def payee_trace(
    rows: pl.DataFrame,
    payees: pl.DataFrame,
    managers: pl.DataFrame,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pl.DataFrame:
    """The trace of a rolled-up component per payee: every credited row of the payee and
    of everyone below them on the row's date, dated within the payee's days on the plan."""
    first = start or dt.date.min
    last = end or dt.date.max
    if dated(managers, first, last):
        expanded = rolled_up(rows, managers)
    else:
        expanded = (
            rows.join(ancestors(static(managers, first, last)), on="person_id", how="inner")
            .drop("person_id")
            .rename({"above_id": "person_id"})
        )
    return (
        expanded.join(
            payees.select(
                "person_id", pl.col("valid_from").alias("_from"), pl.col("valid_to").alias("_to")
            ),
            on="person_id",
            how="inner",
        )
        .filter(pl.col("date").is_between(pl.col("_from"), pl.col("_to")))
        .select(rows.columns)
    )


def _flat_sum(component: Component) -> pl.Expr:
    """Σ value × rate of the credited rows (RATE units), in 128-bit integers."""
    return (pl.col("value").cast(WIDE) * _rate(component)).sum().alias("flat_scaled")


def _rate(component: Component) -> pl.Expr:
    """The flat rate (RATE units) of each credited row: its product group's or the base rate."""
    default = component.tiers[0].rate if component.tiers else 0
    if not component.group_rates:
        return pl.lit(default, dtype=pl.Int64)
    # a line without product (no group) takes the base rate
    return (
        pl.col("product_group_id")
        .fill_null(-1)
        .replace_strict(dict(component.group_rates), default=default, return_dtype=pl.Int64)
    )


def _filled(measured: pl.DataFrame) -> pl.DataFrame:
    for column in ("measure", "flat_scaled"):
        if column not in measured.columns:
            measured = measured.with_columns(pl.lit(0, dtype=WIDE).alias(column))
    return measured.with_columns(
        pl.col("measure").fill_null(0).cast(pl.Int64),
        pl.col("flat_scaled").fill_null(0).cast(WIDE),
    )


def _results(measured: pl.DataFrame, component: Component) -> pl.DataFrame:
    frame = earnings(measured, component)
    if not component.modifier_kpi:
        frame = frame.with_columns(
            pl.lit(None, dtype=pl.Int64).alias("modifier_ppm"),
            pl.lit(None, dtype=pl.Int64).alias("factor_ppm"),
        )
    return frame.select(
        "person_id",
        "measure",
        "quota",
        "attainment_ppm",
        "target_incentive_cents",
        "earnings_cents",
        "modifier_ppm",
        "factor_ppm",
    ).sort("person_id")


SETTLE_SCHEMA = {
    "person_id": pl.Int64,
    "earned_cents": pl.Int64,  # payable earnings this month (calculated lines and deltas)
    "adjustment_cents": pl.Int64,  # manual adjustments this month
    "draw_kind": pl.Utf8,  # "", "recoverable" or "guarantee" (non-recoverable)
    "draw_cents": pl.Int64,  # the draw or guarantee this month (0 when none)
    "balance_cents": pl.Int64,  # recoverable balance brought forward (owed by the person)
    "held": pl.Boolean,  # a hold stops payment this month
    "held_cents": pl.Int64,  # amounts held in earlier months, still held
}


def settle(month: pl.DataFrame) -> pl.DataFrame:
    """Earnings → payout for one month, every person at once.

    With E = earned + adjustments, D = the month's draw and B the balance brought forward:

    * a draw or guarantee tops the payout up to D: ``topup = max(D − max(E, 0), 0)``;
      a **recoverable** draw adds the top-up to the balance, a **guarantee** does not;
    * a negative E (clawbacks or corrections exceeding the month's earnings) is not taken
      from pay: it is added to the balance;
    * the balance is recovered from earnings above the draw: ``min(B, max(E − D, 0))``;
    * a **hold** keeps the month's payout back; when no hold applies, everything held
      before is released and paid.

    Adds topup_cents, recovery_cents, debt_cents, payout_cents (before holds),
    released_cents, paid_cents (to payroll), balance_out_cents and held_out_cents."""
    _check(month, "month", SETTLE_SCHEMA)
    # five amounts of at most MAX_CENTS add up to less than 2^63
    amounts = {c: "payout" for c, t in SETTLE_SCHEMA.items() if c.endswith("_cents")}
    guard(month, amounts, "payout")
    earned = pl.col("earned_cents") + pl.col("adjustment_cents")
    draw = (
        pl.when(pl.col("draw_kind") != "")
        .then(pl.col("draw_cents").clip(lower_bound=0))
        .otherwise(0)
    )
    positive = pl.max_horizontal(earned, 0)
    frame = month.with_columns(
        pl.max_horizontal(draw - positive, 0).alias("topup_cents"),
        pl.max_horizontal(-earned, 0).alias("debt_cents"),
        pl.min_horizontal(pl.col("balance_cents"), pl.max_horizontal(earned - draw, 0)).alias(
            "recovery_cents"
        ),
    )
    payout = positive + pl.col("topup_cents") - pl.col("recovery_cents")
    recoverable = pl.when(pl.col("draw_kind") == "recoverable").then(pl.col("topup_cents"))
    frame = frame.with_columns(
        payout.alias("payout_cents"),
        (
            pl.col("balance_cents")
            - pl.col("recovery_cents")
            + pl.col("debt_cents")
            + recoverable.otherwise(0)
        ).alias("balance_out_cents"),
    )
    held = pl.col("held")
    return frame.with_columns(
        pl.when(held).then(0).otherwise(pl.col("held_cents")).alias("released_cents"),
        pl.when(held)
        .then(0)
        .otherwise(pl.col("payout_cents") + pl.col("held_cents"))
        .alias("paid_cents"),
        pl.when(held)
        .then(pl.col("held_cents") + pl.col("payout_cents"))
        .otherwise(0)
        .alias("held_out_cents"),
    )
