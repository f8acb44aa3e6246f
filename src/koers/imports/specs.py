"""What each kind of import takes: its columns, their types, keys and references.

A column's ``aliases`` are other headers that map to it automatically (Dutch and
English spellings); vendor exports are mapped by the presets.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str  # the database column (a reference's column ends in _id)
    type: str  # text, money, decimal, int, date, bool, choice, ref, currency
    required: bool = False
    ref: str | None = None  # the import kind a reference points to
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    default: str | None = None  # used when the column is absent or empty

    @property
    def header(self) -> str:
        """The column's name in Koers's own template."""
        return self.name.removesuffix("_id") if self.type == "ref" else self.name


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    key: tuple[str, ...]  # columns that identify a record across imports
    columns: tuple[Column, ...]
    ref_key: str = "external_id"  # what other files use to point at this kind
    extra: dict[str, str] = field(default_factory=dict)  # constant database columns
    # the rows of the table this kind reads and writes (SQL), when it shares the table
    # with rows of another shape: overall targets beside those of an account or group
    rows: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def default_of(column: Column) -> str | None:
    """What an empty or absent ``column`` takes: an amount's currency is the reporting
    currency (the organisation's, ``koers.org.setup``), not a fixed one."""
    if column.type == "currency" and column.default is not None:
        from koers.sales.currency import reporting_currency

        return reporting_currency()
    return column.default


def C(name: str, type: str = "text", **kw) -> Column:  # noqa: N802 - a short constructor
    return Column(name, type, **kw)


OVERALL = "account_id IS NULL AND product_group_id IS NULL"
EXT = C("external_id", required=True, aliases=("id", "extern id", "external id", "code"))
CURRENCY = C("currency", "currency", default="EUR", aliases=("valuta",))

KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind(
            "units",
            "org_orgunit",
            ("code",),
            (
                C("code", required=True),
                C("name", required=True, aliases=("naam",)),
                C(
                    "kind",
                    "choice",
                    required=True,
                    choices=("company", "country", "region", "team"),
                    aliases=("soort", "type"),
                ),
                C(
                    "parent_id",
                    "ref",
                    ref="units",
                    aliases=("parent", "parent_code", "bovenliggende eenheid"),
                ),
                C("country", "country", default="", aliases=("land",)),
                C("team_selling", "bool", default="false", aliases=("teamverkoop",)),
            ),
            ref_key="code",
            extra={"path": ""},
        ),
        Kind(
            "people",
            "org_person",
            ("external_id",),
            (
                EXT,
                C("first_name", required=True, aliases=("voornaam", "first name")),
                C("last_name", required=True, aliases=("achternaam", "last name")),
                C("email", default="", aliases=("e-mail",)),
                C("job_title", default="", aliases=("functie", "title")),
                C(
                    "role",
                    "choice",
                    default="salesperson",
                    aliases=("rol",),
                    choices=("salesperson", "manager", "director", "compadmin", "admin"),
                ),
                C("sales_focus", "choice", default="mixed", choices=("hunter", "farmer", "mixed")),
                C("manager_id", "ref", ref="people", aliases=("manager", "leidinggevende")),
                # without a unit or start date: "unassigned" and the import's date, flagged
                C("unit_id", "ref", ref="units", aliases=("unit", "eenheid", "team")),
                C("fte", "decimal", default="1.00"),
                C("start_date", "date", aliases=("in dienst vanaf",)),
                C("end_date", "date"),
                C("base_salary", "money", default="0", aliases=("basissalaris", "salary")),
                CURRENCY,
                C("show_on_leaderboard", "bool", default="true"),
            ),
        ),
        Kind(
            "territories",
            "sales_territory",
            ("code",),
            (
                C("code", required=True),
                C("name", required=True, aliases=("naam",)),
                C("unit_id", "ref", ref="units", required=True, aliases=("unit", "eenheid")),
                C("description", default=""),
            ),
            ref_key="code",
        ),
        Kind(
            "accounts",
            "sales_account",
            ("external_id",),
            (
                EXT,
                C("name", required=True, aliases=("naam", "account name", "company")),
                C("segment", default=""),
                C("industry", default="", aliases=("branche",)),
                C(
                    "size_class",
                    "choice",
                    default="",
                    choices=("", "small", "medium", "large", "enterprise"),
                ),
                C(
                    "lifecycle",
                    "choice",
                    default="potential",
                    choices=("potential", "new", "loyal", "ex"),
                    aliases=("klantfase",),
                ),
                C("country", "country", default="NL", aliases=("land",)),
                C("city", default="", aliases=("plaats",)),
                C("postcode", default=""),
                C("latitude", "decimal"),
                C("longitude", "decimal"),
                C("owner_id", "ref", ref="people", aliases=("owner", "eigenaar", "account owner")),
                C("created_on", "date"),
            ),
        ),
        Kind(
            "product-groups",
            "sales_productgroup",
            ("code",),
            (
                C("code", required=True),
                C("name", required=True, aliases=("naam",)),
            ),
            ref_key="code",
        ),
        Kind(
            "products",
            "sales_product",
            ("external_id",),
            (
                EXT,
                C("name", required=True, aliases=("naam",)),
                C(
                    "group_id",
                    "ref",
                    ref="product-groups",
                    required=True,
                    aliases=("group", "productgroep"),
                ),
                C(
                    "list_price",
                    "money",
                    required=True,
                    aliases=("price", "prijs", "catalogusprijs"),
                ),
                C("standard_cost", "money", aliases=("cost", "kostprijs")),
                CURRENCY,
                C("active", "bool", default="true", aliases=("actief",)),
            ),
        ),
        Kind(
            "opportunities",
            "sales_opportunity",
            ("external_id",),
            (
                EXT,
                C("name", required=True, aliases=("naam",)),
                C("account_id", "ref", ref="accounts", required=True, aliases=("account",)),
                C("owner_id", "ref", ref="people", required=True, aliases=("owner", "eigenaar")),
                C("stage_id", "ref", ref="stages", required=True, aliases=("stage", "fase")),
                C("product_group_id", "ref", ref="product-groups", aliases=("product_group",)),
                C("amount", "money", required=True, aliases=("bedrag",)),
                CURRENCY,
                C("created_on", "date", required=True, aliases=("created", "aangemaakt op")),
                C("expected_close_date", "date", required=True, aliases=("close date",)),
                C("closed_on", "date"),
                C("source", "choice", default="sales", choices=("marketing", "sales")),
                C(
                    "forecast_category",
                    "choice",
                    default="pipeline",
                    choices=("pipeline", "best_case", "commit"),
                ),
                C("is_new_business", "bool", default="false"),
            ),
        ),
        Kind(
            "stage-history",
            "sales_stagechange",
            ("opportunity_id", "stage_id", "changed_on"),
            (
                C(
                    "opportunity_id",
                    "ref",
                    ref="opportunities",
                    required=True,
                    aliases=("opportunity",),
                ),
                C("stage_id", "ref", ref="stages", required=True, aliases=("stage",)),
                C("changed_on", "date", required=True, aliases=("date",)),
            ),
        ),
        Kind(
            "activities",
            "sales_activity",
            ("external_id",),
            (
                EXT,
                C(
                    "kind",
                    "choice",
                    required=True,
                    aliases=("type", "soort"),
                    choices=("visit", "call", "email", "meeting", "demo", "quote", "lead"),
                ),
                C("date", "date", required=True, aliases=("datum",)),
                C("duration_minutes", "int", default="0", aliases=("duration",)),
                C("owner_id", "ref", ref="people", required=True, aliases=("owner",)),
                C("account_id", "ref", ref="accounts", aliases=("account",)),
                C("opportunity_id", "ref", ref="opportunities", aliases=("opportunity",)),
                C("subject", default="", aliases=("onderwerp",)),
                C(
                    "outcome",
                    "choice",
                    default="",
                    choices=("", "positive", "neutral", "negative", "no_show"),
                ),
                C("amount", "money"),
                CURRENCY,
            ),
        ),
        Kind(
            "campaigns",
            "sales_campaign",
            ("external_id",),
            (
                EXT,
                C("name", required=True),
                C(
                    "kind",
                    "choice",
                    default="other",
                    choices=("trade_fair", "webinar", "mailing", "online", "event", "other"),
                    aliases=("type", "soort", "campaign type"),
                ),
                C("channel", default=""),
                C("start_date", "date", required=True),
                C("end_date", "date"),
                C("budget", "money", default="0"),
                CURRENCY,
                C("stand_m2", "decimal", aliases=("m2", "stand m2", "standoppervlak")),
                C("staff_days", "decimal", aliases=("standdagen",)),
                C("visitors", "int", aliases=("bezoekers",)),
                C("invitations", "int", aliases=("uitnodigingen",)),
            ),
        ),
        Kind(
            "campaign-costs",
            "sales_campaigncost",
            ("campaign_id", "date", "description"),
            (
                C("campaign_id", "ref", ref="campaigns", required=True, aliases=("campaign",)),
                C("date", "date", required=True, aliases=("datum",)),
                C("description", required=True, aliases=("omschrijving",)),
                C("amount", "money", required=True, aliases=("bedrag", "cost", "kosten")),
                CURRENCY,
            ),
        ),
        Kind(
            "leads",
            "sales_lead",
            ("external_id",),
            (
                EXT,
                C("company_name", required=True, aliases=("company", "bedrijf")),
                C("contact_name", default="", aliases=("contact",)),
                C("email", default=""),
                C("campaign_id", "ref", ref="campaigns", aliases=("campaign",)),
                C("account_id", "ref", ref="accounts", aliases=("account",)),
                C("source", "choice", default="marketing", choices=("marketing", "sales")),
                C(
                    "status",
                    "choice",
                    default="new",
                    choices=("new", "working", "qualified", "disqualified", "converted"),
                ),
                C("created_on", "date", required=True),
                C("owner_id", "ref", ref="people", aliases=("owner",)),
                C("opportunity_id", "ref", ref="opportunities", aliases=("opportunity",)),
                C("converted_on", "date"),
                C(
                    "quality",
                    "choice",
                    default="",
                    choices=("", "cold", "warm", "hot"),
                    aliases=("lead quality", "kwaliteit"),
                ),
                C("accepted_on", "date", aliases=("accepted", "geaccepteerd op")),
            ),
        ),
        Kind(
            "lead-touches",
            "sales_leadtouch",
            ("lead_id", "campaign_id", "date"),
            (
                C("lead_id", "ref", ref="leads", required=True, aliases=("lead",)),
                C("campaign_id", "ref", ref="campaigns", required=True, aliases=("campaign",)),
                C("date", "date", required=True, aliases=("datum", "touched on")),
            ),
        ),
        Kind(
            "orders",
            "sales_orderline",
            ("external_id",),
            (
                EXT,
                C("order_number", default="", aliases=("ordernummer", "order")),
                C("kind", "choice", default="sale", choices=("sale", "cancellation", "return")),
                C(
                    "status",
                    "choice",
                    default="ordered",
                    choices=("ordered", "shipped", "invoiced", "on_hold", "disputed", "cancelled"),
                    aliases=("orderstatus", "order status", "state"),
                ),
                C("order_date", "date", required=True, aliases=("orderdatum", "date")),
                C(
                    "account_id",
                    "ref",
                    ref="accounts",
                    required=True,
                    aliases=("account", "customer"),
                ),
                # optional: a line without product counts for revenue, not for product groups
                C("product_id", "ref", ref="products", aliases=("product", "sku")),
                C("opportunity_id", "ref", ref="opportunities", aliases=("opportunity",)),
                C("quantity", "decimal", required=True, aliases=("aantal", "qty")),
                C("amount", "money", required=True, aliases=("bedrag", "revenue")),
                C("cost", "money", aliases=("kosten",)),
                CURRENCY,
                C("invoice_date", "date", aliases=("factuurdatum",)),
                C("paid_date", "date", aliases=("betaald op",)),
                C("original_id", "ref", ref="orders", aliases=("original",)),
                C("credited_to", "ref", ref="people", aliases=("salesperson", "verkoper")),
            ),
        ),
        Kind(
            "nps",
            "sales_npsresponse",
            ("external_id",),
            (
                EXT,
                C("account_id", "ref", ref="accounts", required=True, aliases=("account",)),
                C("person_id", "ref", ref="people", aliases=("person",)),
                C("contact_name", default=""),
                C("score", "int", required=True),
                C("comment", default="", aliases=("opmerking", "what should we improve")),
                C("responded_on", "date", required=True, aliases=("date", "datum")),
            ),
        ),
        Kind(
            "targets",
            "plan_target",
            ("kpi", "person_id", "month"),
            (
                C("kpi", "kpi", required=True, aliases=("measure",)),
                C(
                    "person_id",
                    "ref",
                    ref="people",
                    required=True,
                    aliases=("person", "salesperson", "verkoper"),
                ),
                C("month", "date", required=True, aliases=("maand", "period")),
                C("value", "decimal", required=True, aliases=("target", "doel", "quota")),
            ),
            rows=OVERALL,
        ),
        Kind(
            "unit-targets",
            "plan_target",
            ("kpi", "unit_id", "month"),
            (
                C("kpi", "kpi", required=True, aliases=("measure",)),
                C(
                    "unit_id",
                    "ref",
                    ref="units",
                    required=True,
                    aliases=("unit", "eenheid", "team"),
                ),
                C("month", "date", required=True, aliases=("maand", "period")),
                C("value", "decimal", required=True, aliases=("target", "doel", "quota")),
            ),
            rows=OVERALL,
        ),
        Kind(
            "operating-costs",
            "measure_operatingcost",
            ("unit_id", "month"),
            (
                C("unit_id", "ref", ref="units", required=True, aliases=("unit", "eenheid")),
                C("month", "date", required=True, aliases=("maand", "period")),
                C("amount", "money", required=True, aliases=("costs", "kosten", "bedrag")),
            ),
        ),
        Kind(
            "expenses",
            "measure_expense",
            ("external_id",),
            (
                EXT,
                C(
                    "person_id",
                    "ref",
                    ref="people",
                    required=True,
                    aliases=("person", "employee", "medewerker"),
                ),
                C("date", "date", required=True, aliases=("datum",)),
                C(
                    "category",
                    "choice",
                    default="other",
                    choices=("travel", "car", "meals", "phone", "training", "other"),
                    aliases=("type", "soort", "categorie"),
                ),
                C("description", default="", aliases=("omschrijving",)),
                C("amount", "money", required=True, aliases=("bedrag",)),
                CURRENCY,
            ),
        ),
        Kind(
            "exchange-rates",
            "sales_exchangerate",
            ("currency", "date"),
            (
                C("currency", "currency", required=True),
                C("date", "date", required=True),
                C("rate", "decimal", required=True, aliases=("koers",)),
            ),
        ),
    ]
}

# Reference-only kinds: looked up, never imported here.
STAGE_TABLE = "sales_stage"


def model_for_table(table: str):  # type: ignore[no-untyped-def]
    """The Django model stored in ``table``."""
    from django.apps import apps

    return next((m for m in apps.get_models() if m._meta.db_table == table), None)
