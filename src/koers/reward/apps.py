from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardConfig(AppConfig):
    name = "koers.reward"
    label = "reward"
    verbose_name = _("Reward")
