"""A statement line's chain in words: how its amount was reached, step by step
(:mod:`koers.engine.explain`), in the reader's language, on the statement page and in the
statement API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from koers.engine import explain
from koers.engine.comp import PPM, RATE
from koers.engine.kpi import MILLI
from koers.engine.money import from_cents, to_cents
from koers.kit.templatetags.koers import kpi_value, money
from koers.measure.catalogue import definitions, kpi_name
from koers.reward.documents import ComponentSpec


def _pct(value: int | None, per_hundred: int) -> str:
    """``value`` in units of which ``per_hundred`` make 100%, as "12.5%" (up to four
    decimals, none trailing)."""
    if value is None:
        return "–"
    number = (Decimal(value) * 100 / per_hundred).normalize()
    places = max(-number.as_tuple().exponent, 0)  # type: ignore[operator]
    return formats.number_format(number, min(places, 4), use_l10n=True) + "%"


def _amount(scaled: int | None) -> str:
    return money(explain.euros(scaled))


def _measured(spec: ComponentSpec, value: int | None) -> str:
    c = spec.component
    if value is not None and c.measure in ("revenue", "margin"):
        return money(from_cents(value))
    return shown(spec, value)


def _start(spec: ComponentSpec, value: int | None) -> str:
    if value is None:
        return "–"
    return money(from_cents(value)) if spec.component.bands == "money" else _pct(value, PPM)


def _text(spec: ComponentSpec, step: explain.Step) -> str:
    """One step in words."""
    k, m = step.kind, lambda v: _measured(spec, v)
    if k == "measure":
        return _("Reached: %(measure)s") % {"measure": m(step.base)}
    if k == "attainment":
        return _("%(measure)s of a target of %(goal)s: %(pct)s") % {
            "measure": m(step.base),
            "goal": m(step.start),
            "pct": _pct(step.rate, PPM),
        }
    if k == "band":
        values = {
            "part": m(step.base),
            "low": _start(spec, step.start),
            "high": _start(spec, step.end),
            "rate": _pct(step.rate, RATE),
            "amount": _amount(step.scaled),
        }
        if step.end is None:
            return _("%(part)s from %(low)s on at %(rate)s: %(amount)s") % values
        return _("%(part)s in the band from %(low)s to %(high)s at %(rate)s: %(amount)s") % values
    if k == "reached":
        text = _("%(rate)s of %(measure)s: %(amount)s") % {
            "rate": _pct(step.rate, RATE),
            "measure": m(step.base),
            "amount": _amount(step.scaled),
        }
        if step.start:
            text += " " + _("(the band from %(start)s reached)") % {
                "start": _start(spec, step.start)
            }
        return text
    if k == "curve":
        text = _("Target incentive %(incentive)s × %(payout)s (the curve at %(at)s): %(amount)s")
        return text % {
            "incentive": money(from_cents(step.base or 0)),
            "payout": _pct(step.rate, PPM),
            "at": _pct(step.start, PPM),
            "amount": _amount(step.scaled),
        }
    if k == "rates":
        return _(
            "A rate per product group (otherwise %(rate)s): the deals behind this line show "
            "each sale's group"
        ) % {"rate": _pct(step.rate, RATE)}
    if k == "factor":
        return _("× %(factor)s for %(kpi)s at %(pct)s: %(amount)s") % {
            "factor": _pct(step.rate, PPM),
            "kpi": kpi_name(spec.component.modifier_kpi),
            "pct": _pct(step.base, PPM) if step.base is not None else _("no target"),
            "amount": _amount(step.scaled),
        }
    if k == "rounded":
        return _("Rounded to the cent, half away from zero: %(amount)s") % {
            "amount": _amount(step.scaled)
        }
    if k == "cap":
        return _("Capped at %(cap)s") % {"cap": money(from_cents(step.base or 0))}
    if k == "returns":
        return _(
            "Returns of sales paid in earlier periods, %(sales)s: not in the measure above "
            "(the KPI page counts them in revenue) but taken back at the rates they were "
            "paid: %(amount)s"
        ) % {"sales": m(step.rate), "amount": money(from_cents(step.base or 0))}
    if k == "other":
        return _(
            "Returns of earlier sales at their original rate, less what earlier months of "
            "the year paid, or a change of plan version: %(amount)s"
        ) % {"amount": money(from_cents(step.base or 0))}
    return _("Earnings: %(amount)s") % {"amount": _amount(step.scaled)}


def traced(lines: list[Any]) -> dict[int, int]:
    """Each payout line's credited rows summed: a line that settles returns at their
    original rate traces them beside its measure. Kept on the line when it was
    calculated; a line stored before that sums its ``PayoutCredit`` rows (one query)."""
    from django.db.models import Sum

    from koers.reward.models import PayoutCredit

    found = {line.pk: line.traced for line in lines if line.traced is not None}
    older = [line.pk for line in lines if line.traced is None]
    if older:
        rows = (
            PayoutCredit.objects.filter(line__in=older)
            .values("line")
            .annotate(total=Sum("value"))
            .order_by()
        )
        found.update({r["line"]: r["total"] for r in rows})
    return found


def line_chain(spec: ComponentSpec, line: Any, total: int | None = None) -> list[dict[str, str]]:
    """The steps of a payout line as (kind, text) pairs; ``total``: its credited rows
    summed (:func:`traced`), which tells the returns it took back apart."""
    from koers.reward.services.components import settles_returns

    returned = 0
    if total is not None and settles_returns(spec.component) and line.correction_of is None:
        returned = total - line.measure
    steps = explain.chain(
        spec.component,
        measure=line.measure,
        quota=line.quota,
        attainment_ppm=line.attainment_ppm,
        target_incentive_cents=line.target_incentive_cents,
        modifier_ppm=line.modifier_ppm,
        factor_ppm=line.factor_ppm,
        earnings_cents=to_cents(line.earnings),
        returned=returned,
    )
    return [{"kind": s.kind, "text": _text(spec, s)} for s in steps]


def shown(spec: ComponentSpec, value: int | None) -> str:
    """A goal or measure in its unit: cents as euros, units, a goals score as a
    percentage, a KPI in hundredths of its unit."""
    if value is None:
        return "–"
    c = spec.component
    if c.measure in ("revenue", "margin"):
        return kpi_value(value, "cents")
    if c.measure == "goals":
        return kpi_value(value / 10_000, "percent")
    if c.measure == "kpi":
        known = definitions().get(c.kpi)
        unit = known.unit if known else "count"
        return kpi_value(
            value if unit == "money" else value / 100, "cents" if unit == "money" else unit
        )
    return kpi_value(value / MILLI, "count")  # volume: thousandths of a unit
