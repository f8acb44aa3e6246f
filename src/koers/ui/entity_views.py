"""List, detail and edit pages for every foundation record, through the visibility module."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koers.kit.forms import attach_errors
from koers.kit.widgets import suggestions
from koers.org import visibility as vis
from koers.org.models import Person
from koers.org.write_rules import co_owned
from koers.sales.models import Opportunity
from koers.ui.entities import ENTITIES, Entity, entity_or_404, selector_for_model
from koers.ui.forms import build_form, save_record, split_formset, splits_from, use_lookup
from koers.ui.paging import EstimatingPaginator
from koers.ui.summaries import record_summary

PAGE_SIZE = 50


# Filters through a relation, named for the user instead of "Stage kind".
FILTER_LABELS = {"stage__kind": gettext_lazy("Open, won or lost")}


def _filterset(entity: Entity, user: Any, data: Any, queryset: QuerySet[Any]):
    fields: dict[str, list[str]] = {name: ["exact"] for name in entity.filters}
    for date_field in entity.date_fields:
        fields[date_field] = ["gte", "lte"]
    meta = type("Meta", (), {"model": entity.model, "fields": fields})
    filterset_class = type("EntityFilter", (django_filters.FilterSet,), {"Meta": meta})
    filterset = filterset_class(data=data, queryset=queryset)
    for name, label in FILTER_LABELS.items():
        if name in filterset.form.fields:
            filterset.form.fields[name].label = label
    for field in filterset.form.fields.values():
        if isinstance(field, forms.DateField):
            field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        model = getattr(getattr(field, "queryset", None), "model", None)
        if model is not None:
            selector = selector_for_model(model)
            if selector is not None:
                field.queryset = selector(user)
            # thousands of campaigns or people: searched for, not listed in a select
            use_lookup(field, in_filter=True)
    return filterset


def _search(queryset: QuerySet[Any], entity: Entity, term: str) -> QuerySet[Any]:
    if not term or not entity.search:
        return queryset
    condition = Q()
    for field in entity.search:
        condition |= Q(**{f"{field}__icontains": term})
    return queryset.filter(condition)


def _sorted(queryset: QuerySet[Any], entity: Entity, sort: str) -> QuerySet[Any]:
    concrete = {f.name for f in entity.model._meta.concrete_fields}
    key = sort.lstrip("-")
    if key in concrete and key in entity.columns:
        return queryset.order_by(sort, "pk")
    return queryset.order_by(entity.default_sort or "pk", "pk")


def credited_condition(paths: tuple[str, ...], lookup: str, value: Any) -> Q:
    """Records that count for the people matched by ``lookup`` (on Person) = ``value``:
    through the first of ``paths`` that is set."""
    condition, unset = Q(), Q()
    for path in paths:
        condition |= unset & Q(**{f"{path}__{lookup}": value})
        unset &= Q(**{f"{path}__isnull": True})
    return condition


class Drill:
    """What a drill-down from a KPI narrows a list to: one person's or one unit's records,
    and the records a custom KPI counts; only what the viewer may see is honoured."""

    def __init__(self, request: HttpRequest, entity: Entity) -> None:
        self.person = self.unit = self.kpi = None
        self.condition = Q()
        get = request.GET
        if entity.credited_to and get.get("for_person", "").isdigit():
            people = vis.visible_people(request.user)
            self.person = people.filter(pk=int(get["for_person"])).first()
        if entity.credited_to and get.get("for_unit", "").isdigit():
            self.unit = vis.visible_units(request.user).filter(pk=int(get["for_unit"])).first()
        if get.get("kpi"):
            from koers.measure.drill import kpi_condition

            found = kpi_condition(entity.slug, get["kpi"])
            if found is not None:
                from koers.measure.catalogue import kpi_name

                self.kpi, self.condition = found
                self.kpi_label = kpi_name(self.kpi.code)
        if self.person is not None:
            self.condition &= credited_condition(entity.credited_to, "pk", self.person.pk)
        if self.unit is not None:
            path = self.unit.path
            self.condition &= credited_condition(entity.credited_to, "unit__path__startswith", path)

    def __bool__(self) -> bool:
        return any(x is not None for x in (self.person, self.unit, self.kpi))

    def apply(self, queryset: QuerySet[Any], entity: Entity) -> QuerySet[Any]:
        if not self.condition:
            return queryset
        # through a many-valued path (credit holders) a record could match twice
        matching = entity.model._default_manager.filter(self.condition).values("pk")
        return queryset.filter(pk__in=matching)


def filtered_queryset(request: HttpRequest, entity: Entity, drill: Drill | None = None):
    """The user's visible records of ``entity`` with the page's drill-down, filters,
    search and sort."""
    visible = entity.selector(request.user).select_related(*entity.select_related)
    visible = (drill or Drill(request, entity)).apply(visible, entity)
    filterset = _filterset(entity, request.user, request.GET or None, visible)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else visible
    queryset = _search(queryset, entity, request.GET.get("q", "").strip())
    return filterset, _sorted(queryset, entity, request.GET.get("sort", ""))


def entity_list(request: HttpRequest, slug: str) -> HttpResponse:
    entity = entity_or_404(slug)
    drill = Drill(request, entity)
    filterset, queryset = filtered_queryset(request, entity, drill)
    page = EstimatingPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "drill": drill,
        "entity": entity,
        "filterset": filterset,
        "page": page,
        "query": request.GET.get("q", ""),
        "sort": request.GET.get("sort", ""),
        "can_create": bool(entity.form_fields) and vis.can_create(request.user, entity.model),
        "hide_pay": _hide_pay(request.user, entity, page.object_list),
    }
    template = "ui/entity_list.html#results" if request.htmx else "ui/entity_list.html"
    return render(request, template, context)


def _hide_pay(user: Any, entity: Entity, rows: Any) -> set[int]:
    """Ids of people on this page whose pay the user may not see."""
    if entity.model is not Person:
        return set()
    ids = [p.pk for p in rows]
    return set(ids) - vis.pay_visible_ids(user, ids)


def _get_visible(request: HttpRequest, entity: Entity, pk: int):
    obj = entity.selector(request.user).select_related(*entity.select_related).filter(pk=pk).first()
    if obj is None:  # not there, or not the user's to see: the same answer for both
        raise Http404(_("No such record."))
    return obj


NOT_SHOWN = {"latitude", "longitude"}


def entity_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    entity = entity_or_404(slug)
    obj = _get_visible(request, entity, pk)
    hidden = (
        set(entity.pay_fields)
        if isinstance(obj, Person) and not vis.can_see_pay(request.user, obj)
        else set()
    )
    hidden |= NOT_SHOWN  # coordinates are for the map, not for reading
    fields = [
        f
        for f in obj._meta.concrete_fields
        if f.name not in hidden and f.name != "id" and f.editable
    ]
    related = []
    for rel in entity.related:
        target = ENTITIES[rel.entity]
        rows = target.selector(request.user).filter(**{rel.lookup: obj})
        rows = rows.select_related(*target.select_related).order_by(target.default_sort or "pk")
        related.append({"rel": rel, "entity": target, "rows": rows[:25], "count": rows.count()})
    context = {
        "entity": entity,
        "obj": obj,
        "fields": fields,
        "related": related,
        "can_edit": bool(entity.form_fields)
        and vis.can_edit(request.user, obj, entity.selector(request.user)),
        "summary": record_summary(request.user, obj, timezone.localdate()),
        "login": _login_of(request, obj),
    }
    return render(request, "ui/entity_detail.html", context)


def _login_of(request: HttpRequest, obj: Any) -> dict | None:
    """For an administrator on a person's page: the person's login, to invite them to one."""
    from koers.org.invitations import may_invite

    if not isinstance(obj, Person) or not may_invite(request.user):
        return None
    user = obj.user
    return {
        "user": user,
        "has_password": bool(user and user.has_usable_password()),
        "can_invite": bool(obj.email),
    }


def entity_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    entity = entity_or_404(slug)
    if not entity.form_fields:
        raise Http404(slug)
    obj = _get_visible(request, entity, pk) if pk else None
    allowed = (
        vis.can_edit(request.user, obj, entity.selector(request.user))
        if obj
        else vis.can_create(request.user, entity.model)
    )
    if not allowed:
        raise PermissionDenied(_("You may not change this record."))
    data = request.POST if request.method == "POST" else None
    form = build_form(entity, request.user, data=data, instance=obj)
    # a co-owner works the deal but does not change who shares it
    with_splits = entity.model is Opportunity and not co_owned(request.user, obj)
    splits = split_formset(request.user, obj, data) if with_splits else None
    if request.method == "POST" and form.is_valid() and (splits is None or splits.is_valid()):
        try:
            with transaction.atomic():
                shares = splits_from(splits) if splits is not None else None
                saved = save_record(entity, form, request.user, splits=shares or None)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("entity_detail", slug=slug, pk=saved.pk)
    context = {"entity": entity, "obj": obj, "form": form, "splits": splits}
    refused = bool(form.errors) or (splits is not None and bool(data) and not splits.is_valid())
    return render(request, "ui/entity_edit.html", context, status=400 if refused else 200)


def _choices_selector(choices_of: str, entity: Any) -> Any:
    """The selector of a field's own choices ("leads.owner"), when that field picks
    records of ``entity``'s kind; None otherwise."""
    slug, _dot, name = choices_of.partition(".")
    owner = ENTITIES.get(slug)
    selector = owner.choices.get(name) if owner is not None else None
    if selector is None:
        return None
    field = owner.model._meta.get_field(name)
    return selector if field.related_model is entity.model else None


def entity_lookup(request: HttpRequest, slug: str) -> HttpResponse:
    """Suggestions for a record picker: the user's visible records matching ``q``."""
    entity = entity_or_404(slug)
    # "find": the search box of a list's filter (its own "q" searches the list)
    term = request.GET.get("q", request.GET.get("find", "")).strip().removesuffix("#").strip()
    selector = _choices_selector(request.GET.get("for", ""), entity) or entity.selector
    rows = _search(selector(request.user), entity, term) if term else selector(request.user)
    rows = rows.select_related(*entity.select_related).order_by(entity.default_sort or "pk")
    return suggestions(request, rows)
