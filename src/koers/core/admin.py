"""The raw-records admin writes through the same rule and audit trail as every other entry
point: a salary changed there is checked (nobody changes their own) and recorded with who,
when, before and after, like one changed in a form, the API or an import."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction

from koers.core.audit import audit, snapshot
from koers.core.services import facts_changed, record_save


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        from koers.org.models import Person
        from koers.org.services import person_save

        before = snapshot(type(obj)._default_manager.filter(pk=obj.pk).first()) if change else None
        if isinstance(obj, Person):  # memberships and reporting lines keep their history
            person_save(person=obj, by=request.user)
        else:
            record_save(obj=obj, by=request.user, before=before)

    def delete_model(self, request: Any, obj: Any) -> None:
        before, pk = snapshot(obj), obj.pk
        with transaction.atomic():
            facts_changed(obj)  # the months it counted in are stale once it is gone
            obj.delete()
            obj.pk = pk  # named in the trail after the row is gone
            audit(actor=request.user, action="delete", obj=obj, before=before)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        """Inline rows (credit splits, stages) are recorded one by one too."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            self.delete_model(request, obj)
        for obj in instances:
            self.save_model(request, obj, None, obj.pk is not None)
        formset.save_m2m()
