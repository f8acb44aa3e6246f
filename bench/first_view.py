"""Benchmark: the director's first view after a refresh, computed ahead against cold.

    DATABASE_URL=postgresql://127.0.0.1/koers_s100 CACHE_URL=redis://127.0.0.1:6379/5 \\
        python bench/first_view.py [--repeat 2]

Run it on a database that holds a demo. In one run: the cache emptied and each page the
all-seeing roles open first (``koers.measure.warm.PAGES``) opened by the director in Dutch,
cold (the baseline: what the first reader waited before pages were computed ahead); then
the cache emptied again, the pages computed ahead (``warm_pages``, as after each refresh)
and the same pages opened again: the first view now. In-process, through Django's test
client with the director's login and the configured cache (Redis when ``CACHE_URL`` is
set, as in production).

Prints a Markdown table; ``--markdown FILE`` also writes it there.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, "src")
sys.path.insert(0, ".")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koers.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402

from bench.timing import emit  # noqa: E402
from koers.measure.warm import PAGES, warm_pages  # noqa: E402
from koers.org.models import Person  # noqa: E402


def views(user) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Seconds to open each page once, as the director in Dutch."""
    host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h), "localhost")
    client = Client(HTTP_HOST=host.lstrip("."))
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    found = {}
    for page in PAGES:
        started = time.perf_counter()
        response = client.get(page, secure=settings.SECURE_SSL_REDIRECT)
        found[page] = time.perf_counter() - started
        assert response.status_code == 200, (page, response.status_code)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--markdown", default="")
    options = parser.parse_args()
    director = Person.objects.filter(role="director").select_related("user").first().user
    cold, ahead, warm = {}, [], {}
    for _ in range(options.repeat):
        cache.clear()
        for page, seconds in views(director).items():
            cold[page] = min(cold.get(page, seconds), seconds)
        cache.clear()
        started = time.perf_counter()
        pages = warm_pages()
        ahead.append(time.perf_counter() - started)
        for page, seconds in views(director).items():
            warm[page] = min(warm.get(page, seconds), seconds)
    rows = [
        f"| page (director, Dutch) | cold first view (baseline) | computed ahead ({pages} "
        f"pages in {min(ahead):.0f} s) | |",
        "|---|---:|---:|---:|",
    ]
    for page in PAGES:
        rows.append(
            f"| `{page}` | {cold[page] * 1000:,.0f} ms | **{warm[page] * 1000:,.0f} ms** | "
            f"{cold[page] / warm[page]:.0f}× |"
        )
    slowest = max(warm.values())
    rows.append(f"| slowest first view | | **{slowest * 1000:,.0f} ms** | aim < 1,000 ms |")
    emit(rows, options.markdown)


if __name__ == "__main__":
    main()
