from django.contrib import admin

from koers.core.admin import AuditedAdmin
from koers.measure.models import KpiFact, PyramidSettings, RootCauseAction, RootCauseAnalysis


@admin.register(PyramidSettings)
class PyramidSettingsAdmin(AuditedAdmin):
    list_display = ["top", "large", "medium"]

    def has_add_permission(self, request) -> bool:  # one set of thresholds
        return not PyramidSettings.objects.exists()


@admin.register(KpiFact)
class KpiFactAdmin(AuditedAdmin):
    list_display = ["kpi", "person", "month", "numerator", "denominator"]
    list_filter = ["kpi"]
    raw_id_fields = ["person"]


class ActionInline(admin.TabularInline):
    model = RootCauseAction
    extra = 0
    raw_id_fields = ["owner"]


@admin.register(RootCauseAnalysis)
class RootCauseAnalysisAdmin(AuditedAdmin):
    list_display = ["title", "person", "kpi", "month", "created_at"]
    raw_id_fields = ["person"]
    inlines = [ActionInline]
