"""360-degree feedback: rounds, invitations, anonymity, the customer's link and who may do
what."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from koers.org.models import Person
from koers.steer import feedback
from koers.steer.models import Competency, FeedbackRequest, FeedbackRound, SkillRating
from koers.steer.views import AnswerForm
from tests.conftest import NOW
from tests.factories import PersonFactory

CLOSES = dt.date(2026, 12, 20)


@pytest.fixture
def competencies(db):
    from koers.steer.defaults import ensure_defaults
    from koers.steer.models import RoleRequirement

    ensure_defaults(Competency, RoleRequirement)
    return list(Competency.objects.filter(code__in=["negotiation", "prospecting"]))


@pytest.fixture
def team(cast):
    """Mia's unit Noord with five sellers: Ruud, Rosa and three more."""
    extra = [
        PersonFactory(first_name=n, last_name="Noord", unit=cast.noord, manager=cast.mia)
        for n in ("Nina", "Noor", "Niels")
    ]
    for p in extra:
        p.email = f"{p.first_name.lower()}@example.com"
        p.save()
    return [cast.ruud, cast.rosa, *extra]


@pytest.fixture
def round_(cast, competencies, team):
    created = feedback.round_create(
        name="Autumn 2026", closes_on=CLOSES, competencies=competencies, by=cast.user("mia")
    )
    feedback.round_add_subjects(round_=created, subjects=[cast.ruud], by=cast.user("mia"))
    return created


def _answer(request: FeedbackRequest, score: int, comment: str = "") -> None:
    scores = {c.pk: (score, comment) for c in request.round.competencies.all()}
    feedback.feedback_answer(request=request, scores=scores, by=None)


def _open(round_: FeedbackRound) -> None:
    feedback.round_open(round_=round_, by=None)


def test_a_round_asks_self_manager_and_the_units_colleagues(cast, round_, team):
    asked = {(r.source, r.rater_id) for r in round_.requests.all()}
    assert ("self", cast.ruud.pk) in asked and ("manager", cast.mia.pk) in asked
    peers = {pid for source, pid in asked if source == "peer"}
    # Mia is Ruud's manager, not his peer; Rik works in another unit
    assert peers == {p.pk for p in team if p != cast.ruud}


def test_opening_sends_invitations_and_a_reminder_goes_only_to_who_has_not_answered(
    cast, round_, django_capture_on_commit_callbacks
):
    for person in (cast.ruud, cast.mia):
        person.email = f"{person.first_name.lower()}@example.com"
        person.save()
    customer = feedback.round_add_customer(
        round_=round_, subject=cast.ruud, name="Klaas", email="klaas@klant.nl", by=cast.user("mia")
    )
    with django_capture_on_commit_callbacks(execute=True):
        feedback.round_open(round_=round_, by=cast.user("mia"))
    assert round_.status == "open"
    sent = {m.to[0]: m for m in mail.outbox}
    assert "klaas@klant.nl" in sent and "mia@example.com" in sent and "ruud@example.com" in sent
    assert "/feedback/" in sent["klaas@klant.nl"].body  # the customer's signed link
    assert "/steer/feedback/answer/" in sent["mia@example.com"].body
    assert "Ruud" in sent["klaas@klant.nl"].subject
    _answer(FeedbackRequest.objects.get(round=round_, rater=cast.mia), 3)
    _answer(customer, 4)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        feedback.round_remind(round_=round_, by=cast.user("mia"))
    reminded = {m.to[0] for m in mail.outbox}
    assert "mia@example.com" not in reminded and "klaas@klant.nl" not in reminded
    assert "ruud@example.com" in reminded
    assert all(m.subject.startswith("Reminder") for m in mail.outbox)


def _matrix_text(client, round_, source="peer") -> str:
    response = client.get(reverse("steer_matrix") + f"?round={round_.pk}&source={source}")
    assert response.status_code == 200
    return response.content.decode()


