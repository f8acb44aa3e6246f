from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "koers.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        # each app declares its jobs in its own ``jobs`` module
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")
        # the configured Celery app is the one tasks are sent with (eager without a broker)
        import koers.celery  # noqa: F401
