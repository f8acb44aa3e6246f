"""The method's default competencies with behaviour per level, and the level each selling
role needs: what the migration creates and what Koers puts back when the table is empty."""

from __future__ import annotations

from typing import Any

# code, English name, Dutch name, anchors (1..5) in English, anchors in Dutch
DEFAULT_COMPETENCIES: list[tuple[str, str, str, list[str], list[str]]] = [
    (
        "negotiation",
        "Negotiation",
        "Onderhandelen",
        [
            "Gives discount at the first objection.",
            "Defends the price but trades without asking anything back.",
            "Prepares a walk-away point and trades concessions for value.",
            "Steers the negotiation on value; protects margin under pressure.",
            "Creates agreements where both sides gain; others learn from how they negotiate.",
        ],
        [
            "Geeft korting bij het eerste bezwaar.",
            "Verdedigt de prijs maar ruilt zonder iets terug te vragen.",
            "Bereidt een grens voor en ruilt concessies tegen waarde.",
            "Stuurt de onderhandeling op waarde; beschermt de marge onder druk.",
            "Sluit akkoorden waarbij beide partijen winnen; anderen leren van hun aanpak.",
        ],
    ),
    (
        "product_knowledge",
        "Product knowledge",
        "Productkennis",
        [
            "Knows the catalogue by name only.",
            "Explains the main products' features.",
            "Links features to the customer's use and knows the competition.",
            "Designs solutions across product groups for complex needs.",
            "The expert colleagues and customers turn to; shapes the offering.",
        ],
        [
            "Kent het assortiment alleen bij naam.",
            "Legt de kenmerken van de belangrijkste producten uit.",
            "Verbindt kenmerken met het gebruik van de klant en kent de concurrentie.",
            "Ontwerpt oplossingen over productgroepen heen voor complexe vragen.",
            "De expert bij wie collega's en klanten aankloppen; geeft het aanbod mee vorm.",
        ],
    ),
    (
        "customer_focus",
        "Customer focus",
        "Klantgerichtheid",
        [
            "Reacts when the customer calls.",
            "Follows up on promises and complaints in time.",
            "Knows the customer's business and anticipates their needs.",
            "Is seen by the customer as an adviser; satisfaction and loyalty are high.",
            "Builds partnerships that grow the account year after year.",
        ],
        [
            "Reageert als de klant belt.",
            "Komt beloften en klachten tijdig na.",
            "Kent het bedrijf van de klant en speelt in op wat komt.",
            "Wordt door de klant als adviseur gezien; tevredenheid en loyaliteit zijn hoog.",
            "Bouwt partnerschappen die het account jaar na jaar laten groeien.",
        ],
    ),
    (
        "consultative_selling",
        "Consultative selling",
        "Consultatief verkopen",
        [
            "Presents products before asking questions.",
            "Asks about needs but moves to the offer quickly.",
            "Uncovers the need behind the question and quantifies its value.",
            "Lets the customer discover the problem and own the solution.",
            "Sells complex solutions at board level; coaches others in it.",
        ],
        [
            "Presenteert producten voordat er vragen gesteld zijn.",
            "Vraagt naar behoeften maar gaat snel naar het aanbod.",
            "Legt de behoefte achter de vraag bloot en maakt de waarde concreet.",
            "Laat de klant het probleem ontdekken en de oplossing zelf dragen.",
            "Verkoopt complexe oplossingen op directieniveau; coacht anderen erin.",
        ],
    ),
    (
        "prospecting",
        "Opening new accounts",
        "Nieuwe klanten openen",
        [
            "Waits for leads to arrive.",
            "Follows up leads but rarely opens a prospect alone.",
            "Plans time for prospects every week and opens new accounts.",
            "Builds a steady stream of new business from a target list.",
            "Opens strategic accounts others could not reach.",
        ],
        [
            "Wacht tot er leads binnenkomen.",
            "Volgt leads op maar opent zelden zelf een prospect.",
            "Plant elke week tijd voor prospects en opent nieuwe klanten.",
            "Bouwt een gestage stroom nieuwe business op vanuit een doellijst.",
            "Opent strategische klanten die anderen niet bereikten.",
        ],
    ),
    (
        "crm_discipline",
        "Customer insight and CRM",
        "Klantinzicht en CRM",
        [
            "Keeps customer knowledge in their head.",
            "Records deals in the CRM, often late.",
            "Keeps accounts, contacts and deals current; forecasts from the CRM.",
            "Uses the data to choose the accounts and actions with most impact.",
            "Their forecast is reliable to within a few percent; a model for the team.",
        ],
        [
            "Houdt klantkennis in het hoofd.",
            "Legt deals vast in het CRM, vaak te laat.",
            "Houdt klanten, contacten en deals actueel; voorspelt vanuit het CRM.",
            "Kiest met de data de klanten en acties met de meeste impact.",
            "Hun forecast klopt op een paar procent; een voorbeeld voor het team.",
        ],
    ),
]

# the level each role needs of each default competency
REQUIRED: dict[str, dict[str, int]] = {
    "salesperson": {
        "negotiation": 3,
        "product_knowledge": 3,
        "customer_focus": 3,
        "consultative_selling": 3,
        "prospecting": 3,
        "crm_discipline": 3,
    },
    "manager": {
        "negotiation": 4,
        "product_knowledge": 3,
        "customer_focus": 4,
        "consultative_selling": 4,
        "prospecting": 3,
        "crm_discipline": 4,
    },
}


def ensure_defaults(competency: Any, requirement: Any) -> None:
    """Create the default competencies and levels with the given models (or a migration's
    historical models) when there are no competencies at all."""
    if competency.objects.exists():
        return
    for order, (code, name, name_nl, anchors, anchors_nl) in enumerate(DEFAULT_COMPETENCIES):
        competency.objects.create(
            code=code,
            name=name,
            name_nl=name_nl,
            anchors={str(i + 1): text for i, text in enumerate(anchors)},
            anchors_nl={str(i + 1): text for i, text in enumerate(anchors_nl)},
            default=True,
            order=(order + 1) * 10,
        )
    by_code = {c.code: c for c in competency.objects.all()}
    for role, levels in REQUIRED.items():
        for code, level in levels.items():
            requirement.objects.create(role=role, competency=by_code[code], level=level)