def test_two_peers_show_nothing_three_show_an_average_once_the_round_closes(cast, round_, login):
    _open(round_)
    peers = list(round_.requests.filter(source="peer").order_by("pk"))
    _answer(peers[0], 2, "Gives discount too soon")
    _answer(peers[1], 4, "Strong closer")
    client = login(cast.user("mia"))
    text = _matrix_text(client, round_)
    assert "2 peers" in text and 'data-value="3.0"' not in text
    skills_page = client.get(reverse("steer_person", args=[cast.ruud.pk])).content.decode()
    assert "Strong closer" not in skills_page  # two peers' comments would give them away
    _answer(peers[2], 3, "Listens well")
    text = _matrix_text(client, round_)
    assert "3 peers" in text and 'data-value="3.0"' not in text  # the round is still open
    feedback.round_close(round_=round_, by=cast.user("mia"))
    text = _matrix_text(client, round_)
    assert 'data-value="3.0"' in text and "peers</span>" not in text
    skills_page = client.get(reverse("steer_person", args=[cast.ruud.pk])).content.decode()
    assert "Strong closer" in skills_page
    for peer in peers[:3]:
        assert str(peer.rater) not in skills_page  # never named


def test_a_fourth_peers_score_cannot_be_read_off_a_moving_average(cast, round_, login):
    """Three peers at 3.0, then a fourth: while the round is open nothing a manager, the
    subject or the API shows moves, so the difference gives no one's score away."""
    _open(round_)
    peers = list(round_.requests.filter(source="peer").order_by("pk"))
    for peer in peers[:3]:
        _answer(peer, 3, "Fine")
    client = login(cast.user("mia"))
    api = f"/api/v1/steer/matrix?round_id={round_.pk}&source=peer"
    combined = f"/api/v1/steer/matrix?round_id={round_.pk}&source=combined"
    before = (
        _matrix_text(client, round_),
        client.get(api).json(),
        client.get(combined).json(),
        client.get(reverse("steer_person", args=[cast.ruud.pk])).content.decode(),
    )
    _answer(peers[3], 2, "Slow")
    after_api = client.get(api).json()
    assert all(c["value"] is None and c["hidden"] for c in after_api["rows"][0]["cells"])
    assert client.get(combined).json() == before[2]
    page = client.get(reverse("steer_person", args=[cast.ruud.pk])).content.decode()
    assert "Slow" not in page and "2.75" not in page and "2,75" not in page
    feedback.round_close(round_=round_, by=cast.user("mia"))
    shown = client.get(api).json()["rows"][0]["cells"]
    assert {c["value"] for c in shown} == {2.75}


def test_the_owner_sees_how_many_peers_answered_never_which(cast, round_, login):
    _open(round_)
    peers = list(round_.requests.filter(source="peer").order_by("pk"))
    _answer(peers[0], 3)
    page = login(cast.user("mia")).get(reverse("steer_round", args=[round_.pk])).content.decode()
    assert "1/4" in page
    for peer in peers:
        assert f">{peer.rater}<" not in page and f"{peer.rater}," not in page


def test_the_combined_score_leaves_self_out_and_marks_a_blind_spot(cast, round_, login):
    _open(round_)
    _answer(FeedbackRequest.objects.get(round=round_, source="self"), 5)
    _answer(FeedbackRequest.objects.get(round=round_, source="manager"), 2)
    text = _matrix_text(login(cast.user("mia")), round_, "combined")
    assert 'data-value="2.0"' in text and "↑" in text
    # a salesperson's matrix holds their own row only
    _answer(FeedbackRequest.objects.get(round=round_, rater=cast.rosa), 3)
    feedback.round_add_subjects(round_=round_, subjects=[cast.rosa], by=None)
    _open(round_)
    _answer(FeedbackRequest.objects.get(round=round_, subject=cast.rosa, source="self"), 4)
    text = _matrix_text(login(cast.user("rosa")), round_, "combined")
    assert f'data-person="{cast.rosa.pk}"' in text and f'data-person="{cast.ruud.pk}"' not in text


