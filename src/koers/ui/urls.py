from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from koers.api.routes import api
from koers.forecast import call_page as forecast_call_page
from koers.forecast import pipeline_page as forecast_pipeline_page
from koers.forecast import scoring_page as forecast_scoring_page
from koers.forecast import views as forecast_views
from koers.imports import mapping_pages as import_mapping_pages
from koers.imports import quality_page as import_quality_page
from koers.imports import views as import_views
from koers.measure import analysis as measure_analysis
from koers.measure import campaign_page as measure_campaign_page
from koers.measure import cost_of_sales as measure_cost_of_sales
from koers.measure import customers as measure_customers
from koers.measure import economics as measure_economics
from koers.measure import kpi_catalogue as measure_catalogue
from koers.measure import profitability as measure_profitability
from koers.measure import sales_marketing as measure_sales_marketing
from koers.measure import views as measure_views
from koers.ops import health as ops_health
from koers.plan import account_target_page as plan_account_target_page
from koers.plan import driver_page as plan_driver_page
from koers.plan import sizing_page as plan_sizing_page
from koers.plan import territory_page as plan_territory_page
from koers.plan import views as plan_views
from koers.steer import coaching_page as steer_coaching_page
from koers.steer import competency_page as steer_competency_page
from koers.steer import training_page as steer_training_page
from koers.steer import views as steer_views
from koers.ui import account, entity_views, exports, setup_page, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", ops_health.ready, name="healthz"),
    path("health/live", ops_health.live, name="health_live"),
    path("health/ready", ops_health.ready, name="health_ready"),
    path("login/", account.login_page, name="login"),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path(
        "login/set-password/<uidb64>/<token>/",
        account.PasswordSet.as_view(),
        name="password_set",
    ),
    path("data/people/<int:pk>/invite/", account.person_invite, name="person_invite"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tokens/", account.tokens_page, name="account_tokens"),
    path("account/tokens/<int:pk>/revoke/", account.token_revoke_view, name="account_token_revoke"),
    path("account/password/", account.PasswordChange.as_view(), name="account_password"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("assets/plotly.min.js", views.plotly_js, name="plotly_js"),
    path("section/<slug:key>/", views.section, name="section"),
    path("data/audit/", views.audit_log, name="audit_log"),
    path("measure/kpis/", measure_views.kpi_page, name="kpis"),
    path("plan/rounds/", plan_views.rounds, name="plan_rounds"),
    path("plan/rounds/<int:pk>/", plan_views.round_page, name="plan_round"),
    path("plan/drivers/", plan_driver_page.driver_page, name="plan_drivers"),
    path("plan/sizing/", plan_sizing_page.sizing_page, name="plan_sizing"),
    path(
        "plan/account-targets/",
        plan_account_target_page.account_target_page,
        name="plan_account_targets",
    ),
    path("plan/territories/", plan_territory_page.territory_page, name="plan_territories"),
    path("measure/catalogue/", measure_catalogue.catalogue_page, name="kpi_catalogue"),
    path("measure/economics/", measure_economics.economics_page, name="measure_economics"),
    path("measure/cost-of-sales/", measure_cost_of_sales.cost_of_sales_page, name="cost_of_sales"),
    path(
        "measure/customers/profitability/",
        measure_profitability.profitability_page,
        name="customer_profitability",
    ),
    path("measure/campaigns/", measure_campaign_page.returns_page, name="campaign_returns"),
    path(
        "measure/sales-marketing/",
        measure_sales_marketing.sales_marketing_page,
        name="sales_marketing",
    ),
    path(
        "measure/campaigns/<int:pk>/follow-up/",
        measure_campaign_page.follow_up_page,
        name="campaign_follow_up",
    ),
    path("measure/catalogue/new/", measure_catalogue.custom_kpi_edit, name="custom_kpi_new"),
    path(
        "measure/catalogue/<slug:code>/edit/",
        measure_catalogue.custom_kpi_edit,
        name="custom_kpi_edit",
    ),
    path("steer/skills/", steer_views.matrix_page, name="steer_matrix"),
    path(
        "steer/competencies/",
        steer_competency_page.competencies_page,
        name="steer_competencies",
    ),
    path("steer/skills/<int:pk>/", steer_views.person_skills_page, name="steer_person"),
    path("steer/feedback/", steer_views.rounds_page, name="steer_rounds"),
    path("steer/feedback/<int:pk>/", steer_views.round_page, name="steer_round"),
    path("steer/feedback/answer/<int:pk>/", steer_views.answer_page, name="steer_answer"),
    path("feedback/<str:token>/", steer_views.customer_feedback, name="customer_feedback"),
    path("steer/coaching/", steer_coaching_page.coaching_page, name="steer_coaching"),
    path(
        "steer/coaching/<int:pk>/",
        steer_coaching_page.person_coaching_page,
        name="steer_coaching_person",
    ),
    path("steer/training/", steer_training_page.trajectories_page, name="steer_trajectories"),
    path(
        "steer/training/participants/",
        steer_training_page.participant_lookup,
        name="steer_participant_lookup",
    ),
    path("steer/training/<int:pk>/", steer_training_page.trajectory_page, name="steer_trajectory"),
    path("measure/forecast/", forecast_views.forecast_page, name="forecast"),
    path(
        "measure/forecast/pipeline/",
        forecast_pipeline_page.pipeline_page,
        name="forecast_pipeline",
    ),
    path(
        "measure/forecast/win-probability/",
        forecast_scoring_page.win_probability_page,
        name="forecast_win",
    ),
    path("measure/forecast/oska/<int:pk>/", forecast_scoring_page.oska_page, name="forecast_oska"),
    path("measure/forecast/calls/", forecast_call_page.calls_page, name="forecast_calls"),
    path("measure/forecast/accuracy/", forecast_views.accuracy_page, name="forecast_accuracy"),
    path("measure/customers/", measure_customers.customers_page, name="customers"),
    path("measure/deviations/", measure_analysis.deviations_page, name="deviations"),
    path("measure/analyses/", measure_analysis.analyses_list, name="analyses"),
    path("measure/analyses/new/", measure_analysis.analysis_new, name="analysis_new"),
    path("measure/analyses/<int:pk>/", measure_analysis.analysis_detail, name="analysis_detail"),
    path("setup/", setup_page.setup_page, name="setup"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("data/imports/", import_views.history, name="import_history"),
    path("data/imports/new/", import_views.upload, name="import_upload"),
    path("data/imports/mappings/", import_mapping_pages.mappings_page, name="import_mappings"),
    path(
        "data/imports/mappings/new/", import_mapping_pages.mapping_edit, name="import_mapping_new"
    ),
    path(
        "data/imports/mappings/<slug:name>/",
        import_mapping_pages.mapping_edit,
        name="import_mapping",
    ),
    path(
        "data/imports/mappings/<slug:name>/delete/",
        import_mapping_pages.mapping_delete,
        name="import_mapping_delete",
    ),
    path(
        "data/imports/mappings/<slug:name>.yaml",
        import_mapping_pages.mapping_yaml,
        name="import_mapping_yaml",
    ),
    path("data/imports/check/<str:key>/", import_views.stage, name="import_stage"),
    path("data/quality/", import_quality_page.quality_page, name="data_quality"),
    path(
        "data/imports/check/<str:key>/errors.csv",
        import_views.stage_errors,
        name="import_stage_errors",
    ),
    path("data/imports/<int:pk>/", import_views.run_detail, name="import_run"),
    path("data/imports/<int:pk>/errors.csv", import_views.run_errors, name="import_run_errors"),
    path("data/imports/template/<slug:kind>.csv", import_views.template, name="import_template"),
    path("data/<slug:slug>/", entity_views.entity_list, name="entity_list"),
    path("data/<slug:slug>/export.csv", exports.export_csv, name="entity_export_csv"),
    path("data/<slug:slug>/export.xlsx", exports.export_xlsx, name="entity_export_xlsx"),
    path("data/<slug:slug>/lookup/", entity_views.entity_lookup, name="entity_lookup"),
    path("data/<slug:slug>/new/", entity_views.entity_edit, name="entity_create"),
    path("data/<slug:slug>/<int:pk>/", entity_views.entity_detail, name="entity_detail"),
    path("data/<slug:slug>/<int:pk>/edit/", entity_views.entity_edit, name="entity_edit"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
