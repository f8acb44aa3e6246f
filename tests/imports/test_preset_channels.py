"""A first import of each supported system's export, with its preset and nothing else, through
the web wizard, the command line and the API; the figures Koers then computes are checked to
the cent against what the sample files say."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse

from koers.imports.models import ImportRun
from koers.imports.presets import PRESETS
from koers.imports.samples import PRESET_ORDER, sample_path
from koers.imports.services import import_file
from koers.org.models import Person
from koers.sales import models as sm
from koers.sales.status import counted_statuses

D = Decimal

# What each sample holds, added up by hand from the files.
EXPECTED: dict[str, dict[str, object]] = {
    "salesforce": {
        "people": 2,
        "accounts": 2,
        "open": D("48500.00"),
        "won": D("12250.00"),
        "lost": D("3100.00"),
        "won_on": [dt.date(2026, 11, 3)],
        "activities": 3,
    },
    "hubspot": {"accounts": 2, "open": D("31200.00"), "won": D("9850.50"), "leads": 3},
    "odoo": {
        "accounts": 2,
        "open": D("27500.00"),
        "won": D("6400.00"),
        "lost": D("1800.00"),
        "revenue": D("6355.00"),
        "credited": {"Kok": D("6355.00")},
    },
    "dynamics": {
        "accounts": 2,
        "open": D("64000.00"),
        "won": D("18420.75"),
        "lost": D("9800.00"),
        "won_on": [dt.date(2026, 11, 10)],
    },
    "pipedrive": {
        "accounts": 2,
        "open": D("23500.00"),
        "won": D("8750.50"),
        "lost": D("15200.00"),
        "won_on": [dt.date(2026, 11, 4)],
    },
    "teamleader": {
        "accounts": 2,
        "open": D("50500.00"),
        "won": D("12250.00"),
        "lost": D("3100.00"),
        "won_on": [dt.date(2026, 11, 3)],
    },
    "exact": {
        "accounts": 3,
        "revenue": D("13033.75"),  # a credit note's line subtracts; a service line counts
        "credited": {"Brouwer": D("11680.00"), "Kok": D("1353.75")},
    },
    "afas": {
        "people": 3,
        "accounts": 2,
        "revenue": D("7110.00"),  # the cancelled (“Vervallen”) and blocked lines do not count
        "credited": {"Peeters": D("7110.00")},
    },
}


def _sum(queryset) -> Decimal:
    return queryset.aggregate(total=Sum("amount"))["total"] or D("0.00")


def figures(preset: str) -> dict[str, object]:
    """The figures of what was imported (the cast's own records have no external id)."""
    deals = sm.Opportunity.objects.exclude(external_id=None)
    lines = sm.OrderLine.objects.exclude(external_id=None).filter(status__in=counted_statuses())
    out: dict[str, object] = {
        "people": Person.objects.filter(external_id__regex=r"^[^V]").count(),
        "accounts": sm.Account.objects.exclude(external_id=None).count(),
        "open": _sum(deals.exclude(stage__code__in=["customer", "lost"])),
        "won": _sum(deals.filter(stage__code="customer")),
        "lost": _sum(deals.filter(stage__code="lost")),
        "won_on": sorted(deals.filter(stage__code="customer").values_list("closed_on", flat=True)),
        "activities": sm.Activity.objects.exclude(external_id=None).count(),
        "leads": sm.Lead.objects.exclude(external_id=None).count(),
        "revenue": _sum(lines),
    }
    credited: dict[str, Decimal] = {}
    for credit in sm.OrderLineCredit.objects.filter(line__in=lines).select_related(
        "line", "person"
    ):
        name = credit.person.last_name
        credited[name] = credited.get(name, D("0.00")) + credit.line.amount * credit.percent / 100
    out["credited"] = credited
    return {k: v for k, v in out.items() if k in EXPECTED[preset]}


@pytest.fixture
def base(cast, funnel):
    """The organisation a customer sets up first: units, people and products (Koers's own
    template), with the demo cast beside them."""
    for kind in ["units", "people", "product-groups", "products"]:
        run = import_file(kind=kind, raw=sample_path(kind).read_bytes(), filename=kind, by=None).run
        assert run.status == "committed", run.errors


def _problems(page: str) -> str:
    """The stage page's problems, for a failing assertion's message."""
    start = page.find("<main")
    return page[start : start + 3000]


def _by_wizard(client, preset: str, kind: str, raw: bytes) -> None:
    upload = client.post(
        reverse("import_upload"),
        {"kind": kind, "preset": preset, "file": SimpleUploadedFile(f"{kind}.csv", raw)},
    )
    assert upload.status_code == 302, upload.content.decode()[:2000]
    stage = upload["Location"]
    page = client.get(stage).content.decode()
    assert "Ready:" in page, _problems(page)
    done = client.post(stage, {"action": "import"})
    assert done.status_code == 302, _problems(done.content.decode())


def _by_cli(preset: str, kind: str, path) -> None:
    out = io.StringIO()
    call_command("import", kind, str(path), preset=preset, stdout=out)
    assert "Imported" in out.getvalue(), out.getvalue()


def _by_api(client, headers, preset: str, kind: str, raw: bytes) -> None:
    file = SimpleUploadedFile(f"{kind}.csv", raw)
    response = client.post(f"/api/v1/imports/{kind}", {"file": file, "preset": preset}, **headers)
    assert response.status_code == 201, response.content.decode()


@pytest.mark.parametrize("channel", ["wizard", "cli", "api"])
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_first_import_of_each_system_needs_only_its_preset(
    base, cast, login, token, client, preset, channel
):
    headers = token("ada") if channel == "api" else {}
    if channel == "wizard":
        login(cast.user("ada"))
    for kind in PRESET_ORDER[preset]:
        path = sample_path(kind, preset)
        if channel == "wizard":
            _by_wizard(client, preset, kind, path.read_bytes())
        elif channel == "cli":
            _by_cli(preset, kind, path)
        else:
            _by_api(client, headers, preset, kind, path.read_bytes())
    runs = ImportRun.objects.filter(preset=preset, status="committed")
    assert runs.count() == len(PRESET_ORDER[preset])
    assert figures(preset) == EXPECTED[preset]


def test_every_preset_has_a_sample_and_expected_figures():
    assert set(PRESET_ORDER) == set(PRESETS) == set(EXPECTED)
    for preset, kinds in PRESET_ORDER.items():
        assert all(sample_path(kind, preset).is_file() for kind in kinds)


def test_dynamics_excel_export_as_xlsx(base):
    """Dynamics exports to Excel: the same rows as an XLSX workbook import the same way."""
    import csv

    from openpyxl import Workbook

    for kind in PRESET_ORDER["dynamics"]:
        book = Workbook()
        sheet = book.active
        for row in csv.reader(io.StringIO(sample_path(kind, "dynamics").read_text())):
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        run = import_file(
            kind=kind, raw=buffer.getvalue(), filename=f"{kind}.xlsx", by=None, preset="dynamics"
        ).run
        assert run.status == "committed", run.errors
    assert figures("dynamics") == EXPECTED["dynamics"]


def test_a_customer_named_twice_is_not_guessed(base):
    """Deals name their customer; when two accounts share that name the row is refused
    rather than credited to either."""
    for kind in ["accounts", "opportunities"]:
        raw = sample_path(kind, "pipedrive").read_bytes()
        if kind == "accounts":
            raw += b"314,Nordsee Anlagenbau GmbH,Tim Kok,,,,,Germany,2026-03-01 10:00:00,0\n"
        run = import_file(kind=kind, raw=raw, filename=f"{kind}.csv", by=None, preset="pipedrive")
        outcome = run.run
    assert outcome.status == "failed"
    refused = {(e["value"], e["message"]) for e in outcome.errors}
    assert (
        "Nordsee Anlagenbau GmbH",
        "names more than one account: give the account's id",
    ) in refused
