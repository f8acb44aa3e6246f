"""Edit forms for the foundation records, limited to what the user may see and change,
and saved through the services (which validate and audit)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Model
from django.forms import modelform_factory
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from koers.core.services import record_save
from koers.kit.fields import LocalDecimalField, local_decimals
from koers.kit.widgets import LongSelect, LookupWidget
from koers.org import services as org_services
from koers.org.models import OrgUnit, Person
from koers.org.write_rules import writable_fields
from koers.sales import services as sales_services
from koers.sales.models import Opportunity
from koers.sales.selectors import creditable_people
from koers.ui.entities import Entity, selector_for_model, slug_for_model

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# Record kinds that can run into thousands: picked by searching, not from a list.
LOOKUP_MODELS = {
    "sales.account",
    "sales.opportunity",
    "org.person",
    "sales.product",
    "sales.lead",
    "sales.orderline",
    "sales.campaign",
}


def use_lookup(
    field: forms.ModelChoiceField, choices_of: str = "", *, in_filter: bool = False
) -> None:
    """Pick a record by searching; ``choices_of`` ("leads.owner") names the entity field
    whose own choices the suggestions are; ``in_filter``: the field filters a list."""
    model = field.queryset.model
    if model._meta.label_lower in LOOKUP_MODELS:
        url = reverse("entity_lookup", args=[slug_for_model(model)])
        if choices_of:
            url = f"{url}?{urlencode({'for': choices_of})}"
        field.widget = LookupWidget(url=url, queryset=field.queryset, in_filter=in_filter)
    elif type(field.widget) is forms.Select:  # hundreds of units: written in one pass
        field.widget = LongSelect(attrs=field.widget.attrs)
        field.widget.choices = field.choices


def build_form(
    entity: Entity,
    user: Any,
    data: Any = None,
    instance: Model | None = None,
    local_numbers: bool = True,
):
    """The edit form of ``entity`` with the fields ``user`` may write. Numbers are read as
    the user types them (``local_numbers``); the API sends plain numbers and passes False."""
    fields = writable_fields(user, entity.model, entity.form_fields, instance)
    callback = local_decimals if local_numbers else None
    form_class = modelform_factory(entity.model, fields=fields, formfield_callback=callback)
    form = form_class(data=data, instance=instance)
    for name, field in form.fields.items():
        if isinstance(field, forms.ModelChoiceField):
            own = entity.choices.get(name)
            selector = own or selector_for_model(field.queryset.model)
            if selector is not None:
                field.queryset = selector(user)
            use_lookup(field, f"{entity.slug}.{name}" if own else "")
        if isinstance(field, forms.DateField):
            field.widget = DATE_WIDGET
    return form


class SplitForm(forms.Form):
    person = forms.ModelChoiceField(queryset=Person.objects.none(), label=_("Person"))
    percent = LocalDecimalField(label=_("Share %"), max_digits=5, decimal_places=2)


SplitFormSet = forms.formset_factory(SplitForm, extra=1, can_delete=True)


def split_formset(user: Any, opportunity: Opportunity | None, data: Any = None):
    initial = None
    if opportunity is not None and opportunity.pk:
        initial = [{"person": s.person, "percent": s.percent} for s in opportunity.splits.all()]
    formset = SplitFormSet(data=data, initial=initial, prefix="splits")
    for form in formset.forms:
        credited = opportunity.splits.values("person") if opportunity and opportunity.pk else []
        form.fields["person"].queryset = creditable_people(user) | Person.objects.filter(
            pk__in=credited
        )
        use_lookup(form.fields["person"])
    return formset


def splits_from(formset) -> list[tuple[Person, Decimal]]:
    return [
        (f.cleaned_data["person"], f.cleaned_data["percent"])
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("person")
    ]


def save_record(entity: Entity, form, user: Any, splits=None) -> Model:
    """Save through the service that owns the model; raises ValidationError on bad data."""
    obj = form.save(commit=False)
    if isinstance(obj, OrgUnit):
        return org_services.unit_save(unit=obj, by=user)
    if isinstance(obj, Person):
        return org_services.person_save(person=obj, by=user)
    if isinstance(obj, Opportunity):
        return sales_services.opportunity_save(opportunity=obj, by=user, splits=splits)
    return record_save(obj=obj, by=user)
