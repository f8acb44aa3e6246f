"""The KPI catalogue: the built-in KPIs and those administrators defined."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from koers.core.request_memo import forget, once_per_request
from koers.engine import kpi
from koers.engine.custom_kpi import Measure
from koers.measure.models import CustomKpi

CACHE_KEY, CACHE_SECONDS = "koers:custom-kpis", 60


def definition_of(custom: CustomKpi) -> kpi.KpiDefinition:
    return custom.definition()


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
    """Every custom KPI, kept in the cache for a minute and dropped on any change; read
    once per request (a list of targets asks for each row's KPI)."""
    return once_per_request(CACHE_KEY, _stored_custom_kpis)


def _stored_custom_kpis() -> list[CustomKpi]:
    found = cache.get(CACHE_KEY)
    if found is None:
        found = list(CustomKpi.objects.all())
        cache.set(CACHE_KEY, found, CACHE_SECONDS)
    return found  # type: ignore[no-any-return]


def definitions() -> dict[str, kpi.KpiDefinition]:
    """Every KPI by code: the built-in ones first, then the custom ones."""
    return {**kpi.CATALOGUE, **{c.code: definition_of(c) for c in custom_kpis()}}


def definition(code: str) -> kpi.KpiDefinition:
    """One KPI's definition; KeyError when no KPI has that code."""
    found = kpi.CATALOGUE.get(code)
    return found if found is not None else definitions()[code]


def kpi_name(code: str) -> str:
    """The KPI's name in the user's language."""
    from django.utils.translation import get_language

    spec = definition(code)
    return spec.name_nl if (get_language() or "en").startswith("nl") else spec.name_en


@receiver([post_save, post_delete], sender=CustomKpi)
def _forget(**_kwargs) -> None:
    cache.delete(CACHE_KEY)
    forget(CACHE_KEY)
