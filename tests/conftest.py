"""The named cast every test can use.

Van Test B.V. (company)
└── Nederland (country)
    ├── Team Noord: manager Mia; salespeople Ruud and Rosa
    └── Team Zuid:  manager Max; salesperson Rik
Director Dirk, compensation administrator Cora and administrator Ada sit at the company.
Otto is an outsider: a login without a person, who must see nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from koers.api.services import token_create
from koers.measure.models import OperatingCost
from koers.org.models import OrgUnit, Person
from koers.sales import models as sm
from koers.sales.funnel import ensure_default_funnel
from koers.sales.services import opportunity_save, order_line_save
from tests.factories import (
    AccountFactory,
    PersonFactory,
    ProductFactory,
    UnitFactory,
    UserFactory,
)

TODAY = dt.date(2026, 11, 23)
# The cast's records are dated around TODAY, so every test runs on that day (at noon in
# Amsterdam) unless it travels elsewhere itself: the suite passes whatever the real date.
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))

# Timings never decide a test: no deadlines for property tests on a busy machine.
hypothesis_settings.register_profile(
    "koers", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# `make mutate` runs the tests once per mutant: fewer examples each, the same properties
hypothesis_settings.register_profile(
    "mutation", parent=hypothesis_settings.get_profile("koers"), max_examples=20
)
# `make fuzz` runs the differential and re-run properties with many more examples
hypothesis_settings.register_profile(
    "fuzz", parent=hypothesis_settings.get_profile("koers"), max_examples=2_000
)
hypothesis_settings.load_profile(os.environ.get("KOERS_HYPOTHESIS_PROFILE", "koers"))
FUZZ = os.environ.get("KOERS_HYPOTHESIS_PROFILE") == "fuzz"


def examples(suite: int, fuzz: int) -> int:
    """How many examples a costly property tries: a few in `make test`, many in `make fuzz`."""
    return fuzz if FUZZ else suite


@pytest.fixture(autouse=True)
def _frozen_clock():
    """The clock stands on TODAY and ticks on from there, so timeouts still pass."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Computed pages are cached by scope and facts version; ids repeat between tests."""
    from django.core.cache import cache

    from koers.sales.currency import BASIS_KEY

    cache.clear()
    # the test database's amounts are in euros (sales.CurrencyBasis, read once a process in
    # use): known here too, so a test of a filter alone needs no database
    cache.set(BASIS_KEY, "EUR", None)
    # no organisation set up (koers.org.setup): the settings hold, as on the test database
    from koers.org import setup

    cache.set(setup.KEY, setup.NONE, None)
    cache.set(setup.NEW_KEY, False, None)  # a test of a new installation says so


@pytest.fixture(autouse=True)
def _english():
    """Each test starts in English; a request for another language must not leak on."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Tests create many logins; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _jobs_inline(settings):
    """Background jobs run at once in the test (a test of the worker threads or of Celery
    turns this off): the test's transaction is never committed, so a job handed to a
    thread at the commit would never start."""
    settings.KOERS_JOBS_INLINE = True


@dataclass
class Cast:
    company: OrgUnit
    country: OrgUnit
    noord: OrgUnit
    zuid: OrgUnit
    dirk: Person
    cora: Person
    ada: Person
    mia: Person
    max: Person
    ruud: Person
    rosa: Person
    rik: Person
    otto: Any
    stages: dict[str, sm.Stage]
    accounts: dict[str, sm.Account]
    opportunities: dict[str, sm.Opportunity]
    lines: dict[str, sm.OrderLine]
    product: sm.Product
    mark: Any = None  # marketing: only with the ``marketer`` fixture

    def user(self, name: str):
        return self.otto if name == "otto" else getattr(self, name).user


def _person(username: str, unit: OrgUnit, role: str, manager: Person | None = None) -> Person:
    from koers.org.services import person_save

    person = PersonFactory.build(
        user=UserFactory(username=username),
        first_name=username.capitalize(),
        unit=unit,
        role=role,
        manager=manager,
    )
    if role == "admin":
        person.user.is_superuser = person.user.is_staff = True
        person.user.save()
    return person_save(person=person, by=None, on=dt.date(2024, 1, 1))


def default_process() -> dict[str, sm.Stage]:
    """The default funnel, as the migrations create it."""
    ensure_default_funnel(sm.SalesProcess, sm.Stage, sm.CloseReason)
    return {stage.code: stage for stage in sm.Stage.objects.filter(process__is_default=True)}


@pytest.fixture
def funnel(db) -> dict[str, sm.Stage]:
    """The default funnel, also after a transactional test flushed the migration's rows."""
    return default_process()


