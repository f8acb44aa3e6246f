"""Home pages per role, the phase sections, health check and vendored assets."""

from __future__ import annotations

from pathlib import Path

import plotly
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from koers.org.models import AuditEvent, Role
from koers.org.visibility import require_role, role_of
from koers.ui.dashboards import home_context
from koers.ui.navigation import SECTIONS, section_items


@require_GET
@require_GET
@cache_control(max_age=86400, public=True)
def plotly_js(request: HttpRequest) -> FileResponse:
    """Plotly's bundle, served from the installed Python package (no CDN)."""
    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return FileResponse(path.open("rb"), content_type="application/javascript")


def home(request: HttpRequest) -> HttpResponse:
    if role_of(request.user) == Role.MARKETING:  # marketing's home: leads and their returns
        return redirect("sales_marketing")
    today = timezone.localdate()
    return render(request, "ui/home.html", home_context(request.user, today))


def section(request: HttpRequest, key: str) -> HttpResponse:
    if key not in SECTIONS:
        raise Http404(key)
    label, _slugs = SECTIONS[key]
    items = section_items(key, request.user)
    return render(
        request, "ui/section.html", {"section_key": key, "section_label": label, "items": items}
    )


AUDIT_ROLES = {Role.ADMIN, Role.COMP_ADMIN, Role.DIRECTOR}


def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit trail, for the oversight roles; anyone else logged in gets the 403 page,
    not the login page again."""
    require_role(request.user, AUDIT_ROLES)
    events = AuditEvent.objects.select_related("actor", "actor__person")
    if model := request.GET.get("model"):
        events = events.filter(model=model)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    from koers.ui.audit_words import described

    return render(request, "ui/audit_log.html", {"page": page, "events": described(page)})


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask /favicon.ico whatever the page says: the icon is Koers's SVG."""
    from django.http import HttpResponsePermanentRedirect
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("koers/favicon.svg"))
