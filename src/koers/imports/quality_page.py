"""Data → Data quality: what imports filled in or let through, for an administrator to fix.
A flag resolves itself once the record is fixed (a person moved out of "Unassigned"), or
by hand."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from koers.imports.gaps import UNASSIGNED
from koers.imports.models import DataQualityFlag
from koers.org import visibility as vis
from koers.org.models import Person
from koers.sales.models import Opportunity

TABLES = {"org_person": (Person, "people"), "sales_opportunity": (Opportunity, "opportunities")}


def _resolve_fixed() -> None:
    """Unit flags of people who have a real unit now."""
    open_units = DataQualityFlag.objects.filter(resolved_at=None, table="org_person", field="unit")
    fixed = Person.objects.filter(pk__in=open_units.values("record_id")).exclude(
        unit__code=UNASSIGNED
    )
    open_units.filter(record_id__in=fixed.values("pk")).update(resolved_at=timezone.now())
    # an amount filled in since (no longer the 0 the import put there)
    open_amounts = DataQualityFlag.objects.filter(
        resolved_at=None, table="sales_opportunity", field="amount"
    )
    known = Opportunity.objects.filter(pk__in=open_amounts.values("record_id"), amount__gt=0)
    open_amounts.filter(record_id__in=known.values("pk")).update(resolved_at=timezone.now())


def quality_page(request: HttpRequest) -> HttpResponse:
    if not vis.can_import(request.user):
        raise PermissionDenied(_("Your role may not import data."))
    if request.method == "POST":
        flag = get_object_or_404(DataQualityFlag, pk=request.POST.get("flag"), resolved_at=None)
        flag.resolved_at = timezone.now()
        flag.save(update_fields=["resolved_at"])
        return redirect("data_quality")
    _resolve_fixed()
    flags = list(DataQualityFlag.objects.filter(resolved_at=None).select_related("run")[:500])
    records = {
        table: model.objects.in_bulk([f.record_id for f in flags if f.table == table])
        for table, (model, _slug) in TABLES.items()
    }
    rows = [
        (f, records.get(f.table, {}).get(f.record_id), TABLES.get(f.table, (None, ""))[1])
        for f in flags
    ]
    return render(request, "imports/quality.html", {"rows": rows})
