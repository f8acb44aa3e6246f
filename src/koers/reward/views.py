"""Statements: what each person must reach, has reached and earns, down to the deals;
and the estimator: what one more deal would bring."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from koers.core.cells import safe_row
from koers.engine import comp
from koers.engine.money import from_cents, to_cents
from koers.kit.fields import LocalDecimalField
from koers.measure.catalogue import kpi_name
from koers.measure.memo import memo_page
from koers.org import visibility as vis
from koers.org.models import Person
from koers.reward.chain import line_chain, shown, traced
from koers.reward.documents import ComponentSpec
from koers.reward.inquiries import InquiryForm
from koers.reward.models import Adjustment, CalcRun, Inquiry, PayoutLine
from koers.reward.selectors import component_specs, statement_person, statement_version


def next_step(spec: ComponentSpec, line: PayoutLine) -> dict[str, Any] | None:
    """The distance (cents) to the next band or curve point above the attainment."""
    if not line.quota:
        return None
    points = (
        [t.start for t in spec.component.tiers]
        if spec.component.rule in ("marginal", "retroactive")
        else [a for a, _p in spec.component.curve]
    )
    above = [p for p in points if p > (line.attainment_ppm or 0)]
    if not above:
        return None
    needed = line.quota * above[0] // comp.PPM - line.measure
    return {"cents": needed, "at_pct": above[0] / 10_000, "text": shown(spec, needed)}


def _curve_figure(spec: ComponentSpec, line: PayoutLine) -> str | None:
    if spec.component.rule != "bonus":
        return None
    x = [a / 10_000 for a, _p in spec.component.curve]
    y = [p / 10_000 for _a, p in spec.component.curve]
    here = (line.attainment_ppm or 0) / 10_000
    # the flat end of the curve reaches past "you are here", however far above it lies
    end = max(x[-1] + 30, here + 20)
    return json.dumps(
        {
            "type": "curve",
            "title": _("Payout curve"),
            "x": [0, *x, end],
            "y": [0, 0, *y[1:], y[-1]] if len(y) > 1 else [0, *y, y[-1]],
            "here": [here],
            "here_label": _("you are here"),
        }
    )


@dataclass(frozen=True)
class Assumptions:
    """What the estimator takes of the extra sale: its product group (None: none in
    particular) and whether it is invoiced and paid within the period."""

    group: int | None = None
    paid: bool = True


def counts(spec: ComponentSpec, assumed: Assumptions) -> bool:
    """Does the extra sale count for the component under the assumptions?"""
    c = spec.component
    if c.product_groups and assumed.group not in c.product_groups:
        return False
    return c.basis == "booking" or assumed.paid


def estimate(
    spec: ComponentSpec, line: PayoutLine, extra: int, assumed: Assumptions = Assumptions()
) -> int | None:
    """Earnings of the line if its measure were ``extra`` cents higher: the line's earnings
    plus what the rule pays on the higher measure less what it pays on the current one, so
    caps, a gate or multiplier and what a year-to-date line already paid all hold (a flat
    rate counts the extra at the rate of the assumed product group, else the base rate).
    A sale of another product group, or one not yet invoiced or paid where the component
    pays on that, adds nothing. None for a measure that is not money (goals, a KPI,
    volume)."""
    c = spec.component
    if c.measure not in ("revenue", "margin"):
        return None
    if not counts(spec, assumed):
        return to_cents(line.earnings)
    base = c.tiers[0].rate if c.tiers else 0
    base = dict(c.group_rates).get(assumed.group, base) if assumed.group else base
    measures = [line.measure, line.measure + extra]
    frame = pl.DataFrame(
        {
            "person_id": [line.person_id] * 2,
            "measure": measures,
            "quota": [line.quota] * 2,
            "target_incentive_cents": [line.target_incentive_cents] * 2,
            "flat_scaled": [m * base for m in measures],
            "modifier_ppm": [line.modifier_ppm] * 2,
        },
        schema={
            "person_id": pl.Int64,
            "measure": pl.Int64,
            "quota": pl.Int64,
            "target_incentive_cents": pl.Int64,
            "flat_scaled": pl.Int64,
            "modifier_ppm": pl.Int64,
        },
    )
    now, then = comp.earnings(frame, c)["earnings_cents"].to_list()
    return to_cents(line.earnings) + then - now


def _what_depends(specs: Any) -> dict[str, Any]:
    """Which of the person's components depend on the product group or the payment date,
    so the estimator asks for those and names its assumptions."""
    from koers.sales.models import ProductGroup

    ids: set[int] = set()
    paid_basis = False
    for spec in specs:
        c = spec.component
        ids |= set(c.product_groups) | {g for g, _r in c.group_rates}
        paid_basis = paid_basis or (c.basis != "booking" and c.measure in ("revenue", "margin"))
    groups = list(ProductGroup.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {"groups": groups, "paid": paid_basis}


def _euros(cents: int | None) -> Decimal | None:
    return None if cents is None else from_cents(cents)


def _open_deals(request: HttpRequest, person: Person) -> list[Any]:
    """The person's open deals the viewer may see, largest first: candidates for "what if
    I win this deal?"."""
    from koers.sales.models import Opportunity, OpportunitySplit, Stage

    owned = Opportunity.objects.filter(owner=person).order_by().values("pk")
    shared = OpportunitySplit.objects.filter(person=person).order_by().values("opportunity")
    return list(
        vis.visible_opportunities(request.user)
        .filter(pk__in=owned.union(shared), stage__kind=Stage.Kind.OPEN)
        .select_related("account")
        .order_by("-amount")[:25]
    )


