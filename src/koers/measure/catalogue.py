"""The KPI catalogue: the built-in KPIs and those administrators defined."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from koers.engine import kpi
from koers.engine.custom_kpi import MONEY_MEASURES, Measure
from koers.measure.models import CustomKpi

CACHE_KEY, CACHE_SECONDS = "koers:custom-kpis", 60


def definition_of(custom: CustomKpi) -> kpi.KpiDefinition:
    if custom.kind == CustomKpi.Kind.RATIO:
        unit, ratio = custom.ratio_unit, True
    else:
        unit, ratio = ("money" if custom.measure in MONEY_MEASURES else "count"), False
    return kpi.KpiDefinition(
        code=custom.code,
        name_en=custom.name_en,
        name_nl=custom.name_nl,
        timing=custom.timing,
        level=custom.level,
        unit=unit,
        higher_is_better=custom.higher_is_better,
        scale=100 if unit == "percent" else 1,
        ratio=ratio,
        divisor=kpi.MILLI if not ratio and custom.measure == "quantity" else 1,
        description_en=custom.description_en,
        description_nl=custom.description_nl,
        custom=True,
    )


def measure_of(custom: CustomKpi) -> Measure:
    return Measure(
        code=custom.code,
        source=custom.source,
        measure=custom.measure,
        activity_kind=custom.activity_kind,
        product_group_id=custom.product_group_id,
        segment=custom.segment,
        business=custom.business,
        lead_source=custom.lead_source,
    )


def custom_kpis() -> list[CustomKpi]:
    """Every custom KPI, kept in the cache for a minute and dropped on any change."""
    found = cache.get(CACHE_KEY)
    if found is None:
        found = list(CustomKpi.objects.all())
        cache.set(CACHE_KEY, found, CACHE_SECONDS)
    return found


def definitions() -> dict[str, kpi.KpiDefinition]:
    """Every KPI by code: the built-in ones first, then the custom ones."""
    return {**kpi.CATALOGUE, **{c.code: definition_of(c) for c in custom_kpis()}}


def definition(code: str) -> kpi.KpiDefinition:
    """One KPI's definition; KeyError when no KPI has that code."""
    found = kpi.CATALOGUE.get(code)
    return found if found is not None else definitions()[code]


@receiver([post_save, post_delete], sender=CustomKpi)
def _forget(**_kwargs) -> None:
    cache.delete(CACHE_KEY)
