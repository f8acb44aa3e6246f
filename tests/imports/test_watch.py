"""Scheduled imports: a watched folder's new files imported with their subfolder's mapping,
moved to done or failed, and the administrators told."""

from __future__ import annotations

import io
import os
import shutil
import time
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


@pytest.fixture(autouse=True)
def _no_settling(settings):
    """Files written by a test are complete at once (the tests of settling set their own)."""
    settings.KOERS_IMPORT_WATCH_SETTLE_SECONDS = 0


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
    assert sorted(
        ImportRun.objects.filter(mapping_name="verkoopregels").values_list("status", flat=True)
    ) == ["committed", "failed"]
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


def _accounts(folder: Path, name: str = "klanten.csv") -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    shutil.copy(sample_path("accounts"), path)
    return path


def test_a_linked_file_is_never_read_nor_moved(base, tmp_path):
    """A link to a file outside the folder (a salaries file, say) is removed as the link it
    is: the outside file is not imported, not copied and stays where it was."""
    outside = tmp_path / "elders"
    outside.mkdir()
    secret = outside / "salarissen.csv"
    secret.write_text("external_id;name\nGEHEIM-1;Salaris 9000\n", encoding="utf-8")
    root = tmp_path / "watched"
    (root / "accounts").mkdir(parents=True)
    (root / "accounts" / "link.csv").symlink_to(secret)
    os.link(secret, root / "accounts" / "hard.csv")  # a second name for the same file
    handled = {h.file: h for h in watch(root)}
    assert {h.status for h in handled.values()} == {"failed"}
    assert all("link" in h.detail for h in handled.values())
    assert not sm.Account.objects.filter(external_id="GEHEIM-1").exists()
    assert secret.read_text(encoding="utf-8").startswith("external_id")  # still there
    assert not (root / "accounts" / "link.csv").exists()
    kept = [p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".problems.csv")]
    assert all("GEHEIM" not in p.read_text(encoding="utf-8") for p in kept if p.name != "hard.csv")
    problems = "".join(p.read_text() for p in (root / "failed").glob("*.problems.csv"))
    assert "GEHEIM" not in problems


def test_a_linked_folder_is_not_followed(base, tmp_path):
    outside = tmp_path / "elders"
    _accounts(outside)
    root = tmp_path / "watched"
    root.mkdir()
    (root / "accounts").symlink_to(outside, target_is_directory=True)
    assert watch(root) == []
    assert (outside / "klanten.csv").exists()


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(base, tmp_path, settings):
    settings.KOERS_IMPORT_MAX_MB = 1
    folder = tmp_path / "accounts"
    folder.mkdir()
    sparse = folder / "groot.csv"
    with sparse.open("wb") as file:  # 1 GB on paper, nothing on disk
        file.truncate(1024**3)
    import koers.imports.watch as watched

    read = []
    original = os.fdopen

    def spy(*args, **kwargs):
        handle = original(*args, **kwargs)
        real = handle.read
        handle.read = lambda *a: read.append(a) or real(*a)
        return handle

    watched.os.fdopen = spy
    try:
        (result,) = watch(tmp_path)
    finally:
        watched.os.fdopen = original
    assert result.status == "failed" and "larger than 1 MB" in result.detail
    assert read == []  # not a byte read


def test_a_file_still_being_written_waits_until_it_is_complete(base, tmp_path, settings):
    settings.KOERS_IMPORT_WATCH_SETTLE_SECONDS = 60
    path = _accounts(tmp_path / "accounts")
    text = path.read_bytes()
    path.write_bytes(text[: len(text) // 2])  # the sender is halfway
    assert watch(tmp_path) == []  # changed just now: not complete
    assert path.exists()
    path.write_bytes(text)
    an_hour_ago = time.time() - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))
    (result,) = watch(tmp_path)
    assert result.status == "committed"
    assert result.rows == len(text.decode("utf-8").strip().splitlines()) - 1


def test_a_senders_temporary_name_waits_for_the_rename(base, tmp_path):
    path = _accounts(tmp_path / "accounts", ".klanten.csv")
    part = _accounts(tmp_path / "accounts", "klanten.csv.part")
    assert watch(tmp_path) == []
    path.rename(path.with_name("klanten.csv"))
    part.unlink()
    (result,) = watch(tmp_path)
    assert result.status == "committed" and result.file == "klanten.csv"


def test_a_file_that_changes_after_it_is_claimed_goes_back_for_the_next_round(
    base, tmp_path, monkeypatch
):
    path = _accounts(tmp_path / "accounts")
    import koers.imports.watch as watched

    claim = watched._claim

    def claim_then_write(source, root):
        claimed = claim(source, root)
        with claimed.open("ab") as file:  # the sender still had it open
            file.write(b"A-LATE;Laat B.V.\n")
        return claimed

    monkeypatch.setattr(watched, "_claim", claim_then_write)
    assert watch(tmp_path) == []
    assert path.exists() and path.read_bytes().endswith(b"Laat B.V.\n")
    assert not list((tmp_path / "processing").iterdir())
