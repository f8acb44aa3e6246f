"""The demo's Steer phase: two completed feedback rounds a year apart, coaching histories
and a training trajectory whose effect shows in the figures, told along the demo's stories:
the struggler with good skills (Eva), the top performer whose peers fall back (Bas) and the
new hire (Noah)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.utils import timezone

from koers.engine.periods import add_months, month_start
from koers.org.models import OrgUnit, Person
from koers.sales.models import Account
from koers.steer.models import (
    CoachingAction,
    CoachingGoal,
    CoachingSession,
    Competency,
    FeedbackRequest,
    FeedbackRound,
    Participation,
    SkillRating,
    Trajectory,
    TrajectoryStep,
)

TEAMS = ("NL-RAN", "NL-NRD")
# a person's true level per competency, by the demo's stories; the rest sit around 3
STORY_LEVELS = {
    "bas.vermeulen": {
        "negotiation": 5,
        "product_knowledge": 4,
        "customer_focus": 3,
        "consultative_selling": 4,
        "prospecting": 5,
        "crm_discipline": 2,
    },
    "eva.dewit": {
        "negotiation": 4,
        "product_knowledge": 4,
        "customer_focus": 5,
        "consultative_selling": 4,
        "prospecting": 4,
        "crm_discipline": 4,
    },
    "noah.bakker": {
        "negotiation": 2,
        "product_knowledge": 2,
        "customer_focus": 3,
        "consultative_selling": 2,
        "prospecting": 3,
        "crm_discipline": 3,
    },
    "sanne.mulder": {"prospecting": 5, "customer_focus": 3, "crm_discipline": 3},
}
# how people see themselves: Bas above everyone's view, Eva below it
SELF_BIAS = {"bas.vermeulen": 1.2, "eva.dewit": -1.0, "noah.bakker": 0.6}
COMMENTS = {
    "bas.vermeulen": (
        "Sterke onderhandelaar, maar deelt weinig met het team.",
        "Zet deals snel neer.",
    ),
    "eva.dewit": (
        "Klanten zijn erg tevreden over haar advies.",
        "Neemt de tijd om de klant te begrijpen.",
    ),
    "noah.bakker": ("Leert snel; productkennis groeit nog.", "Vraagt goed door bij klanten."),
}


def _username(person: Person) -> str:
    return person.user.username if person.user_id else ""


def _score(rng: np.random.Generator, level: float) -> int:
    return int(np.clip(round(level + rng.normal(0, 0.6)), 1, 5))


def _round(
    *,
    name: str,
    owner: Person,
    closes_on: dt.date,
    competencies: list[Competency],
    subjects: list[Person],
    rng: np.random.Generator,
    trained: set[int],
    after_training: bool,
) -> FeedbackRound:
    round_ = FeedbackRound.objects.create(
        name=name, owner=owner, closes_on=closes_on, status=FeedbackRound.Status.CLOSED
    )
    round_.competencies.set(competencies)
    opened = timezone.make_aware(dt.datetime.combine(closes_on - dt.timedelta(days=21), dt.time(9)))
    FeedbackRound.objects.filter(pk=round_.pk).update(created_at=opened, opened_at=opened)
    answered = opened + dt.timedelta(days=7)
    ratings = []
    for subject in subjects:
        levels = STORY_LEVELS.get(_username(subject), {})
        peers = [p for p in subjects if p.unit_id == subject.unit_id and p.pk != subject.pk]
        raters = [("self", subject), ("manager", subject.manager)] + [("peer", p) for p in peers]
        requests = [
            FeedbackRequest(
                round=round_,
                subject=subject,
                source=source,
                rater=rater,
                invited_at=opened,
                answered_at=answered,
            )
            for source, rater in raters
            if rater is not None
        ]
        accounts = list(Account.objects.filter(owner=subject).order_by("pk")[:2])
        for k, account in enumerate(accounts):
            requests.append(
                FeedbackRequest(
                    round=round_,
                    subject=subject,
                    source="customer",
                    customer_name=f"Inkoper {account.name}"[:120],
                    customer_email=f"inkoop{k + 1}.{account.pk}@klant.example",
                    account=account,
                    invited_at=opened,
                    answered_at=answered,
                )
            )
        FeedbackRequest.objects.bulk_create(requests)
        for request in requests:
            bias = SELF_BIAS.get(_username(subject), 0.0) if request.source == "self" else 0.0
            comments = COMMENTS.get(_username(subject), ("", ""))
            for c in competencies:
                level = levels.get(c.code, 3.2) + bias
                if after_training and subject.pk in trained and c.code == "consultative_selling":
                    level += 1
                comment = ""
                if c.code == "customer_focus" and request.source in {"peer", "customer"}:
                    comment = comments[int(rng.integers(0, 2))]
                ratings.append(
                    SkillRating(
                        request=request, competency=c, score=_score(rng, level), comment=comment
                    )
                )
    SkillRating.objects.bulk_create(ratings)
    return round_


def _session(
    person: Person,
    coach: Person,
    held_on: dt.date,
    texts: tuple[str, str, str, str],
    actions: list[tuple[str, Person, dt.date, bool]],
    goal: CoachingGoal | None,
    today: dt.date,
) -> None:
    session = CoachingSession.objects.create(
        person=person,
        coach=coach,
        goal=goal,
        held_on=held_on,
        aim=texts[0],
        reality=texts[1],
        options=texts[2],
        will=texts[3],
    )
    CoachingAction.objects.bulk_create(
        CoachingAction(
            session=session,
            owner=owner,
            description=description,
            due_date=due,
            done_on=min(due, today) if done else None,
            follow_up="Gedaan en besproken." if done else "",
        )
        for description, owner, due, done in actions
    )


def _coaching(people: dict[str, Person], manager: Person, today: dt.date) -> None:
    this_month = month_start(today)
    eva, noah, bas = people["eva.dewit"], people["noah.bakker"], people["bas.vermeulen"]
    goal = CoachingGoal.objects.create(
        person=eva,
        coach=manager,
        description="Winratio naar 22% door kansen eerder te kwalificeren",
        kpi="win_rate",
        baseline=14.0,
        target_value=22.0,
        due_date=add_months(this_month, 3),
        competency=Competency.objects.filter(code="consultative_selling").first(),
    )
    _session(
        eva,
        manager,
        add_months(this_month, -2) + dt.timedelta(days=6),
        (
            "Begrijpen waarom zoveel offertes niet worden gewonnen.",
            "Klanten zijn tevreden, maar de helft van de offertes gaat naar kansen zonder budget.",
            "Eerder vragen naar budget en beslisser; minder offertes, betere.",
            "Bij elke nieuwe kans eerst de OSKA-vragen stellen.",
        ),
        [
            (
                "OSKA-vragen bij alle open kansen invullen",
                eva,
                this_month - dt.timedelta(days=20),
                True,
            )
        ],
        goal,
        today,
    )
    _session(
        eva,
        manager,
        add_months(this_month, -1) + dt.timedelta(days=8),
        (
            "Terugkijken: wat leverde het eerder kwalificeren op?",
            "Twee kansen afgevallen vóór de offerte; één grote gewonnen.",
            "Dezelfde aanpak op de drie grootste klanten.",
            "Cyclustijd per kans bijhouden en in het volgende gesprek bespreken.",
        ),
        [("Cyclustijd van de top-3 kansen bijhouden", eva, today + dt.timedelta(days=10), False)],
        goal,
        today,
    )
    noah_goal = CoachingGoal.objects.create(
        person=noah,
        coach=manager,
        description="Acht offertes per maand zelfstandig uitbrengen",
        kpi="quotes",
        baseline=4.0,
        target_value=8.0,
        due_date=add_months(this_month, 2),
        competency=Competency.objects.filter(code="product_knowledge").first(),
    )
    for back, texts in (
        (
            2,
            (
                "Wegwijs in het assortiment.",
                "Ken de pompen, nog niet de kleppen.",
                "Meelopen met Bas; online module kleppen.",
                "Module afronden en twee bezoeken met Bas.",
            ),
        ),
        (
            1,
            (
                "Zelfstandig offreren.",
                "Drie offertes alleen gemaakt, twee met hulp.",
                "Sjablonen gebruiken; vaste offertedag.",
                "Elke vrijdagochtend offertes maken.",
            ),
        ),
    ):
        _session(
            noah,
            manager,
            add_months(this_month, -back) + dt.timedelta(days=12),
            texts,
            [("Online module kleppen afronden", noah, add_months(this_month, 1 - back), back == 2)],
            noah_goal,
            today,
        )
    _session(
        bas,
        manager,
        add_months(this_month, -1) + dt.timedelta(days=15),
        (
            "Hoe kan jouw ervaring het team helpen?",
            "Ruim boven target; het team zakt terug en voelt zich overschaduwd.",
            "Noah meenemen naar klanten; een aanpak delen in het teamoverleg.",
            "Twee klantbezoeken samen met Noah deze maand.",
        ),
        [("Twee klantbezoeken samen met Noah", bas, today + dt.timedelta(days=14), False)],
        None,
        today,
    )


def _trajectory(owner: Person, participants: list[Person], today: dt.date) -> None:
    from koers.demo import cast

    this_month = month_start(today)
    start = add_months(this_month, -cast.TRAINING_START_BACK)
    end = add_months(this_month, -cast.TRAINING_END_BACK) + dt.timedelta(days=14)
    trajectory = Trajectory.objects.create(
        name="Consultatief verkopen",
        kpi="quotes",
        starts_on=start,
        ends_on=end,
        window_months=3,
        owner=owner,
    )
    trajectory.competencies.set(Competency.objects.filter(code="consultative_selling"))
    middle = add_months(start, 1)
    TrajectoryStep.objects.bulk_create(
        TrajectoryStep(trajectory=trajectory, kind=kind, title=title, starts_on=a, ends_on=b)
        for kind, title, a, b in (
            (
                "online",
                "E-learning: de behoefte achter de vraag",
                start,
                start + dt.timedelta(days=13),
            ),
            (
                "live",
                "Tweedaagse training met rollenspellen",
                start + dt.timedelta(days=20),
                start + dt.timedelta(days=21),
            ),
            ("coaching", "Meelopen en nabespreken met de manager", middle, add_months(middle, 1)),
            ("follow_up", "Terugkomdag en meting", end - dt.timedelta(days=1), end),
        )
    )
    Participation.objects.bulk_create(
        Participation(trajectory=trajectory, person=p, steps_done=4) for p in participants
    )


def load(today: dt.date, seed: int = 2026) -> int:
    """Write the demo's Steer records; returns the number of ratings."""
    from koers.demo import cast

    rng = np.random.default_rng(seed + 16)
    units = OrgUnit.objects.filter(code__in=TEAMS)
    team = list(
        Person.objects.filter(unit__in=units, role="salesperson")
        .select_related("user", "manager", "unit")
        .order_by("pk")
    )
    if not team:
        return 0
    people = {_username(p): p for p in team}
    director = Person.objects.filter(role="director").order_by("pk").first()
    owner = director or team[0].manager
    competencies = list(Competency.objects.filter(default=True))
    trained = {
        p.pk
        for p in team
        if _username(p) in cast.TRAINING_NAMED or p.unit.code in cast.TRAINING_TEAMS
    }
    this_month = month_start(today)
    first_start = add_months(this_month, -12)
    before = [p for p in team if p.start_date is None or p.start_date < first_start]
    _round(
        name=f"360° najaar {first_start.year}",
        owner=owner,
        closes_on=first_start + dt.timedelta(days=24),
        competencies=competencies,
        subjects=before,
        rng=rng,
        trained=trained,
        after_training=False,
    )
    _round(
        name=f"360° najaar {this_month.year}",
        owner=owner,
        closes_on=add_months(this_month, -1) + dt.timedelta(days=24),
        competencies=competencies,
        subjects=team,
        rng=rng,
        trained=trained,
        after_training=True,
    )
    if {"eva.dewit", "noah.bakker", "bas.vermeulen"} <= set(people):
        _coaching(people, people["eva.dewit"].manager or owner, today)
    _trajectory(owner, [p for p in team if p.pk in trained], today)
    return SkillRating.objects.count()
