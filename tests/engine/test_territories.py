"""Territory design: a deliberately unbalanced team is made strictly fairer, every account
stays assigned exactly once, and a fair team is left alone."""

from __future__ import annotations

import pytest

from koers.engine.territories import Account, Person, design, imbalance

PEOPLE = [Person(1, 1.0), Person(2, 1.0), Person(3, 1.0)]


def _unbalanced() -> list[Account]:
    # person 1 has 24 accounts, persons 2 and 3 three each; positions in two clusters
    accounts = []
    for i in range(30):
        owner = 1 if i < 24 else (2 if i < 27 else 3)
        lat = 52.0 + (i % 5) * 0.05 if i % 2 else 51.5 + (i % 5) * 0.05
        accounts.append(
            Account(
                i,
                hours=20 + i % 3,
                potential=1000 * (1 + i % 4),
                lat=lat,
                lon=5.0 + (i % 3) * 0.1,
                person=owner,
            )
        )
    return accounts


def test_an_unbalanced_team_is_made_strictly_fairer():
    accounts = _unbalanced()
    result = design(accounts, PEOPLE, seconds=4)
    assert result.imbalance_after < result.imbalance_before
    assert result.imbalance_after < 0.1
    assert sorted(result.assignment) == [a.id for a in accounts]  # every account, once
    assert set(result.assignment.values()) <= {1, 2, 3}
    now = {a.id: a.person for a in accounts}
    assert set(result.moved) == {a for a, p in result.assignment.items() if now[a] != p}


def test_a_fair_team_keeps_its_accounts():
    accounts = [Account(i, 10, 100, None, None, 1 + i % 3) for i in range(9)]
    result = design(accounts, PEOPLE, seconds=5)
    assert result.moved == ()
    assert result.imbalance_after == pytest.approx(0)


def test_a_part_timer_gets_a_part_share():
    people = [Person(1, 1.0), Person(2, 0.5)]
    accounts = [Account(i, 10, 0, None, None, 1) for i in range(12)]
    result = design(accounts, people, seconds=5)
    loads = {p.id: sum(10 for a, q in result.assignment.items() if q == p.id) for p in people}
    assert loads == {1: 80, 2: 40}
    assert imbalance(accounts, people, result.assignment) == pytest.approx(0)
