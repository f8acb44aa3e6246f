"""Teamleader Focus (Dutch interface, as used in Belgium and the Netherlands): companies
(“Bedrijven”) and deals, exported as CSV with “;”, day/month/year dates and decimal commas.
A deal names its customer and the responsible user by name; its phase says “Aanvaard” (won)
or “Geweigerd” (lost) once it closes."""

from __future__ import annotations

from koers.imports.presets.base import Preset

DATES = "%d/%m/%Y"

TL_PHASES = {
    "nieuw": "suspect",
    "contact opgenomen": "suspect",
    "afspraak": "prospect",
    "behoefte bepaald": "prospect",
    "offerte opgemaakt": "hot_prospect",
    "offerte verstuurd": "hot_prospect",
    "onderhandeling": "hot_prospect",
    "aanvaard": "customer",
    "gewonnen": "customer",
    "geweigerd": "lost",
    "verloren": "lost",
}


TEAMLEADER = Preset(
    "teamleader",
    "Teamleader Focus",
    columns={
        "accounts": {
            "ID": "external_id",
            "Naam": "name",
            "Sector": "industry",
            "Postcode": "postcode",
            "Gemeente": "city",
            "Land": "country",
            "Accountmanager": "owner_id",
            "Relatietype": "lifecycle",
            "Toegevoegd op": "created_on",
        },
        "opportunities": {
            "ID": "external_id",
            "Titel": "name",
            "Klant": "account_id",
            "Verantwoordelijke": "owner_id",
            "Fase": "stage_id",
            "Waarde": "amount",
            "Aangemaakt op": "created_on",
            "Verwachte sluitingsdatum": "expected_close_date",
            "Afgesloten op": "closed_on",
            "Bron": "source",
        },
    },
    values={
        "accounts": {
            "lifecycle": {
                "klant": "loyal",
                "prospect": "potential",
                "lead": "potential",
                "ex-klant": "ex",
                "oud-klant": "ex",
                "": "potential",
            }
        },
        "opportunities": {
            "stage_id": TL_PHASES,
            "source": {
                "website": "marketing",
                "beurs": "marketing",
                "campagne": "marketing",
                "nieuwsbrief": "marketing",
                "doorverwijzing": "sales",
                "netwerk": "sales",
                "koude acquisitie": "sales",
                "": "sales",
            },
        },
    },
    date_formats={"created_on": DATES, "expected_close_date": DATES, "closed_on": DATES},
    number_style="nl",
)