def _share(deal: Any, person: Person) -> Decimal:
    """The person's credit share of a deal in percent: their split, else all of it as the
    owner."""
    split = deal.splits.filter(person=person).first()
    if split is not None:
        return Decimal(split.percent)
    return Decimal(100) if deal.owner_id == person.pk else Decimal(0)


class EstimateForm(forms.Form):
    extra = LocalDecimalField(required=False, max_digits=14, decimal_places=2, min_value=0)
    group = forms.TypedChoiceField(
        label=gettext_lazy("product group"), required=False, coerce=int, empty_value=None
    )
    paid = forms.TypedChoiceField(
        label=gettext_lazy("invoiced and paid"),
        choices=[("1", gettext_lazy("within this period")), ("0", gettext_lazy("later"))],
        coerce=lambda v: v == "1",
        required=False,
        empty_value=True,
    )

    def __init__(self, *args: Any, groups: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", gettext_lazy("none in particular"))] + list(
            groups or []
        )


def statement(request: HttpRequest, person_id: int | None = None) -> HttpResponse:
    """A person's statement. As it is, it is rendered once per person, month and version
    of what it reads (``koers.measure.memo``); an estimate ("what if I sell more, or win
    this deal?") is worked out for each request."""
    person = statement_person(request.user, person_id)
    chosen = request.GET.get("month", "")
    if not re.fullmatch(r"\d{4}-\d{2}", chosen):
        chosen = ""  # the latest month: any other text would only make another cache key

    def context() -> dict[str, Any]:
        return _statement_context(request, person, chosen)

    if request.htmx:
        return render(request, "reward/statement_body.html#estimates", context())
    templates = ("reward/statement.html", "reward/statement_body.html")
    if "extra" in request.GET or "deal" in request.GET:
        body = mark_safe(render_to_string(templates[1], context(), request=request))  # noqa: S308
        return render(request, templates[0], {"person": person, "body": body})
    parts = (person.pk, chosen, statement_version())
    return memo_page(request, "statement_html", parts, templates, context, {"person": person})


