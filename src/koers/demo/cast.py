"""The demo organisation's structure and its named people.

A Dutch/Belgian technical wholesaler ("Van Dijk Techniek") with four country units
and eight teams. The people with a story are named here; the rest are generated.
"""

from __future__ import annotations

from dataclasses import dataclass

COMPANY = ("HQ", "Van Dijk Techniek", "NL")
COUNTRIES = [  # code, name, ISO country, debtor days mean
    ("NL", "Nederland", "NL", 38),
    ("BE", "België", "BE", 52),
    ("DE", "Deutschland", "DE", 31),
    ("LU", "Luxembourg", "LU", 45),
]
TEAMS = [  # code, name, country code, team selling, (lat, lon) of the region
    ("NL-RAN", "Randstad", "NL", False, (52.09, 4.65)),
    ("NL-NRD", "Noord-Nederland", "NL", False, (53.05, 6.20)),
    ("NL-ZUI", "Zuid-Nederland", "NL", False, (51.50, 5.40)),
    ("BE-VLA", "Vlaanderen", "BE", False, (51.05, 4.10)),
    ("BE-WAB", "Wallonie-Bruxelles", "BE", False, (50.55, 4.60)),
    ("DE-NRW", "Nordrhein-Westfalen", "DE", False, (51.40, 7.20)),
    ("DE-NRD", "Norddeutschland", "DE", False, (53.40, 9.80)),
    ("LU-LUX", "Luxembourg-Ville", "LU", True, (49.65, 6.10)),
]


@dataclass(frozen=True)
class Profile:
    """How a salesperson works: the parameters the simulation draws from."""

    focus: str  # hunter, farmer, mixed
    visits: float  # visits a month at full ramp
    quote_rate: float  # quotes per visit
    win_rate: float
    deal_size: float  # euro, mean of a new deal
    cycle_days: float
    nps_mean: float
    care: float  # effect on existing customers' ordering (farming)


PROFILES = {
    "hunter": Profile("hunter", 16, 0.55, 0.30, 14000, 55, 7.6, 0.95),
    "farmer": Profile("farmer", 13, 0.45, 0.42, 7000, 30, 8.4, 1.12),
    "mixed": Profile("mixed", 14, 0.50, 0.35, 10000, 40, 8.0, 1.03),
    "top": Profile("hunter", 19, 0.62, 0.52, 21000, 45, 8.1, 1.10),
    "struggling": Profile("mixed", 17, 0.55, 0.14, 9500, 70, 8.9, 1.00),
    "newhire": Profile("hunter", 13, 0.45, 0.25, 9000, 50, 7.8, 0.95),
}


# The demo's training trajectory (Steer): who took part, when, and what it did. Months count
# back from the current month; after the end the participants turn more visits into quotes.
TRAINING_NAMED = ("rep", "eva.dewit")
TRAINING_TEAMS = ("NL-NRD",)
TRAINING_START_BACK = 9
TRAINING_END_BACK = 7
TRAINING_EXTRA_QUOTE_RATE = 0.25


@dataclass(frozen=True)
class NamedPerson:
    username: str
    first: str
    last: str
    role: str
    unit: str  # unit code
    profile: str = "mixed"
    title: str = ""
    months_employed: int = 60
    story: str = ""


