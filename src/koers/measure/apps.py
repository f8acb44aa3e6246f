from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasureConfig(AppConfig):
    name = "koers.measure"
    label = "measure"
    verbose_name = _("Measure")

    def ready(self) -> None:
        from koers.measure import catalogue  # noqa: F401  (drops cached custom KPIs on change)