@pytest.fixture
def cast(db) -> Cast:
    # the migration's currency basis, also after a transactional test flushed it
    if not sm.CurrencyBasis.objects.exists():
        sm.CurrencyBasis.objects.create(currency="EUR")
    company = UnitFactory(code="HQ", name="Van Test B.V.", kind="company")
    country = UnitFactory(code="NL", name="Nederland", kind="country", parent=company)
    noord = UnitFactory(code="NOORD", name="Team Noord", parent=country)
    zuid = UnitFactory(code="ZUID", name="Team Zuid", parent=country)
    dirk = _person("dirk", company, "director")
    cora = _person("cora", company, "compadmin", dirk)
    ada = _person("ada", company, "admin", dirk)
    mia = _person("mia", noord, "manager", dirk)
    max_ = _person("max", zuid, "manager", dirk)
    ruud = _person("ruud", noord, "salesperson", mia)
    rosa = _person("rosa", noord, "salesperson", mia)
    rik = _person("rik", zuid, "salesperson", max_)
    otto = UserFactory(username="otto")
    stages = default_process()
    accounts = {
        "ruud": AccountFactory(name="Ruud's Pompen", owner=ruud),
        "rosa": AccountFactory(name="Rosa's Kleppen", owner=rosa),
        "rik": AccountFactory(name="Rik's Bouw", owner=rik),
    }
    product = ProductFactory()
    opportunities = {}
    lines = {}
    for name, person in [("ruud", ruud), ("rosa", rosa), ("rik", rik)]:
        opportunities[name] = opportunity_save(
            opportunity=sm.Opportunity(
                name=f"Deal {name}",
                account=accounts[name],
                owner=person,
                stage=stages["prospect"],
                amount=Decimal("10000.00"),
                currency="EUR",
                created_on=dt.date(2026, 10, 1),
                expected_close_date=dt.date(2026, 12, 15),
                source="sales",
            ),
            by=None,
            on=dt.date(2026, 10, 1),
        )
        lines[name] = order_line_save(
            line=sm.OrderLine(
                order_number=f"SO-{name}",
                order_date=dt.date(2026, 11, 2),
                account=accounts[name],
                product=product,
                quantity=Decimal("10"),
                amount=Decimal("1000.00"),
                cost=Decimal("700.00"),
                currency="EUR",
            ),
            by=None,
            credits=[(person, Decimal("100"))],
        )
    for name, person in [("ruud", ruud), ("rik", rik)]:
        sm.NpsResponse.objects.create(
            account=accounts[name], person=person, score=9, responded_on=dt.date(2026, 11, 5)
        )
        sm.Activity.objects.create(
            kind="visit", date=dt.date(2026, 11, 3), owner=person, account=accounts[name]
        )
        sm.Lead.objects.create(
            company_name=f"Lead {name}",
            source="sales",
            owner=person,
            created_on=dt.date(2026, 11, 1),
        )
    territory = sm.Territory.objects.create(code="T-NOORD", name="Rayon Noord", unit=noord)
    sm.TerritoryPerson.objects.create(
        territory=territory, person=ruud, valid_from=dt.date(2024, 1, 1)
    )
    fair = sm.Campaign.objects.create(
        name="Vakbeurs 2026",
        kind="trade_fair",
        channel="Beurs",
        start_date=dt.date(2026, 9, 1),
        stand_m2=Decimal("24"),
        staff_days=Decimal("6"),
    )
    sm.CampaignCost.objects.create(
        campaign=fair,
        date=dt.date(2026, 9, 1),
        description="Stand",
        amount=Decimal("2400.00"),
        currency="EUR",
    )
    sm.LeadTouch.objects.create(
        lead=sm.Lead.objects.get(company_name="Lead ruud"), campaign=fair, date=dt.date(2026, 10, 1)
    )
    sm.ExchangeRate.objects.create(currency="USD", date=dt.date(2026, 11, 1), rate=Decimal("0.92"))
    OperatingCost.objects.create(unit=noord, month=dt.date(2026, 11, 1), amount=Decimal("400.00"))
    return Cast(
        company,
        country,
        noord,
        zuid,
        dirk,
        cora,
        ada,
        mia,
        max_,
        ruud,
        rosa,
        rik,
        otto,
        stages,
        accounts,
        opportunities,
        lines,
        product,
    )


