from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "koers.demo"
    label = "demo"
    verbose_name = "Demo"
