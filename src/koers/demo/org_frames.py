"""Demo organisation: units, people, logins, memberships, as frames with explicit ids."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from koers.demo import cast
from koers.engine.periods import add_months

GENERATED_PROFILES = ["hunter", "farmer", "mixed", "farmer", "mixed", "hunter", "farmer"]
SALARY = {
    "salesperson": (42000, 64000),
    "manager": (72000, 88000),
    "director": (145000, 145000),
    "compadmin": (58000, 58000),
    "admin": (61000, 61000),
    "marketing": (66000, 66000),
}


@dataclass
class Org:
    units: pl.DataFrame
    people: pl.DataFrame
    users: pl.DataFrame
    memberships: pl.DataFrame
    manager_links: pl.DataFrame = field(default_factory=pl.DataFrame)
    # Per salesperson, in one order: ids, team index, profile key, start date.
    rep_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rep_team: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rep_profile: list[str] = field(default_factory=list)
    rep_start: list[dt.date] = field(default_factory=list)
    rep_trained: list[bool] = field(default_factory=list)  # took the demo's training
    team_ids: list[int] = field(default_factory=list)
    team_country: list[str] = field(default_factory=list)
    team_center: list[tuple[float, float]] = field(default_factory=list)
    team_manager: list[int] = field(default_factory=list)


def _units(scale: int) -> tuple[list[dict], dict[str, int]]:
    rows: list[dict] = []
    ids: dict[str, int] = {}

    def add(code: str, name: str, kind: str, parent: str | None, country: str, team: bool) -> None:
        uid = len(rows) + 1
        parent_path = rows[ids[parent] - 1]["path"] if parent else ""
        ids[code] = uid
        rows.append(
            {
                "id": uid,
                "code": code,
                "name": name,
                "kind": kind,
                "parent_id": ids[parent] if parent else None,
                "path": f"{parent_path}{uid:06d}.",
                "country": country,
                "team_selling": team,
            }
        )

    add(cast.COMPANY[0], cast.COMPANY[1], "company", None, cast.COMPANY[2], False)
    for code, name, iso, _dso in cast.COUNTRIES:
        add(code, name, "country", "HQ", iso, False)
    for copy in range(scale):
        for code, name, country, team_selling, _c in cast.TEAMS:
            suffix = "" if copy == 0 else f"-{copy + 1}"
            label = name if copy == 0 else f"{name} {copy + 1}"
            add(
                code + suffix,
                label,
                "team",
                country,
                dict((c[0], c[2]) for c in cast.COUNTRIES)[country],
                team_selling,
            )
    return rows, ids


class _People:
    def __init__(self, today: dt.date, rng: np.random.Generator) -> None:
        self.today, self.rng = today, rng
        self.rows: list[dict] = []
        self.used_usernames: set[str] = set()
        self.names: set[tuple[str, str]] = set()

    def unique(self, first: str, index: int) -> tuple[str, str]:
        """A name nobody in the organisation has yet: the next surname in the list while
        the drawn one is taken, then an initial (no extra draw: the demo stays the same)."""
        names = cast.LAST_NAMES
        taken = self.names
        for step in range(len(names)):
            last = names[(index + step) % len(names)]
            if (first, last) not in taken:
                return first, last
        letter, number = "ABCDEFGHJKLMNPRSTVW", len(self.rows)
        while (f"{first} {letter[number % 19]}.", names[index]) in taken:
            number += 1
        return f"{first} {letter[number % 19]}.", names[index]

    def username(self, first: str, last: str) -> str:
        base = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        name, n = base, 2
        while name in self.used_usernames:
            name, n = f"{base}{n}", n + 1
        self.used_usernames.add(name)
        return name

    def add(
        self,
        *,
        first: str,
        last: str,
        role: str,
        unit: int,
        manager: int | None,
        title: str,
        focus: str,
        months: int,
        username: str | None = None,
    ) -> int:
        pid = len(self.rows) + 1
        low, high = SALARY[role]
        salary = int(self.rng.integers(low // 500, high // 500 + 1)) * 500
        username = username or self.username(first, last)
        self.used_usernames.add(username)
        self.names.add((first, last))
        start = add_months(self.today, -months).replace(day=1)
        self.rows.append(
            {
                "id": pid,
                "user_id": pid,
                "external_id": f"EMP-{pid:05d}",
                "first_name": first,
                "last_name": last,
                "email": f"{username}@vandijktechniek.example",
                "job_title": title,
                "role": role,
                "sales_focus": focus,
                "manager_id": manager,
                "unit_id": unit,
                "fte": "1.00" if self.rng.random() > 0.12 else "0.80",
                "start_date": start,
                "end_date": None,
                "base_salary": f"{salary}.00",
                "currency": "EUR",
                "show_on_leaderboard": bool(self.rng.random() > 0.1),
                "username": username,
            }
        )
        return pid

    def generated(self, role: str, unit: int, manager: int | None, title: str, focus: str) -> int:
        first = cast.FIRST_NAMES[int(self.rng.integers(len(cast.FIRST_NAMES)))]
        index = int(self.rng.integers(len(cast.LAST_NAMES)))
        first, last = self.unique(first, index)
        months = int(self.rng.integers(14, 130))
        return self.add(
            first=first,
            last=last,
            role=role,
            unit=unit,
            manager=manager,
            title=title,
            focus=focus,
            months=months,
        )


def build_org(today: dt.date, scale: int, rng: np.random.Generator, password_hash: str) -> Org:
    unit_rows, unit_ids = _units(scale)
    people = _People(today, rng)
    named = {p.username: p for p in cast.NAMED}

    def add_named(key: str, unit: int, manager: int | None) -> int:
        p = named[key]
        focus = cast.PROFILES[p.profile].focus if p.role == "salesperson" else "mixed"
        return people.add(
            first=p.first,
            last=p.last,
            role=p.role,
            unit=unit,
            manager=manager,
            title=p.title,
            focus=focus,
            months=p.months_employed,
            username=key,
        )

    director = add_named("director", unit_ids["HQ"], None)
    add_named("compadmin", unit_ids["HQ"], director)
    add_named("admin", unit_ids["HQ"], director)
    add_named("marketing", unit_ids["HQ"], director)
    country_manager: dict[str, int] = {}
    for code, name, _iso, _dso in cast.COUNTRIES:
        if code == "BE":
            country_manager[code] = add_named("pieter.peeters", unit_ids[code], director)
        else:
            country_manager[code] = people.generated(
                "manager", unit_ids[code], director, f"Country manager {name}", "mixed"
            )

    org = Org(pl.DataFrame(), pl.DataFrame(), pl.DataFrame(), pl.DataFrame())
    rep_ids, rep_team, rep_profile = [], [], []
    team_sizes = [5, 4, 5, 4, 5, 4, 5, 4]
    for copy in range(scale):
        for t, (code, name, country, _ts, center) in enumerate(cast.TEAMS):
            team_code = code if copy == 0 else f"{code}-{copy + 1}"
            team_unit = unit_ids[team_code]
            named_here = [p for p in cast.NAMED if p.unit == team_code and copy == 0]
            boss = next((p for p in named_here if p.role == "manager"), None)
            manager = (
                add_named(boss.username, team_unit, country_manager[country])
                if boss
                else people.generated(
                    "manager", team_unit, country_manager[country], f"Salesmanager {name}", "mixed"
                )
            )
            team_index = len(org.team_ids)
            org.team_ids.append(team_unit)
            org.team_country.append(country)
            org.team_center.append(center)
            org.team_manager.append(manager)
            reps = [p for p in named_here if p.role == "salesperson"]
            for p in reps:
                rep_ids.append(add_named(p.username, team_unit, manager))
                rep_profile.append(p.profile)
                org.rep_trained.append(p.username in cast.TRAINING_NAMED)
            for i in range(team_sizes[t] - len(reps)):
                profile = GENERATED_PROFILES[(team_index + i) % len(GENERATED_PROFILES)]
                rep_ids.append(
                    people.generated(
                        "salesperson",
                        team_unit,
                        manager,
                        "Accountmanager",
                        cast.PROFILES[profile].focus,
                    )
                )
                rep_profile.append(profile)
                org.rep_trained.append(copy == 0 and code in cast.TRAINING_TEAMS)
            rep_team.extend([team_index] * (len(rep_ids) - len(rep_team)))

    rows = people.rows
    org.rep_ids = np.array(rep_ids, dtype=np.int64)
    org.rep_team = np.array(rep_team, dtype=np.int64)
    org.rep_profile = rep_profile
    org.rep_start = [rows[i - 1]["start_date"] for i in rep_ids]
    org.units = pl.DataFrame(unit_rows)
    org.people = pl.DataFrame(
        [{k: v for k, v in r.items() if k != "username"} for r in rows], infer_schema_length=None
    )
    org.users = _users(rows, today, password_hash)
    org.memberships = _memberships(rows, unit_ids, today)
    org.manager_links = _manager_links(rows, unit_ids, today)
    return org


def _users(rows: list[dict], today: dt.date, password_hash: str) -> pl.DataFrame:
    joined = dt.datetime(today.year, today.month, 1, tzinfo=dt.UTC) - dt.timedelta(days=1)
    return pl.DataFrame(
        {
            "id": [r["id"] for r in rows],
            "password": password_hash,
            "last_login": None,
            "is_superuser": [r["role"] == "admin" for r in rows],
            "username": [r["username"] for r in rows],
            "first_name": [r["first_name"] for r in rows],
            "last_name": [r["last_name"] for r in rows],
            "email": [r["email"] for r in rows],
            "is_staff": [r["role"] == "admin" for r in rows],
            "is_active": True,
            "date_joined": joined,
        },
        schema_overrides={"last_login": pl.Datetime("us", "UTC")},
    )


def _memberships(rows: list[dict], unit_ids: dict[str, int], today: dt.date) -> pl.DataFrame:
    """One membership per person from their start; Eva de Wit moved from Noord-Nederland
    to the Randstad team eight months ago (effective-dated history)."""
    out = []
    moved_on = add_months(today, -8)
    for r in rows:
        if r["user_id"] and r["email"].startswith("eva.dewit@"):
            out.append(
                (r["id"], unit_ids["NL-NRD"], r["start_date"], moved_on - dt.timedelta(days=1))
            )
            out.append((r["id"], r["unit_id"], moved_on, None))
        else:
            out.append((r["id"], r["unit_id"], r["start_date"], None))
    return pl.DataFrame(
        {
            "id": list(range(1, len(out) + 1)),
            "person_id": [o[0] for o in out],
            "unit_id": [o[1] for o in out],
            "valid_from": [o[2] for o in out],
            "valid_to": [o[3] for o in out],
        },
        schema_overrides={"valid_to": pl.Date},
    )


def _manager_links(rows: list[dict], unit_ids: dict[str, int], today: dt.date) -> pl.DataFrame:
    """One reporting line per person from their start; Eva de Wit reported to the manager
    of Noord-Nederland until her move eight months ago."""
    out = []
    moved_on = add_months(today, -8)
    north = unit_ids["NL-NRD"]
    old_boss = next(
        (r["id"] for r in rows if r["role"] == "manager" and r["unit_id"] == north), None
    )
    for r in rows:
        if r["user_id"] and r["email"].startswith("eva.dewit@") and old_boss:
            out.append((r["id"], old_boss, r["start_date"], moved_on - dt.timedelta(days=1)))
            out.append((r["id"], r["manager_id"], moved_on, None))
        else:
            out.append((r["id"], r["manager_id"], r["start_date"], None))
    return pl.DataFrame(
        {
            "id": list(range(1, len(out) + 1)),
            "person_id": [o[0] for o in out],
            "manager_id": [o[1] for o in out],
            "valid_from": [o[2] for o in out],
            "valid_to": [o[3] for o in out],
        },
        schema_overrides={"manager_id": pl.Int64, "valid_to": pl.Date},
    )