def sale(
    cast: Cast,
    person: Person,
    number: str,
    day: dt.date,
    amount: str,
    *,
    account: sm.Account | None = None,
    product: sm.Product | None = None,
    quantity: str = "1",
    cost: str | None = None,
) -> sm.OrderLine:
    """An order line credited in full to ``person`` (on their own account unless named)."""
    line = sm.OrderLine(
        order_number=number,
        order_date=day,
        account=account or cast.accounts.get(person.user.username) or cast.accounts["rik"],
        product=product or cast.product,
        quantity=Decimal(quantity),
        amount=Decimal(amount),
        cost=None if cost is None else Decimal(cost),
        currency="EUR",
    )
    return order_line_save(line=line, by=None, credits=[(person, Decimal("100"))])


@pytest.fixture
def login(client):
    """Log the test client in as one of the cast: ``login(cast.user("ruud"))``."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def marketer(cast) -> Cast:
    """The cast with Mark, marketing (reports to Dirk): campaigns, leads and their
    returns, no pay and no individual targets."""
    cast.mark = _person("mark", cast.company, "marketing", cast.dirk)
    return cast


@pytest.fixture
def rewarded(cast):
    """One record of every kind of reward record: a plan with a draw, a goal, a month
    calculated with an adjustment and a hold."""
    import datetime as dt
    from decimal import Decimal

    from koers.reward.models import Badge, Goal, Plan, PlanAssignment, PointRule
    from koers.reward.services import run_month
    from koers.reward.services.payouts import add_adjustment, place_hold
    from tests.reward.test_calc import DOCUMENT

    nov = dt.date(2026, 11, 1)
    plan = Plan.objects.create(code="rep", name="Rep", status="active", document=DOCUMENT)
    PlanAssignment.objects.create(
        person=cast.ruud,
        plan=plan,
        valid_from=dt.date(2026, 1, 1),
        target_incentive=Decimal("6000"),
        draw_kind="recoverable",
        draw_amount=Decimal("100"),
    )
    Goal.objects.create(
        person=cast.ruud,
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 12, 31),
        description="Certified in pumps",
        score=Decimal("80"),
    )
    PointRule.objects.create(kpi="visits", points=1, per=1)
    Badge.objects.create(code="b", name_en="B", name_nl="B", kpi="visits", threshold=1)
    from koers.plan.models import (
        AccountPlan,
        AnnualPlan,
        IndividualPlan,
        Initiative,
        LongTermPlan,
        Target,
    )

    Target.objects.create(kpi="revenue", person=cast.ruud, month=nov, value=Decimal("2000"))
    strategy = LongTermPlan.objects.create(
        unit=cast.company, title="Koers 2030", first_year=2026, last_year=2030, ambition="Groei"
    )
    annual = AnnualPlan.objects.create(long_term=strategy, unit=cast.noord, year=2026)
    Initiative.objects.create(
        annual=annual, title="Beurs", owner=cast.ruud, due_date=dt.date(2026, 12, 1)
    )
    IndividualPlan.objects.create(person=cast.ruud, year=2026, annual=annual)
    AccountPlan.objects.create(
        account=cast.accounts["ruud"],
        year=2026,
        objectives="Tweede productlijn",
        expected_revenue=Decimal("5000"),
    )
    run_month(nov, by=None)
    add_adjustment(person=cast.ruud, month=nov, amount=Decimal("10"), reason="Fix", by=None)
    place_hold(person=cast.ruud, month=nov, reason="Check", by=None)
    from koers.measure.models import Expense

    Expense.objects.create(
        person=cast.ruud,
        date=dt.date(2026, 10, 15),
        category="travel",
        description="Klantbezoek Zwolle",
        amount=Decimal("56.40"),
        currency="EUR",
    )
    return cast


def on_plan(document: str, *people: Person, target_incentive: str = "0", **plan: Any):
    """An active plan from ``document`` (its code and name read from it unless given) with
    ``people`` on it from 1 January 2026."""
    import datetime as dt
    from decimal import Decimal

    from koers.reward.documents import parse_plan
    from koers.reward.models import Plan, PlanAssignment

    spec = parse_plan(document)
    made = Plan.objects.create(
        code=plan.pop("code", spec.code),
        name=plan.pop("name", spec.name or spec.code),
        status="active",
        document=document,
        **plan,
    )
    for person in people:
        PlanAssignment.objects.create(
            person=person,
            plan=made,
            valid_from=dt.date(2026, 1, 1),
            target_incentive=Decimal(target_incentive),
        )
    return made


@pytest.fixture
def token(cast):
    """A personal token for one of the cast: ``token("ruud")`` gives request headers."""

    def _headers(name: str) -> dict[str, str]:
        _record, raw = token_create(user=cast.user(name), name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return _headers


# --- Every API operation runs: parallel workers must not drop schemathesis cases. ---
_API_CASE = "tests/api/test_schemathesis.py::test_api_conforms_to_its_schema["
_api_cases: dict[str, set[str]] = {"seen": set(), "passed": set()}


def pytest_runtest_logreport(report):
    if _API_CASE in report.nodeid and report.when == "call":
        _api_cases["seen"].add(report.nodeid)
        if report.passed:
            _api_cases["passed"].add(report.nodeid)


def _api_operation_count() -> int:
    from koers.api.routes import api

    methods = {"get", "post", "put", "patch", "delete"}
    return sum(len(methods & set(ops)) for ops in api.get_openapi_schema()["paths"].values())


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput") or not _api_cases["seen"]:
        return  # a worker, or a run that did not select the API cases
    if session.config.option.keyword:
        return  # `-k` chose some cases on purpose
    expected, passed = _api_operation_count(), len(_api_cases["passed"])
    session.config._koers_api_cases = (passed, expected)
    if passed < expected and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counted = getattr(config, "_koers_api_cases", None)
    if counted:
        passed, expected = counted
        verdict = "" if passed >= expected else " -- FEWER THAN THE DOCUMENT HAS: failing the run"
        terminalreporter.write_line(
            f"schemathesis: {passed} of {expected} API operations ran and passed{verdict}"
        )


def open_round(cast: Cast, total: str | int = 150_000, *, unit: Any = None, year: int = 2027):
    """A revenue round of ``year`` for ``unit`` (the company), divided by FTE and open for
    bottom-up numbers, as the director opens it."""
    from koers.plan.services import round_open, round_propose

    target_round = round_propose(
        year=year,
        kpi="revenue",
        unit=unit or cast.company,
        total=Decimal(total),
        method="fte",
        by=cast.user("dirk"),
    )
    return round_open(target_round, by=cast.user("dirk"))


def all_frozen(table: str) -> bool:
    """Is every page of ``table`` marked all-frozen in PostgreSQL's visibility map (as a
    ``COPY FREEZE`` or a vacuum leaves it)? Read with the ``pg_visibility`` extension,
    created for the test's transaction; the test is skipped where it is not installed or
    may not be created."""
    from django.db import DatabaseError, connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_visibility'")
        if not cursor.fetchone():
            pytest.skip("PostgreSQL's pg_visibility extension is not installed")
        try:
            with transaction.atomic():  # needs a superuser
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_visibility")
        except DatabaseError:
            pytest.skip("PostgreSQL's pg_visibility extension may not be created here")
        cursor.execute(
            "SELECT all_frozen, pg_relation_size(%s::regclass) / "
            "current_setting('block_size')::int FROM pg_visibility_map_summary(%s::regclass)",
            [f'"{table}"', f'"{table}"'],
        )
        frozen, pages = cursor.fetchone()
    return pages > 0 and frozen == pages


def reader_session(lock_timeout: str = "2s"):  # type: ignore[no-untyped-def]
    """Another session on the test database (PostgreSQL), in autocommit, that gives up on
    a lock after ``lock_timeout``: a reader beside a writer's open transaction."""
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    reader = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        autocommit=True,
    )
    reader.execute(f"SET lock_timeout = '{lock_timeout}'")
    return reader
