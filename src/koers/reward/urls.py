from django.urls import path

from koers.reward import views

urlpatterns = [
    path("statement/", views.statement, name="statement"),
    path("statement/<int:person_id>/", views.statement, name="statement_of"),
    path("statement/lines/<int:line_id>/", views.line_credits, name="statement_line"),
]
