"""Every string is translated to Dutch, and the compiled catalogue matches its source."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.urls import reverse

import koers

LOCALE = Path(koers.__file__).parent / "locale" / "nl" / "LC_MESSAGES"


def test_every_dutch_string_is_translated():
    po = polib.pofile(str(LOCALE / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


def test_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(LOCALE / "django.po"))
    mo = polib.mofile(str(LOCALE / "django.mo"))
    source = {(e.msgid, e.msgstr or str(e.msgstr_plural)) for e in po.translated_entries()}
    compiled = {(e.msgid, e.msgstr or str(e.msgstr_plural)) for e in mo if e.msgid}
    assert source == compiled, "run: koers compilemessages (or msgfmt) after editing django.po"


@pytest.mark.parametrize(
    "language,expected,absent",
    [("nl", "Verkoopkansen", "Opportunities"), ("en", "Opportunities", "Verkoopkansen")],
)
def test_pages_speak_the_chosen_language(cast, login, language, expected, absent):
    client = login(cast.user("mia"))
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    body = client.get(reverse("entity_list", args=["opportunities"])).content.decode()
    assert f"<h1>{expected}</h1>" in body and f"<h1>{absent}</h1>" not in body


def test_browser_language_is_the_default(cast, login):
    client = login(cast.user("mia"))
    body = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="nl-BE,nl;q=0.9").content.decode()
    assert "Omzet dit jaar" in body


def test_dutch_numbers_and_dates(cast, login):
    client = login(cast.user("ruud"))
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    deal = cast.opportunities["ruud"]
    body = client.get(reverse("entity_detail", args=["opportunities", deal.pk])).content.decode()
    assert "€ 10.000,00" in body and "15-12-2026" in body