NAMED = [
    NamedPerson("director", "Hendrik", "van Dijk", "director", "HQ", title="Commercieel directeur"),
    NamedPerson(
        "compadmin", "Femke", "Smit", "compadmin", "HQ", title="Compensation administrator"
    ),
    NamedPerson("admin", "Joost", "Kramer", "admin", "HQ", title="Applicatiebeheerder"),
    NamedPerson("marketing", "Sophie", "Bos", "marketing", "HQ", title="Marketingmanager"),
    NamedPerson(
        "manager",
        "Marieke",
        "Jansen",
        "manager",
        "NL-RAN",
        title="Salesmanager Randstad",
        story="Manages the Randstad team, where the top performer and the struggler sit.",
    ),
    NamedPerson(
        "rep",
        "Daan",
        "Visser",
        "salesperson",
        "NL-RAN",
        "mixed",
        "Accountmanager",
        story="A steady all-rounder.",
    ),
    NamedPerson(
        "bas.vermeulen",
        "Bas",
        "Vermeulen",
        "salesperson",
        "NL-RAN",
        "top",
        "Senior accountmanager",
        story="Top performer far above target whose showing-off demotivates peers.",
    ),
    NamedPerson(
        "eva.dewit",
        "Eva",
        "de Wit",
        "salesperson",
        "NL-RAN",
        "struggling",
        "Accountmanager",
        story="Good skills and happy customers, but under target: long cycles, low win rate.",
    ),
    NamedPerson(
        "noah.bakker",
        "Noah",
        "Bakker",
        "salesperson",
        "NL-RAN",
        "newhire",
        "Junior accountmanager",
        months_employed=4,
        story="New hire ramping up.",
    ),
    NamedPerson(
        "sanne.mulder",
        "Sanne",
        "Mulder",
        "salesperson",
        "NL-RAN",
        "hunter",
        "Business developer",
        story="A hunter: mostly new accounts.",
    ),
    NamedPerson(
        "pieter.peeters", "Pieter", "Peeters", "manager", "BE", title="Country manager België"
    ),
    NamedPerson(
        "lotte.janssens", "Lotte", "Janssens", "manager", "BE-VLA", title="Salesmanager Vlaanderen"
    ),
    NamedPerson(
        "wim.maes",
        "Wim",
        "Maes",
        "salesperson",
        "BE-VLA",
        "farmer",
        "Accountmanager",
        story="A farmer: looks after a large base of loyal customers.",
    ),
]

FIRST_NAMES = [
    "Jan",
    "Kees",
    "Thijs",
    "Lars",
    "Ruben",
    "Jeroen",
    "Mark",
    "Tom",
    "Sven",
    "Koen",
    "Stijn",
    "Bram",
    "Luuk",
    "Milan",
    "Jesse",
    "Sem",
    "Anouk",
    "Lisa",
    "Iris",
    "Fleur",
    "Emma",
    "Julia",
    "Sophie",
    "Lieke",
    "Nina",
    "Roos",
    "Elise",
    "Hanna",
    "Laura",
    "Marloes",
    "Jens",
    "Lukas",
    "Felix",
    "Jonas",
    "Leonie",
    "Mia",
    "Louis",
    "Arthur",
    "Camille",
    "Manon",
    "Claire",
    "Yves",
]
LAST_NAMES = [
    "de Jong",
    "de Vries",
    "van den Berg",
    "van Dam",
    "Bos",
    "Vos",
    "Hendriks",
    "Dekker",
    "Brouwer",
    "de Graaf",
    "van der Meer",
    "Willems",
    "Claes",
    "Goossens",
    "Wouters",
    "De Smet",
    "Jacobs",
    "Mertens",
    "Dubois",
    "Lambert",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Schulz",
    "Koch",
    "Hermans",
    "Verbeek",
    "Postma",
    "Kuipers",
    "Veenstra",
    "Schouten",
    "Prins",
    "Huisman",
    "Martens",
    "Peters",
    "Wijnen",
]

