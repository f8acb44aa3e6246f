"""Crawl what each role can reach from the navigation, in English and Dutch: no server
error, no link Koers rendered that answers 404, no Python "None" in the text, and no
English sentence left untranslated on a Dutch page."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urljoin, urlparse

import polib
import pytest

ROLES = ["ruud", "mia", "dirk", "cora", "ada", "mark"]
LINK = re.compile(r'href="([^"#]+)"')
SKIP = re.compile(r"(/logout|/static/|/admin/|format=|\.csv|\.xlsx|/download|/export|/api/)")
PO = Path(__file__).parents[2] / "src/koers/locale/nl/LC_MESSAGES/django.po"
MAX_PAGES = 70


def _english_sentences() -> list[str]:
    """msgids of several words whose Dutch differs: seen on a Dutch page, they are
    untranslated."""
    found = []
    for entry in polib.pofile(str(PO)):
        text = entry.msgid
        if "%" in text or "{" in text or "<" in text or entry.msgid_plural:
            continue
        if len(text.split()) >= 3 and entry.msgstr and entry.msgstr != text:
            found.append(text)
    return found


def _visible(body: str) -> str:
    body = re.sub(r"(?s)<(script|style|textarea)\b.*?</\1>", " ", body)
    body = re.sub(r"(?s)<[^>]+>", " ", body)
    return html.unescape(body)


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("who", ROLES)
def test_every_page_a_role_reaches_renders_clean(marketer, rewarded, login, who, language):
    client = login(rewarded.user(who))
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    english = _english_sentences() if language == "nl" else []
    queue, seen, problems = ["/"], set(), []
    nav = None
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code in (301, 302):  # a home page that is another page
            target = response["Location"]
            if target.startswith("/") and not target.startswith("/accounts/login"):
                queue.append(target)
            continue
        if response.status_code >= 500 or response.status_code == 404:
            problems.append(f"{path}: {response.status_code}")
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode()
        text = _visible(body)
        if re.search(r"\bNone\b", text):
            problems.append(f"{path}: None")
        for sentence in english:
            if sentence in text:
                problems.append(f"{path}: untranslated “{sentence}”")
        links = [urljoin(path, h) for h in LINK.findall(body)]
        if nav is None:  # the first page's links: the navigation
            nav = links
        for link in links:
            url = urlparse(link)
            if url.netloc or SKIP.search(link):
                continue
            target = url.path + (f"?{url.query}" if url.query and "page=" not in url.query else "")
            if target not in seen and target not in queue:
                queue.append(target)
    assert not problems, "\n".join(sorted(set(problems))[:40])