def _statement_context(request: HttpRequest, person: Person, chosen: str) -> dict[str, Any]:
    runs = list(CalcRun.objects.filter(lines__person=person).distinct().order_by("-month"))
    run = next((r for r in runs if f"{r.month:%Y-%m}" == chosen), runs[0] if runs else None)
    lines = list(run.lines.filter(person=person).select_related("plan", "person")) if run else []
    specs = component_specs(lines)
    nl = (get_language() or "en").startswith("nl")
    depends = _what_depends(specs.values())
    estimator = EstimateForm(
        request.GET if "extra" in request.GET else None, groups=depends["groups"]
    )
    extra, assumed = 0, Assumptions()
    if estimator.is_bound and estimator.is_valid():
        if estimator.cleaned_data["extra"]:
            extra = to_cents(estimator.cleaned_data["extra"])
        assumed = Assumptions(
            estimator.cleaned_data.get("group"), estimator.cleaned_data.get("paid", True)
        )
    deals, deal, deal_amount = _open_deals(request, person), None, None
    chosen_deal = request.GET.get("deal", "")
    if chosen_deal.isdigit():
        deal = next((d for d in deals if d.pk == int(chosen_deal)), None)
    if deal is not None:
        deal_amount = (deal.reporting_amount or deal.amount) * _share(deal, person) / 100
        extra += to_cents(deal_amount)
        if assumed.group is None and deal.product_group_id:
            # the deal's own product group, unless another was chosen: a pumps deal counts
            # for a pumps SPIFF
            assumed = Assumptions(deal.product_group_id, assumed.paid)
    rows, sums = [], traced(lines)
    for line in lines:
        spec = specs[(line.plan_id, line.component)]
        rows.append(
            {
                "line": line,
                "name": spec.name_nl if nl else spec.name_en,
                "spec": spec,
                "money": spec.component.measure in ("revenue", "margin"),
                "goal_text": shown(spec, line.quota),
                "modifier_name": (
                    kpi_name(spec.component.modifier_kpi) if spec.component.modifier_kpi else ""
                ),
                "reached_text": shown(spec, line.measure),
                "attainment": None if line.attainment_ppm is None else line.attainment_ppm / 10_000,
                "next": next_step(spec, line),
                "chain": line_chain(spec, line, sums.get(line.pk)),
                "curve_json": _curve_figure(spec, line),
                "estimate": _euros(estimate(spec, line, extra, assumed)) if extra else None,
                "counts": counts(spec, assumed),
            }
        )
    for row in rows:
        if row["estimate"] is not None:
            row["difference"] = row["estimate"] - row["line"].earnings
    estimated = [r for r in rows if r["estimate"] is not None]
    totals = {
        "now": sum((r["line"].earnings for r in estimated), Decimal(0)),
        "then": sum((r["estimate"] for r in estimated), Decimal(0)),
    }
    totals["difference"] = totals["then"] - totals["now"]
    payable = sum((r["line"].earnings for r in rows if r["line"].payable), Decimal(0))
    payout = run.payouts.filter(person=person).first() if run else None
    return {
        "payout": payout,
        "adjustments": (Adjustment.objects.filter(person=person, month=run.month) if run else []),
        "person": person,
        "run": run,
        "runs": runs,
        "rows": rows,
        "payable": payable,
        "extra": extra,
        "deals": deals,
        "deal": deal,
        "deal_amount": deal_amount,
        "estimator": estimator,
        "estimate_totals": totals,
        "assumed": assumed,
        "depends": depends,
        "group_name": dict(depends["groups"]).get(assumed.group),
        "own": person == vis.person_of(request.user),
    }


CREDITS_PER_PAGE = 100


def _credits_csv(line: PayoutLine, credits: Any) -> StreamingHttpResponse:
    """Every credited transaction of a line, streamed (UTF-8 with BOM)."""

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def rows() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(
            ["order", "order_date", "account", "product", "credited_cents_or_thousandths"]
        )
        for c in credits.iterator(chunk_size=5000):
            o = c.order_line
            row = [o.order_number, o.order_date, str(o.account), str(o.product or ""), c.value]
            yield writer.writerow(safe_row(row))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    name = f"koers-{line.component}-{line.period_start:%Y%m}-{line.person_id}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def line_credits(request: HttpRequest, line_id: int) -> HttpResponse:
    """The credited transactions behind one payout line."""
    line = PayoutLine.objects.select_related("person", "plan", "run").filter(pk=line_id).first()
    if line is None:
        raise Http404(_("No such statement line."))
    statement_person(request.user, line.person_id)
    credits = (
        line.trace()
        .select_related("order_line__account", "order_line__product")
        .order_by("-order_line__order_date", "order_line_id")
    )
    if request.GET.get("format") == "csv":
        return _credits_csv(line, credits)
    page = Paginator(credits, CREDITS_PER_PAGE).get_page(request.GET.get("page"))
    spec = component_specs([line])[(line.plan_id, line.component)]
    nl = (get_language() or "en").startswith("nl")
    return render(
        request,
        "reward/line_credits.html",
        {
            "line": line,
            "name": spec.name_nl if nl else spec.name_en,
            "credits": page,
            "total": credits.aggregate(n=Count("pk"), v=Sum("value")),
            "money": spec.component.measure != "volume",
            "inquiries": Inquiry.objects.filter(line=line).order_by("-opened_at"),
            "inquiry_form": InquiryForm(),
        },
    )