# --- the customer's link ------------------------------------------------------------


@pytest.fixture
def customer(cast, round_):
    request = feedback.round_add_customer(
        round_=round_, subject=cast.ruud, name="Klaas", email="klaas@klant.nl", by=None
    )
    _open(round_)
    return request


def _post_answers(client, url: str, request: FeedbackRequest, score: int = 4):
    data = {}
    for c in request.round.competencies.all():
        data[f"score_{c.pk}"] = str(score)
        data[f"comment_{c.pk}"] = "Fijne samenwerking"
    return client.post(url, data)


def test_the_customer_answers_once_through_the_link_and_sees_nothing_else(client, cast, customer):
    url = reverse("customer_feedback", args=[feedback.customer_token(customer)])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ruud" in text and "Klaas" in text
    # nothing but the form: no navigation, no link to anywhere, nobody else's name
    assert "mainnav" not in text and "<a " not in text
    for other in Person.objects.exclude(pk=cast.ruud.pk):
        assert other.last_name not in text or other.last_name == cast.ruud.last_name
    assert page["Referrer-Policy"] == "same-origin"
    assert "_auth_user_id" not in client.session  # no login came with it
    done = _post_answers(client, url, customer)
    assert done.status_code == 200 and 'data-testid="thanks"' in done.content.decode()
    assert SkillRating.objects.filter(request=customer).count() == 2
    # used: the same link opens no form and takes no second answer
    again = client.get(url)
    assert again.status_code == 410 and "has been used" in again.content.decode()
    assert _post_answers(client, url, customer, 1).status_code == 410
    assert set(SkillRating.objects.filter(request=customer).values_list("score", flat=True)) == {4}
    # and the rest of Koers still wants a login
    assert client.get(reverse("steer_matrix")).status_code == 302


def test_an_expired_link_is_refused(client, customer):
    url = reverse("customer_feedback", args=[feedback.customer_token(customer)])
    with time_machine.travel(NOW + dt.timedelta(days=31), tick=False):
        response = client.get(url)
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert not SkillRating.objects.exists()


def test_a_tampered_link_is_refused(client, cast, customer, round_):
    token = feedback.customer_token(customer)
    body, _sep, signature = token.rpartition(":")
    for bad in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature changed
        signing.dumps({"r": customer.pk, "n": "0" * 32}, salt=feedback.SALT),  # nonce guessed
        signing.dumps({"r": customer.pk, "n": str(customer.nonce)}, salt="other"),  # other key
        "nonsense",
    ):
        response = client.get(reverse("customer_feedback", args=[bad]))
        assert response.status_code == 410, bad
        assert "not valid" in response.content.decode()
    # a valid link for a colleague's request (not a customer's) opens nothing either
    internal = round_.requests.get(source="manager")
    forged = signing.dumps({"r": internal.pk, "n": str(internal.nonce)}, salt=feedback.SALT)
    assert client.get(reverse("customer_feedback", args=[forged])).status_code == 410


def test_a_link_stops_when_the_round_closes(client, customer, round_):
    url = reverse("customer_feedback", args=[feedback.customer_token(customer)])
    feedback.round_close(round_=round_, by=None)
    response = client.get(url)
    assert response.status_code == 410 and "closed" in response.content.decode()


def test_a_customer_is_not_asked_about_the_crm_and_may_not_know(client, cast, round_):
    crm = Competency.objects.get(code="crm_discipline")
    round_.competencies.add(crm)
    request = feedback.round_add_customer(
        round_=round_, subject=cast.ruud, name="Klaas", email="klaas@klant.nl", by=None
    )
    _open(round_)
    url = reverse("customer_feedback", args=[feedback.customer_token(request)])
    text = client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Klantinzicht en CRM" not in text and "Weet ik niet" in text
    negotiation, prospecting = (
        Competency.objects.get(code=c) for c in ("negotiation", "prospecting")
    )
    answers = {
        f"score_{negotiation.pk}": "4",
        f"comment_{negotiation.pk}": "",
        f"score_{prospecting.pk}": str(feedback.DONT_KNOW),
        f"comment_{prospecting.pk}": "",
    }
    done = client.post(url, answers)
    assert done.status_code == 200 and 'data-testid="thanks"' in done.content.decode()
    stored = SkillRating.objects.filter(request=request)
    assert list(stored.values_list("competency__code", "score")) == [("negotiation", 4)]


