from django.contrib import admin

from koers.core.admin import AuditedAdmin
from koers.org.models import AuditEvent, OrgUnit, Person, UnitMembership


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdmin):
    list_display = ["name", "code", "kind", "parent", "path"]
    search_fields = ["name", "code"]
    list_filter = ["kind"]


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    list_display = ["__str__", "role", "unit", "manager", "fte", "start_date"]
    search_fields = ["first_name", "last_name", "email"]
    list_filter = ["role", "sales_focus"]
    raw_id_fields = ["user", "manager"]


@admin.register(UnitMembership)
class UnitMembershipAdmin(AuditedAdmin):
    list_display = ["person", "unit", "valid_from", "valid_to"]
    raw_id_fields = ["person"]


@admin.register(AuditEvent)
class AuditEventAdmin(AuditedAdmin):
    list_display = ["at", "actor", "action", "model", "object_repr"]
    list_filter = ["action", "model"]

    def has_change_permission(self, request, obj=None) -> bool:  # the trail is append-only
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
