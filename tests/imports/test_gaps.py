"""What real exports lack: a person without a unit or start date comes in, placed in
"Unassigned" with the import's date, and is flagged until an administrator fixes it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from koers.imports.models import DataQualityFlag
from koers.imports.reader import ImportFileError
from koers.imports.samples import sample_path
from koers.imports.services import import_file
from koers.org.models import OrgUnit, Person
from tests.conftest import TODAY

FILE = (
    "external_id;first_name;last_name;unit;start_date\n"
    "N-1;Nina;Zonder;;\n"
    "N-2;Noor;Met;VBT-NL-WEST;2024-05-01\n"
)


@pytest.fixture
def base(funnel):
    call_command("import", "units", str(sample_path("units")), stdout=io.StringIO())


def _import(dry_run: bool = False):
    return import_file(kind="people", raw=FILE.encode(), filename="p.csv", by=None, dry_run=dry_run)


def test_a_person_without_unit_or_start_date_comes_in_flagged(base):
    run = _import().run
    assert run.status == "committed" and run.created == 2
    nina, noor = Person.objects.get(external_id="N-1"), Person.objects.get(external_id="N-2")
    assert nina.unit.code == "UNASSIGNED" and nina.start_date == TODAY
    assert noor.unit.code == "VBT-NL-WEST"
    flags = {(f.record_id, f.field) for f in DataQualityFlag.objects.all()}
    assert flags == {(nina.pk, "unit"), (nina.pk, "start_date")}
    # the same file again: nothing new to flag twice for a person already placed
    _import()
    assert DataQualityFlag.objects.filter(field="unit").count() == 2


def test_a_dry_run_leaves_no_unassigned_unit_behind(base):
    assert _import(dry_run=True).run.created == 2
    assert not OrgUnit.objects.filter(code="UNASSIGNED").exists()
    assert not Person.objects.filter(external_id="N-1").exists()


def test_the_data_quality_list_resolves_a_fixed_person(base, client, cast):
    _import()
    nina = Person.objects.get(external_id="N-1")
    client.force_login(cast.user("ada"))
    page = client.get(reverse("data_quality")).content.decode()
    assert "Nina" in page and "Unassigned" in page
    nina.unit = OrgUnit.objects.get(code="VBT-NL-WEST")
    nina.save()
    page = client.get(reverse("data_quality")).content.decode()
    assert 'data-field="unit"' not in page and 'data-field="start_date"' in page
    flag = DataQualityFlag.objects.get(field="start_date")
    client.post(reverse("data_quality"), {"flag": flag.pk})
    assert 'data-testid="no-flags"' in client.get(reverse("data_quality")).content.decode()
    client.force_login(cast.user("mia"))
    assert client.get(reverse("data_quality")).status_code == 403


def test_open_deals_without_amount_or_dates_come_in_flagged_when_the_mapping_says_so(
    funnel, client, cast
):
    import datetime as dt
    from pathlib import Path

    from koers.imports.saved import parse_mapping
    from koers.sales import models as sm

    for kind in ["units", "people", "product-groups", "products", "accounts"]:
        call_command("import", kind, str(sample_path(kind)), stdout=io.StringIO())
    files = Path(__file__).parent / "files"
    mapping = parse_mapping((files / "crm-kansen.yaml").read_text(encoding="utf-8"))
    raw = (files / "crm-kansen.csv").read_bytes()
    refused = import_file(kind="opportunities", raw=raw, filename="k.csv", by=None, saved=mapping)
    # the won deal without an amount is a problem; nothing is written
    assert refused.run.error_count == 4 and {e["row"] for e in refused.run.errors} == {4}
    assert "won or lost deal" in refused.run.errors[0]["message"]
    ok = raw.decode().replace("D-3;Gewonnen zonder bedrag;VB-ACC-002;VB-004;customer;;\n", "")
    run = import_file(
        kind="opportunities", raw=ok.encode(), filename="k.csv", by=None, saved=mapping
    ).run
    assert run.status == "committed", run.errors
    d1 = sm.Opportunity.objects.get(external_id="D-1")
    assert d1.amount == 0 and d1.created_on == TODAY
    assert d1.expected_close_date == TODAY + dt.timedelta(days=90)
    d2 = sm.Opportunity.objects.get(external_id="D-2")
    assert str(d2.expected_close_date) == "2026-12-15"
    fields = {(f.record_id, f.field) for f in DataQualityFlag.objects.all()}
    assert (d1.pk, "amount") in fields and (d1.pk, "expected_close_date") in fields
    assert (d2.pk, "amount") not in fields and (d2.pk, "created_on") in fields
    client.force_login(cast.user("ada"))
    assert "Nieuwe pompen" in client.get(reverse("data_quality")).content.decode()
    # without gaps in the mapping the same file is refused, as before
    strict = parse_mapping(
        (files / "crm-kansen.yaml")
        .read_text(encoding="utf-8")
        .replace("gaps: [amount, created_on, expected_close_date]\n", "")
    )
    with pytest.raises(ImportFileError, match="Required columns are missing: created_on"):
        import_file(kind="opportunities", raw=ok.encode(), filename="k.csv", by=None, saved=strict)


def test_a_first_people_import_into_an_empty_koers_makes_the_company(db):
    """`koers migrate`, then people without a unit column: it crashed on "Only the company
    has no parent unit". The company unit is made when needed, "Unassigned" under it."""
    assert not OrgUnit.objects.exists()
    text = "external_id;first_name;last_name\nE-1;Eva;Eerst\nE-2;Erik;Tweede\n"
    run = import_file(kind="people", raw=text.encode(), filename="p.csv", by=None).run
    assert run.status == "committed" and run.created == 2, run.errors
    company = OrgUnit.objects.get(parent=None)
    assert company.kind == OrgUnit.Kind.COMPANY
    assert {p.unit.parent_id for p in Person.objects.filter(external_id__startswith="E-")} == {
        company.pk
    }


