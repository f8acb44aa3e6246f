"""The login backend: Django's, fetching the login's person (and unit) with the user in one
query, since every page asks who the person is (``visibility.person_of``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from koers.org.models import Person


class PersonBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        user = model._default_manager.select_related("person__unit").filter(pk=user_id).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        try:
            user._koers_person = user.person
        except Person.DoesNotExist:
            user._koers_person = None
        return user
