"""Plan documents: the YAML form of a plan, for review in git and for the API.

    code: account-manager
    name: Account manager
    components:
      - code: commission
        name: {en: Commission on revenue, nl: Provisie op omzet}
        measure: revenue            # revenue, margin or volume (credited)
        basis: booking              # booking, invoice or payment
        period: month               # month, quarter or year
        rule: marginal              # flat, marginal, retroactive or bonus
        quota: revenue              # the target KPI that is the quota
        tiers: [{from: 0%, rate: 2%}, {from: 100%, rate: 4%}]   # from: reached at 100%;
                                    # above: 100% is reached only past it; bands in money:
                                    # [{from: € 0, rate: 5%}, {above: € 10000, rate: 8%}]
        cap: 5000.00
      - code: quarter-bonus
        rule: bonus
        period: quarter
        incentive: 40%              # share of the yearly target incentive
        curve: [{attainment: 50%, payout: 0%}, {attainment: 100%, payout: 100%}]

Further keys of a component:

    measure: kpi + kpi: visits      # any KPI of the catalogue (its facts, no credits)
    measure: goals                  # the weighted score of the person's MBO goals
    scope: team                     # individual (default), team (the manager's team:
                                    # every member gets the team's attainment) or company
    window: {from: 2026-10-01, to: 2026-11-30}   # a SPIFF: only these dates count
    choice: true                    # may be taken as cash, days off or training budget
    segments: [Industrie]           # only accounts in these segments
    credit: territory               # credit the people of the account's territory on the
                                    # line's date (territory-overlay: overlay specialists)
    gate: {kpi: visits, min: 80%}   # pays nothing below 80% of the visits target
    multiplier: {kpi: visits, steps: [{from: 0%, factor: 80%}, {from: 100%, factor: 110%}]}

Percentages are written with a % sign (or as numbers meaning percent); amounts in euros.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from django.utils.translation import gettext as _

from koers.engine.comp import (
    BASES,
    CLAWBACKS,
    CREDITS,
    MEASURES,
    PERIODS,
    RATE,
    RULES,
    SCOPES,
    Component,
    Tier,
)
from koers.engine.money import to_cents


class PlanDocumentError(ValueError):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class ComponentSpec:
    component: Component
    name_en: str
    name_nl: str
    quota_kpi: str  # the target KPI used as quota ("" for none)
    incentive_bp: int  # share of the yearly target incentive (bonus rules)
    choice: bool = False  # the person may take it as cash, days off or training budget


@dataclass(frozen=True)
class PlanSpec:
    code: str
    name: str
    components: tuple[ComponentSpec, ...]
    # "reporting": pay in the reporting currency; "payee": in each payee's own currency,
    # converted at the rate of the month's last day
    pays_in: str = "reporting"


def _percent(value: Any, where: str, errors: list[str], scale: int) -> int:
    """'4%' or 4 → 4% in ``scale`` units per 100% (10,000 for bp, 1,000,000 for ppm and
    rates). A percentage finer than the unit is refused with the precision Koers keeps."""
    text = str(value).strip().removesuffix("%").strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        errors.append(
            _("%(where)s: “%(value)s” is not a percentage") % {"where": where, "value": value}
        )
        return 0
    if not number.is_finite():
        errors.append(
            _("%(where)s: “%(value)s” is not a percentage") % {"where": where, "value": value}
        )
        return 0
    units = number * scale / 100
    if units != units.to_integral_value():
        places = len(str(scale)) - 3  # 10,000 per 100%: 2 decimals of a percent
        errors.append(
            _(
                "%(where)s: “%(value)s” has more decimals than Koers keeps: at most "
                "%(places)s after the decimal point of a percentage"
            )
            % {"where": where, "value": value, "places": places}
        )
        return 0
    return int(units)


MONEY_MARKS = ("€", "EUR")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value in (None, "") else [value]


def group_codes() -> dict[str, int]:
    """Product group code → id; a plan names groups by code, so it works in any database."""
    from koers.sales.models import ProductGroup

    return dict(ProductGroup.objects.values_list("code", "pk"))


def _group_id(code: Any, groups: dict[str, int], where: str, errors: list[str]) -> int | None:
    found = groups.get(str(code))
    if found is None:
        errors.append(
            _("%(where)s: there is no product group with the code “%(code)s”")
            % {"where": where, "code": code}
        )
    return found


def _tiers(raw: Any, where: str, errors: list[str]) -> tuple[tuple[Tier, ...], str]:
    """Bands ``{from: 100%, rate: 8%}`` (reached at the threshold) or ``{above: 100%, ...}``
    (reached past it), in % of quota or, written as an amount (``from: € 10000``), in
    money; one component's bands are all of one kind."""
    tiers, kinds = [], set()
    for t in raw if isinstance(raw, list) else []:
        if not isinstance(t, dict):
            continue
        above = "above" in t
        start = t.get("above") if above else t.get("from", 0)
        text = str(start).strip()
        money = any(mark in text for mark in MONEY_MARKS)
        kinds.add("money" if money else "quota")
        if money:
            amount = text.replace("€", "").replace("EUR", "").strip()
            cents = _money_cents(amount, where, errors)
            value = cents or 0
        else:
            value = _percent(start, where, errors, 1_000_000)
        tiers.append(Tier(value, _percent(t.get("rate", 0), where, errors, RATE), above))
    if len(kinds) > 1:
        errors.append(
            _("%(where)s: the bands start all in %% of the quota or all at amounts, not both")
            % {"where": where}
        )
    return tuple(tiers), "money" if kinds == {"money"} else "quota"