def test_open_deals_without_an_account_come_in_flagged_and_made_up_dates_count_nowhere(
    funnel, cast
):
    """A CRM's open deals often have no account, and no creation date. With gaps: account
    they come in on "No account (import)", flagged; and a creation date the import made up
    does not make them new opportunities of the import's month."""
    from pathlib import Path

    from koers.imports.saved import parse_mapping
    from koers.measure.models import KpiFact
    from koers.sales import models as sm

    for kind in ["units", "people", "product-groups", "products", "accounts"]:
        call_command("import", kind, str(sample_path(kind)), stdout=io.StringIO())
    files = Path(__file__).parent / "files"
    text = (files / "crm-kansen.yaml").read_text(encoding="utf-8")
    mapping = parse_mapping(text.replace("gaps: [amount,", "gaps: [account, amount,"))
    raw = (
        "Deal ID;Titel;Klant;Eigenaar;Fase;Waarde;Verwachte sluitdatum\n"
        "D-7;Zonder klant;;VB-003;prospect;1.000,00;15-01-2027\n"
        "D-8;Met klant;VB-ACC-001;VB-003;prospect;2.000,00;15-01-2027\n"
    )

    def new_opportunities() -> int:
        month = TODAY.replace(day=1)
        facts = KpiFact.objects.filter(
            kpi="new_opportunities", month=month, person__external_id="VB-003"
        )
        return int(sum(f.value for f in facts))

    before = new_opportunities()
    run = import_file(
        kind="opportunities", raw=raw.encode(), filename="k.csv", by=None, saved=mapping
    ).run
    assert run.status == "committed", run.errors
    d7 = sm.Opportunity.objects.get(external_id="D-7")
    assert d7.account.external_id == "NO-ACCOUNT" and d7.account.owner is None
    flags = {(f.record_id, f.field): f for f in DataQualityFlag.objects.filter(record_id=d7.pk)}
    assert (d7.pk, "account") in flags and flags[(d7.pk, "account")].run_id == run.pk
    assert (d7.pk, "created_on") in flags
    # both deals have a made-up creation date (today): neither is a new opportunity
    assert (
        d7.created_on == TODAY and sm.Opportunity.objects.get(external_id="D-8").created_on == TODAY
    )
    assert new_opportunities() == before
    # the same file again makes no second flag
    import_file(kind="opportunities", raw=raw.encode(), filename="k.csv", by=None, saved=mapping)
    assert DataQualityFlag.objects.filter(record_id=d7.pk, field="account").count() == 1
    # a dry run leaves no placeholder account behind in an installation without one
    sm.Opportunity.objects.filter(account__external_id="NO-ACCOUNT").delete()
    sm.Account.objects.filter(external_id="NO-ACCOUNT").delete()
    import_file(
        kind="opportunities",
        raw=raw.encode(),
        filename="k.csv",
        by=None,
        saved=mapping,
        dry_run=True,
    )
    assert not sm.Account.objects.filter(external_id="NO-ACCOUNT").exists()
