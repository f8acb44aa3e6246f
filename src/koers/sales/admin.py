from django.contrib import admin

from koers.core.admin import AuditedAdmin
from koers.sales import models as m


class SplitInline(admin.TabularInline):
    model = m.OpportunitySplit
    raw_id_fields = ["person"]
    extra = 0


class StageChangeInline(admin.TabularInline):
    model = m.StageChange
    extra = 0


class CreditInline(admin.TabularInline):
    model = m.OrderLineCredit
    raw_id_fields = ["person"]
    extra = 0


class StageInline(admin.TabularInline):
    model = m.Stage
    extra = 0


@admin.register(m.Opportunity)
class OpportunityAdmin(AuditedAdmin):
    list_display = ["name", "account", "owner", "stage", "amount", "expected_close_date"]
    list_filter = ["stage", "source", "forecast_category"]
    search_fields = ["name", "account__name"]
    raw_id_fields = ["account", "owner"]
    inlines = [SplitInline, StageChangeInline]


@admin.register(m.OrderLine)
class OrderLineAdmin(AuditedAdmin):
    list_display = ["order_number", "kind", "order_date", "account", "product", "amount"]
    list_filter = ["kind"]
    search_fields = ["order_number", "account__name"]
    raw_id_fields = ["account", "product", "opportunity", "original"]
    inlines = [CreditInline]


@admin.register(m.SalesProcess)
class SalesProcessAdmin(AuditedAdmin):
    inlines = [StageInline]


@admin.register(m.Account)
class AccountAdmin(AuditedAdmin):
    list_display = ["name", "segment", "lifecycle", "country", "owner"]
    list_filter = ["lifecycle", "size_class", "country"]
    search_fields = ["name", "external_id"]
    raw_id_fields = ["owner"]


@admin.register(m.Activity)
class ActivityAdmin(AuditedAdmin):
    list_display = ["kind", "date", "owner", "account"]
    list_filter = ["kind"]
    raw_id_fields = ["owner", "account", "opportunity"]


for model in [
    m.Territory,
    m.TerritoryAccount,
    m.TerritoryPerson,
    m.ProductGroup,
    m.Product,
    m.CloseReason,
    m.Campaign,
    m.Lead,
    m.NpsResponse,
    m.ExchangeRate,
]:
    admin.site.register(model, AuditedAdmin)