def _money_cents(value: Any, where: str, errors: list[str]) -> int | None:
    """An amount in cents, rounded by the one money rule (``quantize_money``)."""
    if value in (None, ""):
        return None
    try:
        return to_cents(Decimal(str(value)))
    except InvalidOperation:
        errors.append(
            _("%(where)s: “%(value)s” is not an amount") % {"where": where, "value": value}
        )
        return None


def _date(value: Any, where: str, errors: list[str]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.append(
            _("%(where)s: “%(value)s” is not a date (YYYY-MM-DD)")
            % {"where": where, "value": value}
        )
        return None


def _modifier(raw: dict, where: str, errors: list[str]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A gate (``gate: {kpi: visits, min: 80%}``: nothing below the minimum) or a
    multiplier (``multiplier: {kpi: visits, steps: [{from: 0%, factor: 80%}, ...]}``) on
    the attainment of a leading KPI."""
    gate, multiplier = raw.get("gate"), raw.get("multiplier")
    if gate and multiplier:
        errors.append(_("%(where)s: a gate or a multiplier, not both") % {"where": where})
    if isinstance(gate, dict) and gate.get("kpi"):
        minimum = _percent(gate.get("min", "100%"), where, errors, 1_000_000)
        return str(gate["kpi"]), ((0, 0), (minimum, 1_000_000)) if minimum else ((0, 1_000_000),)
    if isinstance(multiplier, dict) and multiplier.get("kpi"):
        steps = tuple(
            (
                _percent(step.get("from", 0), where, errors, 1_000_000),
                _percent(step.get("factor", "100%"), where, errors, 1_000_000),
            )
            for step in multiplier.get("steps") or []
            if isinstance(step, dict)
        )
        return str(multiplier["kpi"]), steps
    if gate or multiplier:
        errors.append(_("%(where)s: a gate or multiplier needs a KPI") % {"where": where})
    return "", ()


def _choice(
    raw: dict, key: str, options: tuple[str, ...], default: str, where: str, errors: list[str]
) -> str:
    value = str(raw.get(key, default))
    if value not in options:
        errors.append(
            _("%(where)s: %(key)s is one of %(options)s, not “%(value)s”")
            % {"where": where, "key": key, "options": ", ".join(options), "value": value}
        )
    return value


def _default_quota(raw: dict) -> str:
    """The target KPI that is a component's quota unless the document names one."""
    measure = str(raw.get("measure", "revenue"))
    return {"revenue": "revenue", "margin": "gross_margin", "volume": "volume"}.get(
        measure, str(raw.get("kpi", "")) if measure == "kpi" else ""
    )


def _component_lines(text: str) -> dict[int, int]:
    """Component number → the line of the document it starts on (1-based), so every
    problem names its line in the editor."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    for key, value in root.value:
        if getattr(key, "value", None) == "components" and isinstance(value, yaml.SequenceNode):
            return {i: node.start_mark.line + 1 for i, node in enumerate(value.value, start=1)}
    return {}


def _component(
    raw: Any, index: int, errors: list[str], codes: dict[str, int], line: int | None = None
) -> ComponentSpec | None:
    where = (
        _("line %(line)s, component %(n)s") % {"line": line, "n": index}
        if line
        else _("component %(n)s") % {"n": index}
    )
    if not isinstance(raw, dict) or not raw.get("code"):
        errors.append(_("%(where)s needs at least a code and a rule") % {"where": where})
        return None
    where = f"{where} ({raw['code']})"
    rule = _choice(raw, "rule", RULES, "", where, errors)
    tiers, bands = _tiers(raw.get("tiers") or [], where, errors)
    if rule == "flat" and "rate" in raw:
        tiers = (Tier(0, _percent(raw["rate"], where, errors, RATE)),)
    curve = tuple(
        (
            _percent(p.get("attainment", 0), where, errors, 1_000_000),
            _percent(p.get("payout", 0), where, errors, 1_000_000),
        )
        for p in raw.get("curve") or []
        if isinstance(p, dict)
    )
    groups = raw.get("product_group_rates") or {}
    window = raw.get("window") or {}
    modifier_kpi, steps = _modifier(raw, where, errors)
    component = Component(
        code=str(raw["code"]),
        rule=rule,
        measure=_choice(raw, "measure", MEASURES, "revenue", where, errors),
        basis=_choice(raw, "basis", BASES, "booking", where, errors),
        period=_choice(raw, "period", PERIODS, "month", where, errors),
        tiers=tiers,
        bands=bands,
        group_rates=tuple(
            (gid, _percent(r, where, errors, RATE))
            for g, r in (dict(groups) if isinstance(groups, dict) else {}).items()
            if (gid := _group_id(g, codes, where, errors)) is not None
        ),
        curve=curve,
        cap_cents=_money_cents(raw.get("cap"), where, errors),
        product_groups=tuple(
            gid
            for g in _listed(raw.get("product_groups"))
            if (gid := _group_id(g, codes, where, errors)) is not None
        ),
        segments=tuple(str(g) for g in raw.get("segments") or []),
        credit=_choice(raw, "credit", CREDITS, "holders", where, errors),
        business=str(raw.get("business", "")),
        rollup=bool(raw.get("rollup", False)),
        clawback_days=int(raw.get("clawback_days", 365)),
        clawback=_choice(raw, "clawback", CLAWBACKS, "original", where, errors),
        kpi=str(raw.get("kpi", "")),
        scope=_choice(raw, "scope", SCOPES, "individual", where, errors),
        window=(
            _date(window.get("from"), where, errors) if isinstance(window, dict) else None,
            _date(window.get("to"), where, errors) if isinstance(window, dict) else None,
        ),
        modifier_kpi=modifier_kpi,
        modifier_steps=steps,
    )
    if not errors:
        errors.extend(component.problems())
    name = raw.get("name") or {}
    if isinstance(name, str):
        name = {"en": name, "nl": name}
    return ComponentSpec(
        component=component,
        name_en=str(name.get("en") or raw["code"]),
        name_nl=str(name.get("nl") or name.get("en") or raw["code"]),
        quota_kpi=str(raw.get("quota", "" if rule == "flat" else _default_quota(raw))),
        incentive_bp=_percent(raw.get("incentive", "100%"), where, errors, 10_000),
        choice=bool(raw.get("choice", False)),
    )


# What a plan assignment may set for its person: a component's rates, bands, curve, cap
# and share of the target incentive (the target incentive itself is the assignment's).
OVERRIDABLE = ("rate", "tiers", "product_group_rates", "curve", "cap", "incentive")
# which rules read a parameter (the others would ignore it)
READ_BY = {
    "rate": ("flat",),
    "product_group_rates": ("flat",),
    "tiers": ("marginal", "retroactive"),
    "curve": ("bonus",),
    "incentive": ("bonus",),
}


def with_overrides(document: str, overrides: str) -> str:
    """The plan document with one person's own parameters in place of the plan's:
    ``overrides`` is YAML, component code → {rate, tiers, curve, cap, incentive, ...}.
    Raises PlanDocumentError naming an unknown component or parameter."""
    if not (overrides or "").strip():
        return document
    try:
        changes = yaml.safe_load(overrides)
        raw = yaml.safe_load(document)
    except yaml.YAMLError as error:
        raise PlanDocumentError([_("The own rates are not valid YAML.")]) from error
    if not isinstance(changes, dict) or not isinstance(raw, dict):
        raise PlanDocumentError(
            [_("Own rates are a mapping: component code → the parameters it changes.")]
        )
    components = {str(c.get("code")): c for c in raw.get("components") or [] if isinstance(c, dict)}
    errors = []
    for code, values in changes.items():
        if str(code) not in components:
            errors.append(_("The plan has no component “%(code)s”.") % {"code": code})
            continue
        if not isinstance(values, dict):
            errors.append(_("%(code)s: give the parameters it changes.") % {"code": code})
            continue
        for key, value in values.items():
            rule = str(components[str(code)].get("rule", ""))
            if key not in OVERRIDABLE:
                errors.append(
                    _("%(code)s: “%(key)s” cannot be set per person (only %(keys)s).")
                    % {"code": code, "key": key, "keys": ", ".join(OVERRIDABLE)}
                )
            elif rule not in READ_BY.get(key, (rule,)):
                errors.append(
                    _("%(code)s: a %(rule)s rule has no “%(key)s”.")
                    % {"code": code, "rule": rule, "key": key}
                )
            else:
                components[str(code)][key] = value
    if errors:
        raise PlanDocumentError(errors)
    return yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)


PAYS_IN = ("reporting", "payee")


def parse_plan(text: str) -> PlanSpec:
    """The plan in ``text``; raises PlanDocumentError naming every problem (in the active
    language). A document read before is not parsed again: a run, a statement and a plan
    page read the same few documents over and over."""
    # product group codes resolve to this database's ids (read only when a plan names any)
    codes = frozenset(group_codes().items()) if "product_group" in text else frozenset()
    return _parsed(text, codes)


@functools.lru_cache(maxsize=128)
def _parsed(text: str, groups: frozenset[tuple[str, int]]) -> PlanSpec:
    """Successful parses only are remembered (an exception is never cached), and a
    PlanSpec is immutable, so sharing one is safe."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark else ""
        raise PlanDocumentError(
            [_("The document is not valid YAML%(line)s.") % {"line": line}]
        ) from error
    if not isinstance(raw, dict):
        raise PlanDocumentError([_("A plan document is a mapping with code, name and components.")])
    errors: list[str] = []
    components = raw.get("components") or []
    if not components:
        errors.append(_("A plan needs at least one component."))
    codes = dict(groups)
    lines = _component_lines(text)
    specs = [
        _component(c, i, errors, codes, lines.get(i)) for i, c in enumerate(components, start=1)
    ]
    codes = [s.component.code for s in specs if s]
    if len(codes) != len(set(codes)):
        errors.append(_("Two components have the same code."))
    pays_in = str(raw.get("pays_in", "reporting")).strip().lower()
    if pays_in not in PAYS_IN:
        errors.append(
            _("pays_in: “%(value)s” is not one of: reporting, payee.") % {"value": pays_in}
        )
    if errors:
        raise PlanDocumentError(errors)
    return PlanSpec(
        code=str(raw.get("code", "")),
        name=str(raw.get("name", "")),
        components=tuple(s for s in specs if s),
        pays_in=pays_in,
    )


def _pct(units: int, scale: int) -> str:
    value = Decimal(units) * 100 / scale
    return f"{value.normalize():f}%"


def dump_plan(spec: PlanSpec) -> str:
    """The YAML text of a plan; ``parse_plan(dump_plan(p)) == p``."""
    grouped = any(s.component.product_groups or s.component.group_rates for s in spec.components)
    code_of = {pk: code for code, pk in group_codes().items()} if grouped else {}
    components = []
    for s in spec.components:
        c = s.component
        item: dict[str, Any] = {
            "code": c.code,
            "name": {"en": s.name_en, "nl": s.name_nl},
            "measure": c.measure,
            "basis": c.basis,
            "period": c.period,
            "rule": c.rule,
            "quota": s.quota_kpi,
            "incentive": _pct(s.incentive_bp, 10_000),
        }
        if c.tiers:
            item["tiers"] = [
                {
                    "above" if t.above else "from": (
                        f"€ {Decimal(t.start) / 100:.2f}"
                        if c.bands == "money"
                        else _pct(t.start, 1_000_000)
                    ),
                    "rate": _pct(t.rate, RATE),
                }
                for t in c.tiers
            ]
        if c.group_rates:
            item["product_group_rates"] = {
                code_of.get(g, g): _pct(r, RATE) for g, r in c.group_rates
            }
        if c.curve:
            item["curve"] = [
                {"attainment": _pct(a, 1_000_000), "payout": _pct(p, 1_000_000)} for a, p in c.curve
            ]
        if c.cap_cents is not None:
            item["cap"] = f"{Decimal(c.cap_cents) / 100:.2f}"
        if c.product_groups:
            item["product_groups"] = [code_of.get(g, g) for g in c.product_groups]
        if c.segments:
            item["segments"] = list(c.segments)
        if c.credit != "holders":
            item["credit"] = c.credit
        if c.business:
            item["business"] = c.business
        if c.rollup:
            item["rollup"] = True
        if c.clawback != "original":
            item["clawback"] = c.clawback
        if c.clawback_days != 365:
            item["clawback_days"] = c.clawback_days
        if s.choice:
            item["choice"] = True
        if c.kpi:
            item["kpi"] = c.kpi
        if c.scope != "individual":
            item["scope"] = c.scope
        if any(c.window):
            item["window"] = {
                k: v.isoformat() for k, v in zip(("from", "to"), c.window, strict=True) if v
            }
        if c.modifier_kpi:
            item["multiplier"] = {
                "kpi": c.modifier_kpi,
                "steps": [
                    {"from": _pct(a, 1_000_000), "factor": _pct(f, 1_000_000)}
                    for a, f in c.modifier_steps
                ],
            }
        components.append(item)
    head: dict[str, Any] = {"code": spec.code, "name": spec.name}
    if spec.pays_in != "reporting":
        head["pays_in"] = spec.pays_in
    return yaml.safe_dump(
        {**head, "components": components},
        sort_keys=False,
        allow_unicode=True,
    )
