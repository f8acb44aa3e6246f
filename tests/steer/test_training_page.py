"""The training page's form: participants are picked by name from the sellers the planner
sees (no checkbox per seller), the chosen ones stay shown after a refused form, and a
seller out of sight is refused whatever the form sends."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from koers.kit.widgets import LookupMultipleWidget
from koers.org.models import Person
from koers.steer.models import Trajectory
from tests.factories import PersonFactory

STEPS = {
    "online_title": "Modules",
    "online_from": "2026-12-01",
    "online_until": "2026-12-07",
    "live_title": "Training day",
    "live_from": "2026-12-08",
    "live_until": "2026-12-08",
    "coaching_title": "On the job",
    "coaching_from": "2026-12-09",
    "coaching_until": "2027-01-15",
    "follow_up_title": "Follow-up",
    "follow_up_from": "2027-01-16",
    "follow_up_until": "2027-01-31",
}


def _form(**extra):
    return {"name": "Consultative selling", "kpi": "visits", "window_months": "3", **STEPS, **extra}


def test_the_form_has_a_picker_not_a_checkbox_per_seller(cast, login):
    for i in range(30):
        PersonFactory(first_name=f"Seller{i}", unit=cast.noord, manager=cast.mia)
    page = login(cast.user("mia")).get(reverse("steer_trajectories")).content.decode()
    assert 'type="checkbox" name="participants"' not in page
    assert 'data-lookup-many="id_participants_chosen"' in page
    assert reverse("steer_participant_lookup") in page
    assert "Seller7" not in page  # suggested when typed, not written out on every view


def test_suggestions_are_the_sellers_the_planner_sees(cast, login):
    client = login(cast.user("mia"))
    url = reverse("steer_participant_lookup")
    mine = client.get(url, {"q": ""}).content.decode()
    assert f"#{cast.ruud.pk}" in mine and f"#{cast.rosa.pk}" in mine
    assert f"#{cast.rik.pk}" not in mine  # Max's team
    one = client.get(url, {"q": f"{cast.rosa.first_name} {cast.rosa.last_name}"}).content.decode()
    assert re.findall(r"#(\d+)", one) == [str(cast.rosa.pk)]
    everyone = login(cast.user("dirk")).get(url, {"q": cast.rik.first_name}).content.decode()
    assert f"#{cast.rik.pk}" in everyone


def test_a_seller_may_not_look_up_participants(cast, login):
    assert login(cast.user("ruud")).get(reverse("steer_participant_lookup")).status_code == 403


def test_planning_with_two_picked_participants(cast, login):
    client = login(cast.user("mia"))
    data = _form(participants=[cast.ruud.pk, cast.rosa.pk])
    response = client.post(reverse("steer_trajectories"), data)
    trajectory = Trajectory.objects.get(name="Consultative selling")
    assert response.status_code == 302
    assert response.url == reverse("steer_trajectory", args=[trajectory.pk])
    taking_part = set(trajectory.taking_part.values_list("person_id", flat=True))
    assert taking_part == {cast.ruud.pk, cast.rosa.pk}


def test_a_refused_form_keeps_the_chosen_participants(cast, login):
    client = login(cast.user("mia"))
    response = client.post(
        reverse("steer_trajectories"), _form(name="", participants=[cast.rosa.pk])
    )
    page = response.content.decode()
    assert not Trajectory.objects.exists()
    assert f'name="participants" value="{cast.rosa.pk}"' in page
    assert str(cast.rosa) in page


@pytest.mark.parametrize("outsider", ["rik", "dirk", "left"])
def test_a_participant_out_of_sight_or_gone_is_refused(cast, login, outsider):
    client = login(cast.user("mia"))
    if outsider == "left":
        person = PersonFactory(first_name="Gone", unit=cast.noord, manager=cast.mia)
        person.end_date = dt.date(2026, 1, 31)
        person.save()
    else:
        person = getattr(cast, outsider)
    client.post(reverse("steer_trajectories"), _form(participants=[cast.ruud.pk, person.pk]))
    assert not Trajectory.objects.exists()


def test_no_participant_is_refused(cast, login):
    response = login(cast.user("mia")).post(reverse("steer_trajectories"), _form())
    assert response.status_code == 200 and not Trajectory.objects.exists()


def test_the_picker_shows_each_chosen_record_once_and_escapes_it(cast):
    cast.rosa.first_name = "<b>Rosa</b>"
    cast.rosa.save()
    widget = LookupMultipleWidget(url="/lookup/", queryset=Person.objects.all())
    html = widget.render(
        "participants", [str(cast.rosa.pk), cast.rosa.pk, "x", "999999", cast.ruud]
    )
    assert html.count(' name="participants"') == 2
    assert "<b>Rosa</b>" not in html and "&lt;b&gt;Rosa&lt;/b&gt;" in html
    assert f'value="{cast.ruud.pk}"' in html
    assert widget.value_from_datadict({"participants": "3"}, {}, "participants") == "3"
