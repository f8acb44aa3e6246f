"""KPIs: monthly facts per person, computed from plain frames.

Every KPI is stored as a (numerator, denominator) pair per person and month, so that any
roll-up (team, unit, quarter, year) is exact: sum both, then divide. A count or an
amount has denominator 1 per month; a ratio carries its real denominator (win rate =
won / decided; margin % = margin / revenue; NPS = (promoters - detractors) / answers).

Money is in integer cents; nothing here rounds. Inputs are checked at the edge.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

import polars as pl

from koers.engine.split import split_columns

LEADING, LAGGING = "leading", "lagging"
ACTIVITY, RESULT = "activity", "result"


_GRAIN: ContextVar[str] = ContextVar("kpi_grain", default="1mo")


def grain() -> str:
    """The period facts are computed per: "1mo" (months), or "1d" inside ``by_day()``."""
    return _GRAIN.get()


@contextmanager
def by_day() -> Iterator[None]:
    """Within this block facts are per person and *day* (the ``month`` column holds the
    day): a part of a month sums exactly like whole months do, so a period can be compared
    with the same days of an earlier one."""
    token = _GRAIN.set("1d")
    try:
        yield
    finally:
        _GRAIN.reset(token)


def _period(date: str) -> pl.Expr:
    return pl.col(date).dt.truncate(_GRAIN.get()).alias("month")


MILLI = 1000  # quantities are kept in thousandths of a unit, so 0.4 + 0.4 + 0.4 is 1.2


@dataclass(frozen=True)
class KpiDefinition:
    code: str
    name_en: str
    name_nl: str
    timing: str  # leading or lagging
    level: str  # activity or result
    unit: str  # count, money, percent, days, score
    higher_is_better: bool = True
    scale: int = 1  # value = numerator / denominator * scale (100 for percentages)
    ratio: bool = False  # a ratio divides; a count or an amount adds up over people and months
    description_en: str = ""
    description_nl: str = ""
    custom: bool = False  # defined by an administrator rather than built in
    divisor: int = 1  # facts per unit of the figure: quantities are kept in thousandths

    @property
    def fact_units(self) -> int:
        """How many of the facts' numerator make one unit of the figure (100 cents in a
        euro, 1,000 thousandths in a unit of volume)."""
        return 100 if self.unit == "money" else self.divisor


CATALOGUE: dict[str, KpiDefinition] = {
    k.code: k
    for k in [
        KpiDefinition("visits", "Visits", "Bezoeken", LEADING, ACTIVITY, "count"),
        KpiDefinition("calls", "Calls", "Telefoongesprekken", LEADING, ACTIVITY, "count"),
        KpiDefinition("meetings", "Meetings", "Afspraken", LEADING, ACTIVITY, "count"),
        KpiDefinition(
            "quotes", "Quotes issued", "Uitgebrachte offertes", LEADING, ACTIVITY, "count"
        ),
        KpiDefinition("leads", "Leads", "Leads", LEADING, ACTIVITY, "count"),
        KpiDefinition(
            "marketing_leads", "Marketing leads", "Marketingleads", LEADING, ACTIVITY, "count"
        ),
        KpiDefinition(
            "sales_leads",
            "Sales-generated leads",
            "Zelf gegenereerde leads",
            LEADING,
            ACTIVITY,
            "count",
        ),
        KpiDefinition(
            "new_opportunities",
            "New opportunities",
            "Nieuwe verkoopkansen",
            LEADING,
            ACTIVITY,
            "count",
        ),
        KpiDefinition(
            "new_business_time",
            "Selling time on new accounts",
            "Verkooptijd aan nieuwe accounts",
            LEADING,
            ACTIVITY,
            "percent",
            scale=100,
        ),
        KpiDefinition("revenue", "Revenue", "Omzet", LAGGING, RESULT, "money"),
        KpiDefinition("gross_margin", "Gross margin", "Brutomarge", LAGGING, RESULT, "money"),
        KpiDefinition(
            "margin_pct", "Gross margin %", "Brutomarge %", LAGGING, RESULT, "percent", scale=100
        ),
        KpiDefinition("volume", "Volume", "Afzet", LAGGING, RESULT, "count", divisor=MILLI),
        KpiDefinition("won_deals", "Deals won", "Gewonnen deals", LAGGING, RESULT, "count"),
        KpiDefinition("win_rate", "Win rate", "Winratio", LAGGING, RESULT, "percent", scale=100),
        KpiDefinition(
            "avg_deal_size", "Average deal size", "Gemiddelde dealgrootte", LAGGING, RESULT, "money"
        ),
        KpiDefinition(
            "sales_cycle",
            "Sales cycle",
            "Verkoopcyclus",
            LAGGING,
            RESULT,
            "days",
            higher_is_better=False,
        ),
        KpiDefinition("new_customers", "New customers", "Nieuwe klanten", LAGGING, RESULT, "count"),
        KpiDefinition(
            "dso",
            "Debtor days (DSO)",
            "Debiteurendagen (DSO)",
            LAGGING,
            RESULT,
            "days",
            higher_is_better=False,
        ),
        KpiDefinition(
            "nps", "Net Promoter Score", "Net Promoter Score", LAGGING, RESULT, "score", scale=100
        ),
        KpiDefinition(
            "forecast_accuracy",
            "Forecast accuracy",
            "Forecastnauwkeurigheid",
            LAGGING,
            RESULT,
            "percent",
            scale=100,
        ),
    ]
}

# Ratios divide their summed numerator by their summed denominator; every other KPI is a
# count or an amount that adds up over people and months.
RATIOS = {
    "new_business_time",
    "margin_pct",
    "win_rate",
    "avg_deal_size",
    "sales_cycle",
    "dso",
    "nps",
    "forecast_accuracy",
}
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "visits": (
        "Customer visits recorded as activities.",
        "Klantbezoeken, vastgelegd als activiteit.",
    ),
    "calls": ("Calls recorded as activities.", "Telefoongesprekken, vastgelegd als activiteit."),
    "meetings": ("Meetings recorded as activities.", "Afspraken, vastgelegd als activiteit."),
    "quotes": (
        "Quotes issued, recorded as activities.",
        "Uitgebrachte offertes, vastgelegd als activiteit.",
    ),
    "leads": (
        "Marketing leads assigned plus leads the salesperson generated.",
        "Toegewezen marketingleads plus zelf gegenereerde leads.",
    ),
    "marketing_leads": (
        "Leads from marketing campaigns assigned to the person, by creation date.",
        "Leads uit marketingcampagnes die aan de persoon zijn toegewezen, op aanmaakdatum.",
    ),
    "sales_leads": (
        "Leads the salesperson generated: lead records with source sales and lead activities.",
        "Leads die de verkoper zelf genereerde: leads met bron verkoop en lead-activiteiten.",
    ),
    "new_opportunities": (
        "Opportunities created, by creation date.",
        "Aangemaakte verkoopkansen, op aanmaakdatum.",
    ),
    "new_business_time": (
        "Minutes with potential and new accounts as a share of all minutes with accounts.",
        "Minuten met potentiële en nieuwe klanten als deel van alle minuten met klanten.",
    ),
    "revenue": (
        "Credited order value, cancellations and returns deducted.",
        "Toegekende orderwaarde, na annuleringen en retouren.",
    ),
    "gross_margin": (
        "Credited revenue minus cost, on lines with a known cost.",
        "Toegekende omzet min kostprijs, op regels met een bekende kostprijs.",
    ),
    "margin_pct": (
        "Gross margin ÷ revenue of the lines with a known cost.",
        "Brutomarge ÷ omzet van de regels met een bekende kostprijs.",
    ),
    "volume": ("Credited quantity sold.", "Toegekende verkochte aantallen."),
    "won_deals": ("Opportunities won, by close date.", "Gewonnen verkoopkansen, op sluitdatum."),
    "win_rate": (
        "Won ÷ decided (won plus lost) opportunities.",
        "Gewonnen ÷ beslist (gewonnen plus verloren).",
    ),
    "avg_deal_size": (
        "Won value ÷ won opportunities.",
        "Gewonnen waarde ÷ gewonnen verkoopkansen.",
    ),
    "sales_cycle": (
        "Average days from creation to winning.",
        "Gemiddeld aantal dagen van aanmaken tot winnen.",
    ),
    "new_customers": (
        "Won new-business opportunities.",
        "Gewonnen verkoopkansen bij nieuwe klanten.",
    ),
    "dso": (
        "Days from invoice to payment, weighted by amount, by payment month.",
        "Dagen van factuur tot betaling, gewogen naar bedrag, per betaalmaand.",
    ),
    "nps": (
        "% promoters (9-10) minus % detractors (0-6) of the answers.",
        "% promoters (9-10) min % criticasters (0-6) van de antwoorden.",
    ),
    "forecast_accuracy": (
        "How close each person's own commit call came to the revenue of the month: 100% "
        "minus the miss as a share of the revenue (never below 0), over closed months; "
        "summed over people and months it is 1 minus the weighted absolute error.",
        "Hoe dicht de eigen commit-forecast bij de omzet van de maand kwam: 100% min de "
        "afwijking als deel van de omzet (nooit onder 0), over afgesloten maanden; over "
        "mensen en maanden opgeteld is het 1 min de gewogen absolute afwijking.",
    ),
}
CATALOGUE = {
    code: replace(
        d,
        ratio=code in RATIOS,
        description_en=DESCRIPTIONS[code][0],
        description_nl=DESCRIPTIONS[code][1],
    )
    for code, d in CATALOGUE.items()
}

PROMOTER_MIN, DETRACTOR_MAX = 9, 6  # NPS: 9-10 promote, 0-6 detract, 7-8 are passive

ONE = pl.col("person_id").is_not_null().cast(pl.Int64)  # 1 per row, summed to a count

FACT_SCHEMA = {
    "kpi": pl.Utf8,
    "person_id": pl.Int64,
    "month": pl.Date,
    "numerator": pl.Int64,
    "denominator": pl.Int64,
}


def _require(frame: pl.DataFrame, name: str, columns: dict[str, type[pl.DataType]]) -> None:
    for column, dtype in columns.items():
        if column not in frame.columns:
            raise ValueError(f"{name}: column {column!r} is missing")
        if frame.schema[column].base_type() != dtype:
            raise ValueError(f"{name}: column {column!r} is {frame.schema[column]}, not {dtype}")


def _facts(
    frame: pl.DataFrame, kpi: str, date: str, numerator: pl.Expr, denominator: pl.Expr | None = None
) -> pl.DataFrame:
    """Sum ``numerator`` (and ``denominator``, default 1 per month) per person and month."""
    grouped = frame.group_by("person_id", _period(date)).agg(
        numerator.sum().cast(pl.Int64).alias("numerator"),
        (denominator.sum() if denominator is not None else pl.lit(1))
        .cast(pl.Int64)
        .alias("denominator"),
    )
    return grouped.select(
        pl.lit(kpi).alias("kpi"), "person_id", "month", "numerator", "denominator"
    )


def activity_facts(activities: pl.DataFrame) -> pl.DataFrame:
    """``activities``: person_id, date, kind, minutes, new_account (bool).

    visits, calls, meetings, quotes: counts per month. new_business_time: minutes with
    accounts that are new business ÷ all minutes with an account. Lead activities count in
    :func:`lead_facts`."""
    _require(
        activities,
        "activities",
        {
            "person_id": pl.Int64,
            "date": pl.Date,
            "kind": pl.Utf8,
            "minutes": pl.Int64,
            "new_account": pl.Boolean,
        },
    )
    kinds = {"visits": "visit", "calls": "call", "meetings": "meeting", "quotes": "quote"}
    parts = [
        _facts(activities, code, "date", (pl.col("kind") == kind).cast(pl.Int64))
        for code, kind in kinds.items()
    ]
    with_account = activities.filter(pl.col("new_account").is_not_null())
    parts.append(
        _facts(
            with_account,
            "new_business_time",
            "date",
            pl.col("minutes") * pl.col("new_account").cast(pl.Int64),
            pl.col("minutes"),
        )
    )
    return pl.concat(parts)


def lead_facts(activities: pl.DataFrame, leads: pl.DataFrame) -> pl.DataFrame:
    """``leads``: person_id (owner), date (created), source (marketing or sales).

    marketing_leads: lead records from marketing; sales_leads: lead records from sales plus
    lead activities (a lead the salesperson found and logged); leads: both together."""
    _require(leads, "leads", {"person_id": pl.Int64, "date": pl.Date, "source": pl.Utf8})
    logged = activities.filter(pl.col("kind") == "lead").select(
        "person_id", "date", pl.lit("sales").alias("source")
    )
    every = pl.concat([leads.select("person_id", "date", "source"), logged])
    marketing = (pl.col("source") == "marketing").cast(pl.Int64)
    return pl.concat(
        [
            _facts(every, "leads", "date", ONE),
            _facts(every, "marketing_leads", "date", marketing),
            _facts(every, "sales_leads", "date", 1 - marketing),
        ]
    )


CREDIT_COLUMNS = {
    "line_id": pl.Int64,
    "person_id": pl.Int64,
    "date": pl.Date,
    "amount_cents": pl.Int64,
    "share_bp": pl.Int64,
}


def credited_parts(credits: pl.DataFrame) -> pl.DataFrame:
    """Each credit row with its part of the line's revenue, margin, revenue with a known
    cost and quantity, by the one split rule (:mod:`koers.engine.split`), so these facts
    and the pay engine divide every line alike."""
    _require(credits, "credits", CREDIT_COLUMNS)
    costed = pl.col("cost_cents").is_not_null()
    amounts = {
        "revenue": pl.col("amount_cents"),
        "margin": pl.when(costed).then(pl.col("amount_cents") - pl.col("cost_cents")),
        "costed_revenue": pl.when(costed).then(pl.col("amount_cents")),
        "units": pl.col("quantity"),
    }
    return split_columns(credits.lazy(), amounts).collect()


def order_facts(credits: pl.DataFrame) -> pl.DataFrame:
    """``credits``: one row per credited share of an order line: line_id, person_id, date,
    amount_cents, cost_cents (null when unknown), quantity (thousandths), share_bp (bp of
    10,000). Revenue, gross margin, margin % and volume are the credited parts.

    Gross margin and margin % count only lines with a known cost."""
    parts = credited_parts(credits)
    return pl.concat(
        [
            _facts(parts, "revenue", "date", pl.col("revenue")),
            _facts(parts, "gross_margin", "date", pl.col("margin")),
            _facts(parts, "margin_pct", "date", pl.col("margin"), pl.col("costed_revenue")),
            _facts(parts, "volume", "date", pl.col("units")),
        ]
    )


def forecast_accuracy_facts(calls: pl.DataFrame, revenue: pl.DataFrame) -> pl.DataFrame:
    """``calls``: person_id, month, commit_cents (each person's own call of a closed month);
    ``revenue``: the revenue facts (kpi, person_id, month, numerator in cents). Per person
    and month called: numerator max(revenue − |commit − revenue|, 0), denominator the
    revenue; a month called with no revenue counts as a miss of the whole call (numerator
    0, denominator the commit), and one with neither is left out."""
    _require(calls, "calls", {"person_id": pl.Int64, "month": pl.Date, "commit_cents": pl.Int64})
    actual = revenue.filter(pl.col("kpi") == "revenue").select(
        "person_id", "month", pl.col("numerator").alias("actual")
    )
    joined = calls.join(actual, on=["person_id", "month"], how="left").with_columns(
        pl.col("actual").fill_null(0)
    )
    miss = (pl.col("commit_cents") - pl.col("actual")).abs()
    return joined.filter((pl.col("actual") > 0) | (pl.col("commit_cents") > 0)).select(
        pl.lit("forecast_accuracy").alias("kpi"),
        "person_id",
        "month",
        pl.max_horizontal(pl.col("actual") - miss, pl.lit(0)).cast(pl.Int64).alias("numerator"),
        pl.when(pl.col("actual") > 0)
        .then(pl.col("actual"))
        .otherwise(pl.col("commit_cents"))
        .cast(pl.Int64)
        .alias("denominator"),
    )


def group_facts(credits: pl.DataFrame) -> pl.DataFrame:
    """Credited revenue (cents) and quantity per person, month and product group, for the
    price and mix analysis; the same parts as ``order_facts``."""
    _require(credits, "credits", {"product_group_id": pl.Int64})
    return (
        credited_parts(credits)
        .group_by("person_id", _period("date"), "product_group_id")
        .agg(
            pl.col("revenue").sum().cast(pl.Int64).alias("revenue_cents"),
            pl.col("units").sum().cast(pl.Int64).alias("quantity"),
        )
        # a line without product belongs to no group: the mix analysis leaves it out
        .filter(pl.col("person_id").is_not_null() & pl.col("product_group_id").is_not_null())
    )


def opportunity_facts(opportunities: pl.DataFrame) -> pl.DataFrame:
    """``opportunities``: person_id, created_on, closed_on, outcome (open/won/lost),
    amount_cents, new_business (bool).

    new_opportunities by creation month; won_deals, win rate (won ÷ decided), average deal
    size (won amount ÷ won deals) and sales cycle (days from creation to winning ÷ won
    deals) by close month; new_customers: won new-business deals by close month."""
    _require(
        opportunities,
        "opportunities",
        {
            "person_id": pl.Int64,
            "created_on": pl.Date,
            "outcome": pl.Utf8,
            "amount_cents": pl.Int64,
        },
    )
    won = (pl.col("outcome") == "won").cast(pl.Int64)
    closed = opportunities.filter(pl.col("closed_on").is_not_null())
    cycle = (pl.col("closed_on") - pl.col("created_on")).dt.total_days()
    return pl.concat(
        [
            _facts(opportunities, "new_opportunities", "created_on", ONE),
            _facts(closed, "won_deals", "closed_on", won),
            _facts(closed, "win_rate", "closed_on", won, ONE),
            _facts(closed, "avg_deal_size", "closed_on", pl.col("amount_cents") * won, won),
            _facts(closed, "sales_cycle", "closed_on", cycle * won, won),
            _facts(
                closed, "new_customers", "closed_on", won * pl.col("new_business").cast(pl.Int64)
            ),
        ]
    )


def payment_facts(payments: pl.DataFrame) -> pl.DataFrame:
    """``payments``: person_id, paid_date, invoice_date, amount_cents of paid invoice lines.

    DSO per payment month, weighted by amount: Σ(days from invoice to payment × amount) ÷
    Σ amount. Negative lines (credit notes) are left out."""
    _require(
        payments,
        "payments",
        {
            "person_id": pl.Int64,
            "paid_date": pl.Date,
            "invoice_date": pl.Date,
            "amount_cents": pl.Int64,
        },
    )
    positive = payments.filter(pl.col("amount_cents") > 0)
    days = (pl.col("paid_date") - pl.col("invoice_date")).dt.total_days()
    return _facts(
        positive, "dso", "paid_date", days * pl.col("amount_cents"), pl.col("amount_cents")
    )


def nps_facts(answers: pl.DataFrame) -> pl.DataFrame:
    """``answers``: person_id, date, score (0-10). NPS = % promoters (9-10) - % detractors
    (0-6): numerator promoters - detractors, denominator answers; ×100 gives -100..100."""
    _require(answers, "answers", {"person_id": pl.Int64, "date": pl.Date, "score": pl.Int64})
    if answers.filter((pl.col("score") < 0) | (pl.col("score") > 10)).height:
        raise ValueError("answers: an NPS score lies outside 0-10")
    promoter = (pl.col("score") >= PROMOTER_MIN).cast(pl.Int64)
    detractor = (pl.col("score") <= DETRACTOR_MAX).cast(pl.Int64)
    return _facts(answers, "nps", "date", promoter - detractor, ONE)


def value(definition: KpiDefinition, numerator: int, denominator: int) -> float | None:
    """The KPI's value from facts summed over people and months: a ratio divides (None when
    there is nothing to divide by); a count or amount is the sum. Money comes back in euros."""
    if definition.ratio and denominator == 0:
        return None
    result = (numerator / denominator if definition.ratio else numerator) * definition.scale
    if definition.unit == "money":
        return result / 100
    return result / definition.divisor if definition.divisor != 1 else result