def test_a_colleague_rates_every_competency_and_has_no_dont_know(cast, round_):
    internal = round_.requests.get(source="manager")
    _open(round_)
    scores = {c.pk: (feedback.DONT_KNOW, "") for c in round_.competencies.all()}
    with pytest.raises(ValidationError, match="Rate every competency"):
        feedback.feedback_answer(request=internal, scores=scores, by=None)


def test_a_dutch_customer_reads_dutch(client, customer):
    url = reverse("customer_feedback", args=[feedback.customer_token(customer)])
    text = client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Onderhandelen" in text and "Verstuur mijn antwoorden" in text


# --- who may do what --------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("dirk", True),
        ("ada", True),
        ("mia", True),
        ("max", True),
        ("cora", False),
        ("ruud", False),
        ("otto", False),
    ],
)
def test_who_may_create_a_round(cast, competencies, who, allowed):
    create = lambda: feedback.round_create(  # noqa: E731
        name="R", closes_on=CLOSES, competencies=competencies, by=cast.user(who)
    )
    if allowed:
        assert create().pk
    else:
        with pytest.raises(PermissionDenied):
            create()
        assert not FeedbackRound.objects.exists()


def test_a_manager_asks_feedback_only_on_their_own_people(cast, competencies):
    round_ = feedback.round_create(
        name="R", closes_on=CLOSES, competencies=competencies, by=cast.user("mia")
    )
    with pytest.raises(PermissionDenied):
        feedback.round_add_subjects(round_=round_, subjects=[cast.rik], by=cast.user("mia"))
    with pytest.raises(PermissionDenied):  # another manager may not change Mia's round
        feedback.round_add_subjects(round_=round_, subjects=[cast.rik], by=cast.user("max"))
    assert not round_.requests.exists()


def test_nobody_answers_for_someone_else_or_twice(cast, round_, login):
    _open(round_)
    mine = FeedbackRequest.objects.get(round=round_, rater=cast.mia)
    scores = {c.pk: (3, "") for c in round_.competencies.all()}
    with pytest.raises(PermissionDenied):
        feedback.feedback_answer(request=mine, scores=scores, by=cast.user("rosa"))
    # through the page, another rater's request is not found
    assert login(cast.user("rosa")).get(reverse("steer_answer", args=[mine.pk])).status_code == 404
    # nor a customer's (no rater) by a login without a person
    customer = feedback.round_add_customer(
        round_=round_, subject=cast.ruud, name="K", email="k@x.nl", by=None
    )
    otto = login(cast.user("otto"))
    assert otto.get(reverse("steer_answer", args=[customer.pk])).status_code == 404
    feedback.feedback_answer(request=mine, scores=scores, by=cast.user("mia"))
    with pytest.raises(ValidationError):
        feedback.feedback_answer(request=mine, scores=scores, by=cast.user("mia"))
    assert SkillRating.objects.filter(request=mine).count() == 2


def test_a_partial_answer_or_a_score_off_the_scale_changes_nothing(cast, round_, login):
    _open(round_)
    mine = FeedbackRequest.objects.get(round=round_, rater=cast.mia)
    first = round_.competencies.first()
    with pytest.raises(ValidationError):
        feedback.feedback_answer(request=mine, scores={first.pk: (3, "")}, by=None)
    client = login(cast.user("mia"))
    data = {f"score_{c.pk}": "9" for c in round_.competencies.all()}
    response = client.post(reverse("steer_answer", args=[mine.pk]), data)
    assert response.status_code == 200 and not SkillRating.objects.exists()
    mine.refresh_from_db()
    assert mine.answered_at is None


