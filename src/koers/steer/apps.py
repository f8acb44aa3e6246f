from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SteerConfig(AppConfig):
    name = "koers.steer"
    label = "steer"
    verbose_name = _("Steer")
