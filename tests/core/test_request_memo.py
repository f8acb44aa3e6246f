"""Values read once per request: the reporting currency a page's every amount asks for is
read from the shared cache once per request, never kept past it, and forgotten when the
request itself changes it."""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from koers.core.request_memo import RequestMemoMiddleware, forget, once_per_request
from koers.sales.currency import BASIS_KEY, reporting_currency


def _calls() -> tuple[list[int], Callable[[], int]]:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    return calls, compute


def test_a_value_is_computed_once_per_request_and_afresh_in_the_next():
    calls, compute = _calls()
    seen = []

    def view(request):
        seen.append([once_per_request("k", compute) for _ in range(3)])
        return HttpResponse("")

    handler = RequestMemoMiddleware(view)
    handler(RequestFactory().get("/"))
    handler(RequestFactory().get("/"))
    assert seen == [[1, 1, 1], [2, 2, 2]] and len(calls) == 2


def test_outside_a_request_every_call_computes():
    calls, compute = _calls()
    assert [once_per_request("k", compute) for _ in range(3)] == [1, 2, 3]


def test_the_reporting_currency_is_read_once_a_page_and_a_change_in_it_shows(db):
    cache.set(BASIS_KEY, "EUR", None)
    reads: list[str] = []

    def view(request):
        reads.append(reporting_currency())
        cache.set(BASIS_KEY, "USD", None)  # another process switched it
        reads.append(reporting_currency())  # this page stays in one currency
        forget(BASIS_KEY)  # this request switched it itself
        reads.append(reporting_currency())
        return HttpResponse("")

    RequestMemoMiddleware(view)(RequestFactory().get("/"))
    assert reads == ["EUR", "EUR", "USD"]
    assert reporting_currency() == "USD"
    cache.delete(BASIS_KEY)


def test_a_custom_kpi_added_in_a_request_is_known_in_the_rest_of_it(db):
    from koers.measure.catalogue import custom_kpis, definitions
    from koers.measure.models import CustomKpi

    seen: list[bool] = []

    def view(request):
        seen.append("probe" in definitions())
        CustomKpi.objects.create(code="probe", name_en="Probe", name_nl="Peiling")
        seen.append("probe" in definitions())
        seen.append(len(custom_kpis()) == 1)
        return HttpResponse("")

    RequestMemoMiddleware(view)(RequestFactory().get("/"))
    assert seen == [False, True, True]