PRODUCT_GROUPS = [  # code, name, margin, price range, share of revenue
    ("PMP", "Pompen", 0.28, (450, 9500), 0.16),
    ("KLP", "Kleppen & afsluiters", 0.34, (35, 2200), 0.14),
    ("LDG", "Leidingsystemen", 0.24, (8, 600), 0.16),
    ("ELT", "Elektrotechniek", 0.30, (12, 1800), 0.14),
    ("GER", "Gereedschap", 0.38, (25, 1400), 0.10),
    ("BEV", "Bevestigingsmaterialen", 0.45, (2, 180), 0.08),
    ("PBM", "Persoonlijke beschermingsmiddelen", 0.42, (4, 320), 0.07),
    ("MRT", "Meet- & regeltechniek", 0.36, (90, 6500), 0.15),
]
# what each group sells: five product types in three sizes make its fifteen products
PRODUCT_TYPES = {
    "PMP": ["Centrifugaalpomp", "Circulatiepomp", "Dompelpomp", "Doseerpomp", "Drukverhoger"],
    "KLP": ["Kogelkraan", "Vlinderklep", "Terugslagklep", "Afsluiter", "Regelklep"],
    "LDG": ["Persbuis", "Koppeling", "Bocht", "Verloopstuk", "Flens"],
    "ELT": [
        "Installatieautomaat",
        "Aardlekschakelaar",
        "Kabelgoot",
        "Relais",
        "Frequentieregelaar",
    ],
    "GER": ["Persmachine", "Pijpsnijder", "Boorhamer", "Momentsleutel", "Ontbraamset"],
    "BEV": ["Draadstang", "Ophangbeugel", "Keilbout", "Montagerail", "Slangklem"],
    "PBM": ["Veiligheidshelm", "Werkhandschoen", "Veiligheidsbril", "Gehoorkap", "Werkschoen"],
    "MRT": ["Drukopnemer", "Thermostaat", "Flowmeter", "Niveausensor", "Regelunit"],
}
PRODUCT_SIZES = ["S", "M", "L"]
SEGMENTS = ["Installatietechniek", "Industrie", "Bouw", "Utiliteit", "Overheid", "OEM"]
INDUSTRIES = {
    "Installatietechniek": ["HVAC", "Sanitair", "Elektrotechnisch installateur"],
    "Industrie": ["Voedingsmiddelen", "Chemie", "Metaal", "Papier"],
    "Bouw": ["Woningbouw", "Utiliteitsbouw", "GWW"],
    "Utiliteit": ["Ziekenhuizen", "Onderwijs", "Vastgoedbeheer"],
    "Overheid": ["Gemeente", "Waterschap", "Rijksoverheid"],
    "OEM": ["Machinebouw", "Apparatenbouw"],
}
COMPANY_WORDS = [
    "Techniek",
    "Installaties",
    "Industries",
    "Bouw",
    "Service",
    "Engineering",
    "Groep",
    "Solutions",
    "Werken",
    "Montage",
    "Systems",
    "Projecten",
]
COMPANY_STEMS = [
    "Noord",
    "Zuid",
    "Delta",
    "Rijn",
    "Maas",
    "Schelde",
    "Polder",
    "Kempen",
    "Veluwe",
    "Brabant",
    "Limburg",
    "Eifel",
    "Ardennen",
    "Holland",
    "Twente",
    "Flevo",
    "Haven",
    "Kust",
    "Duin",
    "Groen",
    "Staal",
    "Vonk",
    "Stroom",
    "Kracht",
]
CITIES = {
    "NL": [
        "Amsterdam",
        "Rotterdam",
        "Den Haag",
        "Utrecht",
        "Groningen",
        "Leeuwarden",
        "Eindhoven",
        "Tilburg",
        "Breda",
        "Zwolle",
        "Arnhem",
        "Maastricht",
    ],
    "BE": [
        "Antwerpen",
        "Gent",
        "Brugge",
        "Leuven",
        "Mechelen",
        "Brussel",
        "Namur",
        "Liège",
        "Charleroi",
        "Hasselt",
    ],
    "DE": ["Düsseldorf", "Köln", "Essen", "Dortmund", "Hamburg", "Bremen", "Hannover", "Kiel"],
    "LU": ["Luxembourg", "Esch-sur-Alzette", "Differdange", "Ettelbruck"],
}
NPS_COMMENTS = {
    "low": [
        "Levertijden zijn te lang.",
        "Facturen kloppen vaak niet.",
        "Accountmanager is slecht bereikbaar.",
        "Prijzen zijn hoger dan bij de concurrent.",
        "Leveringen komen onvolledig aan.",
        "Technisch advies schiet tekort.",
    ],
    "mid": [
        "Goed, maar de webshop kan beter.",
        "Snellere offertes graag.",
        "Meer proactief advies over nieuwe producten.",
        "Prima, maar de voorraad wisselt.",
    ],
    "high": [
        "Uitstekende service van onze accountmanager.",
        "Altijd snel geleverd.",
        "Geweldige technische ondersteuning.",
        "Denkt echt met ons mee.",
    ],
}
# Seasonality of a technical wholesaler: quiet in the summer and at year end.
SEASON = [0.92, 0.97, 1.06, 1.02, 1.05, 1.00, 0.78, 0.72, 1.06, 1.10, 1.08, 0.86]
ANNUAL_GROWTH = 0.08
