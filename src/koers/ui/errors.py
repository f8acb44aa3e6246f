from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    response = render(request, "404.html", status=404)
    response.koers_page = True  # type: ignore[attr-defined]  # not Django's technical page
    return response


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)
