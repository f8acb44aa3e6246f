"""Three exports no one here wrote the columns of, each into an empty Koers through saved
mappings alone (no prepared column or file), through the command line, the wizard and the
API: an ERP's order details with a rep tree (Northwind), a wholesaler's orders with statuses
and a reports-to column (classicmodels) and a CRM's pipeline with a sales-teams file (Maven).
Revenue per person, per manager's roll-up and per month is checked to the cent."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Sum

from koers.imports.models import ImportRun
from koers.imports.saved import mapping_save, parse_mapping
from koers.measure import selectors as sel
from koers.org import visibility as vis
from koers.org.models import Person
from koers.sales import models as sm

FILES = Path(__file__).parent / "files" / "shapes"
SHAPES = {
    "northwind": [("people", "employees"), ("accounts", "customers"), ("orders", "orders")],
    "classicmodels": [("people", "employees"), ("accounts", "customers"), ("orders", "orders")],
    "maven": [
        ("people", "teams"),
        ("accounts", "accounts"),
        ("product-groups", "products"),
        ("opportunities", "pipeline"),
    ],
}
D = Decimal
JUL, AUG = dt.date(1996, 7, 1), dt.date(1996, 8, 1)
JAN, FEB = dt.date(2003, 1, 1), dt.date(2003, 2, 1)
MAR, APR = dt.date(2017, 3, 1), dt.date(2017, 4, 1)
# (person, month) → revenue; a manager → the revenue of everyone they see; month → all
EXPECTED = {
    "northwind": {
        "people": {
            ("5", JUL): D("266.00"),  # 14.00 × 12 + 9.80 × 10
            ("6", JUL): D("167.40"),
            ("1", JUL): D("65.45"),  # 7.70 × 10 × (1 − 0.15)
            ("1", AUG): D("2462.40"),
            ("3", AUG): D("95.76"),  # 16.80 × 6 × 0.95
        },
        "managers": {"2": D("3057.01"), "5": D("433.40")},
        "months": {JUL: D("498.85"), AUG: D("2558.16")},
    },
    "classicmodels": {  # the customer's sales rep is credited; cancelled and on hold count not
        "people": {
            ("1166", JAN): D("6834.50"),
            ("1165", JAN): D("2701.50"),
            ("1165", FEB): D("2238.95"),  # resolved: shipped
            ("1166", FEB): D("0.00"),  # cancelled (3,726.45) and on hold (661.32)
        },
        "managers": {"1056": D("11774.95"), "1143": D("11774.95")},
        "months": {JAN: D("9536.00"), FEB: D("2238.95")},
    },
    "maven": {  # won deals by close date
        "people": {
            ("Anna Snelling", MAR): D("1054.00"),
            ("Darcel Schlecht", MAR): D("4564.00"),
            ("Boris Faz", APR): D("588.00"),
            ("Cecily Lampkin", MAR): D("0.00"),  # lost
        },
        "managers": {"Dustin Brinkmann": D("1054.00"), "Rocco Neubert": D("5152.00")},
        "months": {MAR: D("5618.00"), APR: D("588.00")},
    },
}


def _save_mappings(shape: str) -> None:
    for _kind, part in SHAPES[shape]:
        text = (FILES / f"{shape}-{part}.yaml").read_text(encoding="utf-8")
        mapping_save(name=f"{shape}-{part}", mapping=parse_mapping(text), by=None, document=text)


def _upload(shape: str, part: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{part}.csv", (FILES / f"{shape}-{part}.csv").read_bytes())


def by_cli(shape: str, client) -> None:
    call_command(
        "setup",
        name=shape,
        currency="USD",
        language="en",
        revenue_statuses="ordered,shipped,invoiced",
        stdout=io.StringIO(),
    )
    for kind, part in SHAPES[shape]:
        path = FILES / f"{shape}-{part}.csv"
        call_command("import", kind, str(path), mapping=f"{shape}-{part}", stdout=io.StringIO())


def by_wizard(shape: str, client) -> None:
    answers = {
        "name": shape,
        "currency": "USD",
        "fiscal_month": "1",
        "language": "en",
        "statuses": ["ordered", "shipped", "invoiced"],
    }
    assert client.post("/setup/", answers).status_code == 302
    for kind, part in SHAPES[shape]:
        staged = client.post(
            "/data/imports/new/",
            {"kind": kind, "preset": "", "saved": f"{shape}-{part}", "file": _upload(shape, part)},
        )
        assert staged.status_code == 302, staged.content.decode()[:2000]
        done = client.post(staged["Location"], {"action": "import"})
        assert done.status_code == 302, _problems(done)


def by_api(shape: str, client) -> None:
    from koers.org import onboarding

    onboarding.set_up(
        name=shape,
        currency="USD",
        fiscal_month=1,
        language="en",
        statuses=["ordered", "shipped", "invoiced"],
        by=None,
    )
    for kind, part in SHAPES[shape]:
        answer = client.post(
            f"/api/v1/imports/{kind}?mapping={shape}-{part}", {"file": _upload(shape, part)}
        )
        assert answer.status_code == 201, answer.content.decode()[:2000]


def _problems(response) -> str:
    page = response.content.decode()
    start = page.find('data-testid="import-errors"')
    problem = page.find('data-testid="import-problem"')
    return page[problem : problem + 500] if problem > 0 else page[start : start + 2000]


@pytest.fixture
def empty_koers(db, client, funnel):
    from django.core.cache import cache

    from koers.org import setup

    cache.delete(setup.NEW_KEY)  # a new installation
    admin = User.objects.create_superuser("first", "first@example.com", "pw-long-enough-1")
    client.force_login(admin)
    return client


def _person(key: str) -> Person:
    return Person.objects.get(external_id=key)


def _login_of(person: Person) -> User:
    if person.user is None:
        person.user = User.objects.create(username=f"login-{person.pk}")
        person.save(update_fields=["user"])
    return person.user


def _revenue(shape: str, people, month: dt.date) -> Decimal:
    last = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    if shape == "maven":  # a CRM's revenue: its won deals, by close date
        won = sm.Opportunity.objects.filter(
            owner__in=people, stage__kind="won", closed_on__range=(month, last)
        ).aggregate(total=Sum("amount"))["total"]
        return (won or D(0)).quantize(D("0.01"))
    value = sel.kpi_values_between(people, month, last).get("revenue") or 0
    return D(str(value)).quantize(D("0.01"))


@pytest.mark.parametrize("channel", [by_cli, by_wizard, by_api], ids=["cli", "wizard", "api"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_an_export_comes_in_through_its_mappings_alone_to_the_cent(empty_koers, shape, channel):
    _save_mappings(shape)
    channel(shape, empty_koers)
    runs = ImportRun.objects.order_by("pk")
    assert [r.status for r in runs] == ["committed"] * len(SHAPES[shape])
    assert {r.mapping_name for r in runs} == {f"{shape}-{p}" for _k, p in SHAPES[shape]}
    expected = EXPECTED[shape]
    for (key, month), revenue in expected["people"].items():
        person = Person.objects.filter(pk=_person(key).pk)
        assert _revenue(shape, person, month) == revenue, (key, month)
    months = sorted(expected["months"])
    for key, revenue in expected["managers"].items():
        seen = vis.visible_sellers(_login_of(_person(key)))
        assert sum(_revenue(shape, seen, m) for m in months) == revenue, key
    everyone = Person.objects.all()
    for month, revenue in expected["months"].items():
        assert _revenue(shape, everyone, month) == revenue, month
    if shape != "maven":
        assert set(sm.OrderLine.objects.values_list("currency", flat=True)) == {"USD"}
