from django.contrib import admin

from koers.core.admin import AuditedAdmin
from koers.plan.models import Target


@admin.register(Target)
class TargetAdmin(AuditedAdmin):
    list_display = ["kpi", "person", "month", "value"]
    list_filter = ["kpi", "month"]
    raw_id_fields = ["person"]
