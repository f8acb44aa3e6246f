"""The wizard's value step: the distinct values of each coded column, suggestions for
near-duplicates, and the choices kept as the mapping's value maps for the CLI and the API."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from koers.imports.models import ImportMapping, ImportRun
from koers.imports.saved import load_mapping_by_name
from koers.imports.value_maps import coded_columns, nearest, squeeze
from koers.sales import models as sm

ACCOUNTS = (
    "Id;Company;Land;Sector\n"
    "A-1;Een B.V.;Philippines;technology\n"
    "A-2;Twee B.V.;Philipines;technology\n"
    "A-3;Drie B.V.;Nederland;technology\n"
    "A-4;Vier B.V.;Atlantis;technolgy\n"
    "A-5;Vijf B.V.;NL;retail\n"
)


def test_a_near_duplicate_is_suggested_as_the_value_koers_knows():
    groups = {squeeze(g): g for g in ["GTX Pro", "GTX Basic", "MG Special"]}
    assert nearest("GTXPro", groups) == "GTX Pro"
    assert nearest("gtx-pro ", groups) == "GTX Pro"
    assert nearest("Unrelated", groups) == ""
    assert nearest("", groups) == ""


def test_the_values_of_each_coded_column_with_what_koers_reads(db):
    import polars as pl

    from koers.imports.specs import KINDS

    table = pl.read_csv(io.StringIO(ACCOUNTS), separator=";", infer_schema=False)
    mapping = {"Id": "external_id", "Company": "name", "Land": "country", "Sector": "industry"}
    coded = {c.name: c for c in coded_columns(KINDS["accounts"], table, mapping)}
    assert set(coded) == {"country", "industry"}  # an id and a name are no codes
    country = {v.text: v for v in coded["country"].values}
    assert country["Philippines"].known == "PH" and country["Nederland"].known == "NL"
    assert country["Philipines"].known == "" and country["Philipines"].suggestion == "PH"
    assert country["Atlantis"].known == "" and country["Atlantis"].suggestion == ""
    industry = {v.text: v for v in coded["industry"].values}
    assert industry["technolgy"].suggestion == "technology"  # the commoner spelling
    assert industry["technology"].known == "technology"  # a value of its own
    assert industry["retail"].known == "retail" and coded["industry"].unknown == 1


def test_a_choice_is_shown_as_chosen_and_counts_no_more(db):
    import polars as pl

    from koers.imports.specs import KINDS

    table = pl.read_csv(io.StringIO(ACCOUNTS), separator=";", infer_schema=False)
    mapping = {"Land": "country"}
    (country,) = coded_columns(KINDS["accounts"], table, mapping, {"country": {"atlantis": "BE"}})
    assert {v.text: v.chosen for v in country.values}["Atlantis"] == "BE"
    assert country.unknown == 1  # Philipines still waits for a choice


def _upload(client, text: str, kind: str = "accounts") -> str:
    response = client.post(
        reverse("import_upload"),
        {"kind": kind, "preset": "", "file": SimpleUploadedFile("crm.csv", text.encode())},
    )
    assert response.status_code == 302
    return response["Location"]


def test_the_wizard_applies_and_saves_the_chosen_values(cast, login, tmp_path):
    client = login(cast.user("dirk"))
    stage = _upload(client, ACCOUNTS)
    page = client.get(stage).content.decode()
    assert 'data-testid="value-step"' in page and "Philipines" in page
    assert "suggested: close to “PH (Philippines)”" in page
    assert "Atlantis" in page and "is not a country" in page  # refused until chosen
    form = {
        "map-0": "external_id",
        "map-1": "name",
        "map-2": "country",
        "map-3": "industry",
        "values-form": "1",
        "action": "check",
    }
    # the page lists values by rows, then by text: post them back as shown
    shown = {c.name: [v.text for v in c.values] for c in _coded()}
    for name, texts in shown.items():
        for index, text in enumerate(texts):
            form[f"from-{name}-{index}"] = text
    choices = {"Philipines": "PH", "Atlantis": "BE", "technolgy": "technology"}
    for name, texts in shown.items():
        for index, text in enumerate(texts):
            if text in choices:
                form[f"value-{name}-{index}"] = choices[text]
    page = client.post(
        stage, {k: v for k, v in form.items() if not k.startswith(("from-", "value-"))}
    ).content.decode()
    assert "suggested: close to “technology”" in page  # the sector, once mapped
    page = client.post(stage, form).content.decode()
    assert "Ready: 5 new, 0 updated, 0 unchanged." in page
    client.post(stage, {**form, "action": "save", "save_as": "crm-accounts"})
    name, saved = load_mapping_by_name("crm-accounts")
    assert saved.values == {
        "country": {"Philipines": "PH", "Atlantis": "BE"},
        "industry": {"technolgy": "technology"},
    }
    client.post(stage, {**form, "action": "import"})
    run = ImportRun.objects.get(status="committed")
    assert run.value_maps["country"] == {"Philipines": "PH", "Atlantis": "BE"}  # on record
    accounts = {a.external_id: a for a in sm.Account.objects.filter(external_id__startswith="A-")}
    assert accounts["A-2"].country == "PH" and accounts["A-4"].country == "BE"
    assert {a.industry for a in accounts.values()} == {"technology", "retail"}
    # the command line reads the file as the wizard did, by the mapping's name
    path = tmp_path / "crm.csv"
    path.write_text(ACCOUNTS.replace("B.V.", "NV"), encoding="utf-8")
    call_command("import", "accounts", str(path), mapping="crm-accounts", stdout=io.StringIO())
    assert sm.Account.objects.get(external_id="A-4").name == "Vier NV"
    assert sm.Account.objects.get(external_id="A-4").country == "BE"
    assert ImportMapping.objects.get(name="crm-accounts").kind == "accounts"


def _coded():
    """The value step's columns as the wizard computes them for the staged file."""
    import polars as pl

    from koers.imports.specs import KINDS

    table = pl.read_csv(io.StringIO(ACCOUNTS), separator=";", infer_schema=False)
    mapping = {"Id": "external_id", "Company": "name", "Land": "country", "Sector": "industry"}
    return coded_columns(KINDS["accounts"], table, mapping)


def test_a_product_group_typo_is_suggested_from_the_groups_koers_holds(db):
    import polars as pl

    from koers.imports.specs import KINDS

    sm.ProductGroup.objects.create(code="GTX Pro", name="GTX Pro")
    table = pl.DataFrame({"product": ["GTXPro", "GTX Pro", "GTXPro"]})
    (group,) = coded_columns(KINDS["opportunities"], table, {"product": "product_group_id"})
    values = {v.text: v for v in group.values}
    assert values["GTXPro"].rows == 2 and values["GTXPro"].suggestion == "GTX Pro"
    assert values["GTX Pro"].known == "GTX Pro"
