"""Scheduled imports: a watched folder's new files imported with their subfolder's mapping,
moved to done or failed, and the administrators told."""

from __future__ import annotations

import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from koers.imports.models import ImportRun
from koers.imports.samples import sample_path
from koers.imports.saved import mapping_save, parse_mapping
from koers.imports.tasks import watch_folder
from koers.imports.watch import watch
from koers.sales import models as sm

FILES = Path(__file__).parent / "files"


@pytest.fixture
def base(funnel):
    for kind in ["units", "people", "product-groups", "products", "accounts"]:
        call_command("import", kind, str(sample_path(kind)), stdout=io.StringIO())
    text = (FILES / "verkoopregels.yaml").read_text(encoding="utf-8")
    mapping_save(name="verkoopregels", mapping=parse_mapping(text), by=None)


def test_new_files_are_imported_with_their_folders_mapping(base, tmp_path, settings):
    settings.ADMINS = [("Beheer", "beheer@example.com")]
    (tmp_path / "verkoopregels").mkdir()
    shutil.copy(FILES / "verkoopregels.csv", tmp_path / "verkoopregels" / "november.csv")
    (tmp_path / "verkoopregels" / "kapot.csv").write_text(
        "Factuurnr;Factuurdatum\nX;gisteren\n", encoding="utf-8"
    )
    (tmp_path / "verkoopregels" / "lees-mij.pdf").write_bytes(b"%PDF")  # not an import
    handled = {h.file: h for h in watch(tmp_path)}
    assert handled["november.csv"].status == "committed"
    assert handled["kapot.csv"].status == "failed" and "lees-mij.pdf" not in handled
    lines = sm.OrderLine.objects.filter(external_id__startswith="F26")
    assert sum(line.amount for line in lines) == Decimal("27885.75")
    assert ImportRun.objects.filter(mapping_name="verkoopregels").count() == 1
    done = [p.name for p in (tmp_path / "done").iterdir()]
    failed = [p.name for p in (tmp_path / "failed").iterdir()]
    assert any(n.endswith("november.csv") for n in done)
    assert any(n.endswith("kapot.csv") for n in failed)
    assert any(n.endswith(".problems.csv") for n in failed)
    assert not list((tmp_path / "processing").iterdir())
    (message,) = mail.outbox
    assert message.to == ["beheer@example.com"] and "1 failed" in message.subject
    # a second round finds nothing new and sends nothing
    assert watch(tmp_path) == [] and len(mail.outbox) == 1


def test_a_kind_folder_takes_koerss_template_and_an_unknown_folder_fails(base, tmp_path):
    (tmp_path / "accounts").mkdir()
    shutil.copy(sample_path("accounts"), tmp_path / "accounts" / "klanten.csv")
    (tmp_path / "onbekend").mkdir()
    (tmp_path / "onbekend" / "x.csv").write_text("a\n1\n", encoding="utf-8")
    handled = {h.source: h for h in watch(tmp_path)}
    assert handled["accounts"].status == "committed"
    assert (
        handled["onbekend"].status == "failed" and "No saved mapping" in handled["onbekend"].detail
    )


def test_the_task_does_nothing_without_a_folder(settings):
    settings.KOERS_IMPORT_WATCH_DIR = ""
    assert watch_folder() == "no folder watched"
