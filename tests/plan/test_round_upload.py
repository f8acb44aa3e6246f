"""Numbers for an open round from a spreadsheet, under the round's rules: all or nothing,
each problem named."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from koers.measure.services import kpi_facts_refresh
from koers.plan.models import TargetProposal, TargetRound
from koers.plan.services import round_open, round_propose


@pytest.fixture
def open_round(cast):
    kpi_facts_refresh(start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 30))
    made = round_propose(
        year=2027,
        kpi="revenue",
        unit=cast.noord,
        total=Decimal("90000"),
        method="fte",
        by=cast.user("dirk"),
    )
    round_open(made, by=cast.user("dirk"))
    return cast, made


def _upload(client, target_round, text: str):
    return client.post(
        reverse("plan_round", args=[target_round.pk]),
        {"action": "upload", "file": SimpleUploadedFile("n.csv", text.encode())},
        HTTP_ACCEPT_LANGUAGE="nl",
    )


def _agreed(target_round) -> dict[str, Decimal | None]:
    return {
        p.person.first_name: p.agreed
        for p in TargetProposal.objects.filter(round=target_round).select_related("person")
    }


def test_a_manager_uploads_agreed_numbers_in_dutch(open_round, login):
    cast, target_round = open_round
    text = "persoon;afgesproken;opmerking\nRuud Tester;31.500,00;groei\nRosa Tester;29.000;\n"
    answer = _upload(login(cast.user("mia")), target_round, text)
    assert answer.status_code == 302
    assert _agreed(target_round) == {
        "Ruud": Decimal("31500.00"),
        "Rosa": Decimal("29000.00"),
        "Mia": None,
    }


def test_one_refused_row_refuses_the_file(open_round, login):
    cast, target_round = open_round
    text = "person;agreed\nRuud Tester;31.500\nRik Tester;1.000\nMia Tester;5\nRosa Tester;x\n"
    body = _upload(login(cast.user("mia")), target_round, text).content.decode()
    assert "Rij 3: “Rik Tester” zit niet in deze ronde of is niet aan jou." in body
    assert "Rij 4" in body  # her own number is not hers to agree
    assert "Rij 5: “x” is geen bedrag." in body
    assert all(v is None for v in _agreed(target_round).values())  # nothing written


def test_a_salesperson_uploads_only_their_own_bottom_up_number(open_round, login):
    cast, target_round = open_round
    ruud = login(cast.user("ruud"))
    _upload(ruud, target_round, "person,bottom_up,substantiation\nRuud Tester,33000,pipeline\n")
    mine = TargetProposal.objects.get(round=target_round, person=cast.ruud)
    assert mine.bottom_up == Decimal("33000.00")
    _upload(ruud, target_round, "person,agreed\nRuud Tester,1\n")
    mine.refresh_from_db()
    assert mine.agreed is None
    assert TargetRound.objects.get().status == TargetRound.Status.OPEN


def test_an_upload_never_tells_who_is_in_the_round(open_round, login):
    """Ruud may set only his own number: a colleague in the round (Rosa) and someone outside
    it (Rik, of Zuid) get the same words, so the upload reveals no membership."""
    cast, target_round = open_round
    text = "person;bottom_up\nRosa Tester;1\nRik Tester;1\n"
    body = _upload(login(cast.user("ruud")), target_round, text).content.decode()
    assert "Rij 2: “Rosa Tester” zit niet in deze ronde of is niet aan jou." in body
    assert "Rij 3: “Rik Tester” zit niet in deze ronde of is niet aan jou." in body


def test_a_spreadsheet_bomb_uploaded_to_a_round_is_refused_with_a_message(open_round, login):
    from tests.imports.test_upload_budget import BOMBS

    cast, target_round = open_round
    response = login(cast.user("ruud")).post(
        reverse("plan_round", args=[target_round.pk]),
        {"action": "upload", "file": SimpleUploadedFile("n.xlsx", BOMBS["10 M empty rows"]())},
    )
    assert response.status_code in {200, 400}
    assert "unpacks to more than" in response.content.decode()
    assert TargetProposal.objects.filter(round=target_round, bottom_up__isnull=False).count() == 0