def test_a_manager_walks_a_round_through_the_pages(cast, competencies, team, login):
    client = login(cast.user("mia"))
    response = client.post(
        reverse("steer_rounds"),
        {
            "name": "Winter",
            "closes_on": "2026-12-31",
            "competencies": [c.pk for c in competencies],
        },
    )
    round_ = FeedbackRound.objects.get(name="Winter")
    assert response.status_code == 302 and round_.owner == cast.mia
    url = reverse("steer_round", args=[round_.pk])
    client.post(url, {"action": "subjects", "subjects": [cast.ruud.pk, cast.rosa.pk]})
    client.post(
        url, {"action": "customer", "subject": cast.ruud.pk, "name": "K", "email": "k@x.nl"}
    )
    client.post(url, {"action": "open"})
    round_.refresh_from_db()
    assert round_.status == "open" and round_.requests.filter(source="customer").count() == 1
    # a salesperson may look at the round they are rated in but change nothing
    rosa = login(cast.user("rosa"))
    assert rosa.get(url).status_code == 200
    assert rosa.post(url, {"action": "close"}).status_code == 403
    assert rosa.post(reverse("steer_rounds"), {"name": "X"}).status_code == 403
    # and one outside it finds nothing
    assert login(cast.user("rik")).get(url).status_code == 404


def test_the_answer_form_shows_each_levels_behaviour(competencies):
    form = AnswerForm(competencies=competencies)
    labels = [label for _v, label in form.fields[f"score_{competencies[0].pk}"].choices]
    assert labels[0].startswith("1 – ") and len(labels) == 5


def test_the_api_matrix_keeps_two_peers_hidden(cast, round_, login):
    _open(round_)
    for peer in list(round_.requests.filter(source="peer").order_by("pk"))[:2]:
        _answer(peer, 4)
    data = login(cast.user("mia")).get(f"/api/v1/steer/matrix?round_id={round_.pk}&source=peer")
    (row,) = data.json()["rows"]
    assert row["person_id"] == cast.ruud.pk
    assert all(c["hidden"] and c["value"] is None and c["raters"] == 2 for c in row["cells"])
    # a salesperson's API matrix holds nobody else
    rows = login(cast.user("rosa")).get(f"/api/v1/steer/matrix?round_id={round_.pk}").json()
    assert rows["rows"] == []


def test_nobody_reviews_themselves(cast, competencies, team):
    """A manager added herself as a subject of her own round, then a "customer" about
    herself at an address of her own."""
    mine = feedback.round_create(
        name="Mine", closes_on=CLOSES, competencies=competencies, by=cast.user("mia")
    )
    with pytest.raises(PermissionDenied, match="Nobody reviews themselves"):
        feedback.round_add_subjects(round_=mine, subjects=[cast.mia], by=cast.user("mia"))
    with pytest.raises(PermissionDenied, match="Nobody reviews themselves"):
        feedback.round_add_customer(
            round_=mine, subject=cast.mia, name="Me", email="mia@klant.nl", by=cast.user("mia")
        )
    # the director may not put the round's owner on her own round either
    with pytest.raises(PermissionDenied, match="Nobody reviews themselves"):
        feedback.round_add_subjects(round_=mine, subjects=[cast.mia], by=cast.user("dirk"))
    assert not FeedbackRequest.objects.filter(round=mine).exists()


def test_a_customer_is_someone_outside_the_organisation(cast, round_, team):
    cast.mia.email = "mia@example.com"
    cast.mia.save()
    with pytest.raises(ValidationError, match="belongs to someone in the organisation"):
        feedback.round_add_customer(
            round_=round_, subject=cast.ruud, name="Klant", email="MIA@example.com",
            by=cast.user("mia"),
        )  # fmt: skip
