"""`koers backup` and `koers restore`: every figure identical after a restore."""

from __future__ import annotations

import tarfile
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from koers.measure.models import KpiFact
from koers.ops.backup import BackupError, read_manifest, restore, table_counts
from koers.reward.models import Payout, PayoutLine
from koers.sales.models import OrderLine

pytestmark = pytest.mark.django_db(transaction=True)


def _figures() -> dict:
    return {
        "tables": table_counts(),
        "payouts": sorted(Payout.objects.values_list("person_id", "earned", "paid", "balance")),
        "lines": sorted(PayoutLine.objects.values_list("person_id", "component", "earnings")),
        "facts": sorted(
            KpiFact.objects.values_list("kpi", "person_id", "month", "numerator", "denominator")
        ),
        "sales": sorted(OrderLine.objects.values_list("id", "amount", "reporting_amount")),
    }


def test_a_restore_gives_back_every_figure(rewarded, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "imports").mkdir(parents=True)
    (settings.MEDIA_ROOT / "imports" / "orders.csv").write_text("kept for the audit trail")
    before = _figures()
    assert before["payouts"] and before["facts"]
    target = tmp_path / "koers.tar"
    call_command("backup", str(target))
    assert read_manifest(target)["engine"] == connection.vendor
    # afterwards things change: a payout is removed, a sale edited, a file lost
    Payout.objects.all().delete()
    OrderLine.objects.filter(pk=OrderLine.objects.order_by("pk").first().pk).update(
        amount=Decimal("1.00")
    )
    (settings.MEDIA_ROOT / "imports" / "orders.csv").unlink()
    assert _figures() != before
    with pytest.raises(CommandError, match="--yes"):  # asks before replacing anything
        call_command("restore", str(target))
    call_command("restore", str(target), "--yes")
    assert _figures() == before
    assert (settings.MEDIA_ROOT / "imports" / "orders.csv").read_text() == (
        "kept for the audit trail"
    )


def test_a_file_that_is_no_backup_changes_nothing(cast, tmp_path):
    bogus = tmp_path / "bogus.tar"
    bogus.write_bytes(b"not a tar file")
    before = table_counts()
    with pytest.raises(BackupError, match="not a Koers backup"):
        restore(bogus)
    hostile = tmp_path / "hostile.tar"
    with tarfile.open(hostile, "w") as archive:
        outside = tmp_path / "x"
        outside.write_text(f'{{"format": 1, "engine": "{connection.vendor}", "tables": {{}}}}')
        archive.add(outside, arcname="manifest.json")
        archive.add(outside, arcname="../escape")
    with pytest.raises(BackupError, match="unexpected entry: ../escape"):
        restore(hostile)
    assert table_counts() == before and not (tmp_path.parent / "escape").exists()


def test_a_backup_of_another_engine_is_refused(cast, tmp_path):
    target = tmp_path / "koers.tar"
    call_command("backup", str(target))
    manifest = read_manifest(target)
    other = "sqlite" if manifest["engine"] == "postgresql" else "postgresql"
    forged = tmp_path / "other.tar"
    import io
    import json

    with tarfile.open(forged, "w") as archive:
        data = json.dumps({**manifest, "engine": other}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match=f"backup is of a {other} database"):
        restore(forged)
