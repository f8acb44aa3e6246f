"""The provider's addresses: django-oauth-toolkit's, and a way for a test to be logged in
as one of the provider's users (the step a person takes at Microsoft or Google)."""

from django.contrib.auth import login
from django.contrib.auth.models import User
from django.http import HttpResponseRedirect
from django.urls import include, path
from oauth2_provider.oauth2_validators import OAuth2Validator


class Validator(OAuth2Validator):
    def get_additional_claims(self, request):
        return {
            "email": request.user.email,
            "email_verified": True,
            "name": request.user.get_full_name(),
        }


def log_in_as(request, username):
    login(request, User.objects.get(username=username))
    return HttpResponseRedirect(request.GET.get("next", "/"))


urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("log-in-as/<str:username>/", log_in_as),
]
