"""Celery application: used when CELERY_BROKER_URL is set; tasks run eagerly otherwise."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koers.settings")

app = Celery("koers")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
