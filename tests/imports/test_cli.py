"""`koers import` on the command line, and a preset through the web app."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from koers.imports.samples import sample_path
from koers.sales import models as sm


@pytest.fixture
def base(funnel):
    for kind in ["units", "people", "product-groups", "products"]:
        call_command("import", kind, str(sample_path(kind)), stdout=io.StringIO())


def test_cli_imports_a_preset_file_after_a_dry_run(base, tmp_path):
    path = sample_path("accounts", "salesforce")
    out = io.StringIO()
    call_command(
        "import",
        "people",
        str(sample_path("people", "salesforce")),
        preset="salesforce",
        stdout=out,
    )
    call_command("import", "accounts", str(path), preset="salesforce", dry_run=True, stdout=out)
    assert "Would import 2 rows: 2 new" in out.getvalue()
    assert not sm.Account.objects.filter(external_id="0018d00000Xyz01").exists()
    call_command("import", "accounts", str(path), preset="salesforce", stdout=out)
    assert sm.Account.objects.filter(external_id="0018d00000Xyz01").exists()


def test_cli_reports_errors_writes_the_report_and_fails(base, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("external_id;name;owner\nX-1;Foo;NOBODY\n", encoding="utf-8")
    report = tmp_path / "problems.csv"
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 errors in 1 rows: nothing imported"):
        call_command("import", "accounts", str(bad), errors=report, stdout=out)
    assert "line 2, owner “NOBODY”: refers to an unknown person" in out.getvalue()
    assert "NOBODY" in report.read_text()


def test_cli_refuses_a_missing_file(db):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import", "accounts", "/nonexistent.csv")


def test_web_import_with_a_preset(base, client, django_user_model):
    from koers.org.models import Person

    director = Person.objects.get(external_id="VB-001")
    director.user = django_user_model.objects.create_user("karin", password="x-secret-99")
    director.save()
    client.force_login(director.user)
    data = {
        "kind": "accounts",
        "preset": "hubspot",
        "file": SimpleUploadedFile(
            "companies.csv", sample_path("accounts", "hubspot").read_bytes()
        ),
    }
    stage = client.post(reverse("import_upload"), data)["Location"]
    page = client.get(stage).content.decode()
    assert "Ready: 2 new" in page
    client.post(stage, {"action": "import"})
    assert sm.Account.objects.get(external_id="9012345001").city == "Middelburg"


def test_the_command_line_clears_only_the_columns_it_is_told_to(cast, tmp_path):
    import io

    from django.core.management import call_command

    from koers.sales import models as sm

    account = cast.accounts["ruud"]
    account.external_id, account.segment, account.city = "A-RUUD", "Industrie", "Utrecht"
    account.save()
    path = tmp_path / "accounts.csv"
    path.write_text("external_id;name;segment;city\nA-RUUD;Ruud's Pompen;;\n")
    call_command("import", "accounts", str(path), "--clear", "segment", stdout=io.StringIO())
    account = sm.Account.objects.get(pk=account.pk)
    assert (account.segment, account.city) == ("", "Utrecht")
