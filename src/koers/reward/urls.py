from django.urls import path

from koers.reward import game_views, inquiries, plans, runs, views

urlpatterns = [
    path("statement/", views.statement, name="statement"),
    path("statement/<int:person_id>/", views.statement, name="statement_of"),
    path("statement/lines/<int:line_id>/", views.line_credits, name="statement_line"),
    path(
        "statement/lines/<int:line_id>/inquiry/",
        inquiries.raise_inquiry,
        name="statement_line_inquiry",
    ),
    path("game/", game_views.game, name="reward_game"),
    path("choices/", game_views.choices, name="reward_choices"),
    path("inquiries/", inquiries.inquiries, name="reward_inquiries"),
    path("inquiries/<int:pk>/resolve/", inquiries.resolve_inquiry, name="reward_inquiry_resolve"),
    path("plans/", plans.plan_list, name="reward_plans"),
    path("plans/new/", plans.plan_edit, name="reward_plan_new"),
    path("plans/<int:pk>/", plans.plan_detail, name="reward_plan"),
    path("plans/<int:pk>/edit/", plans.plan_edit, name="reward_plan_edit"),
    path("plans/<int:pk>/model/", plans.plan_model, name="reward_plan_model"),
    path("plans/<int:pk>/plan.yaml", plans.plan_yaml, name="reward_plan_yaml"),
    path("runs/", runs.runs, name="reward_runs"),
    path("runs/<str:month>/", runs.run_detail, name="reward_run"),
    path("runs/<str:month>/payroll.csv", runs.payroll, name="reward_payroll"),
    path("runs/<str:month>/<str:action>/", runs.run_action, name="reward_run_action"),
]
