from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KitConfig(AppConfig):
    """The small kit every app may use: form fields that read Dutch and English numbers,
    form helpers, the glossary and the ``koers`` template filters. It uses the foundation
    (core, engine, org, sales) and no other app; ``koers.ui`` (the record registry, the
    dashboards and the menu) uses the apps."""

    name = "koers.kit"
    label = "kit"
    verbose_name = _("Kit")
