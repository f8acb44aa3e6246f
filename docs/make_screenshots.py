"""The README's screenshots: each role's home page of the demo, in Dutch at 1366 px.

    make run                       # the demo on 127.0.0.1:8000, in another terminal
    .venv/bin/python docs/make_screenshots.py

Logs in as the first demo login of each role (password "demo") with Debian's chromium and
writes docs/img/home-<role>.png.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROLES = ["salesperson", "manager", "director", "compadmin", "admin"]


def logins() -> dict[str, str]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koers.settings")
    import django

    django.setup()
    from koers.org.models import Person

    found = {}
    for role in ROLES:
        person = Person.objects.filter(role=role, user__isnull=False).order_by("pk").first()
        if person is not None:
            found[role] = person.user.username
    return found


def main(url: str = "http://127.0.0.1:8000") -> None:
    from playwright.sync_api import sync_playwright

    out = Path(__file__).resolve().parent / "img"
    out.mkdir(exist_ok=True)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    who = logins()  # before the browser's event loop: the ORM is synchronous
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for role, username in who.items():
            context = browser.new_context(locale="nl-NL", viewport={"width": 1366, "height": 900})
            page = context.new_page()
            page.goto(f"{url}/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", "demo")
            page.click("button.primary")
            page.wait_for_selector("[data-testid=whoami]")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / f"home-{role}.png"), full_page=False)
            context.close()
            print(f"home-{role}.png ({username})")
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
