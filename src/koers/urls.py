from django.urls import include, path

urlpatterns = [
    path("reward/", include("koers.reward.urls")),
    path("jobs/", include("koers.jobs.urls")),
    path("", include("koers.ui.urls")),
]

handler404 = "koers.ui.errors.not_found"
handler403 = "koers.ui.errors.forbidden"
