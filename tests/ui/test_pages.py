"""Every page renders for every role; hot pages keep a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from koers.ui.entities import ENTITIES
from koers.ui.navigation import SECTIONS

ROLES = ["ruud", "mia", "dirk", "cora", "ada", "otto"]
LISTS = [slug for slug, e in ENTITIES.items() if e.phase != "hidden"]


@pytest.mark.parametrize("who", ROLES)
def test_home_sections_and_lists_render_for_every_role(cast, login, who):
    client = login(cast.user(who))
    urls = [reverse("home")] + [reverse("section", args=[k]) for k in SECTIONS]
    urls += [reverse("entity_list", args=[slug]) for slug in LISTS]
    for url in urls:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("slug", LISTS)
def test_detail_pages_render_for_the_director(rewarded, login, slug):
    cast = rewarded
    client = login(cast.user("dirk"))
    obj = ENTITIES[slug].model.objects.first()
    assert client.get(reverse("entity_detail", args=[slug, obj.pk])).status_code == 200


def test_filters_search_and_sort(cast, login):
    client = login(cast.user("dirk"))
    url = reverse("entity_list", args=["opportunities"])
    body = client.get(url, {"q": "rosa"}).content.decode()
    assert "Deal rosa" in body and "Deal ruud" not in body
    body = client.get(url, {"owner": cast.rik.pk}).content.decode()
    assert "Deal rik" in body and "Deal rosa" not in body


def test_a_filter_on_people_or_campaigns_is_a_record_picker(cast, login):
    """A list's filter on a kind that runs into thousands (people, campaigns, accounts)
    is searched for, not a select of every record: its search box is kept out of the
    list's own search and the form, and suggests only the records the user may see."""
    client = login(cast.user("mia"))
    url = reverse("entity_list", args=["opportunities"])
    body = client.get(url).content.decode()
    form = body.split('class="filters"', 1)[1].split("</form>", 1)[0]
    assert '<select name="owner"' not in form
    assert 'type="hidden" name="owner" id="id_owner"' in form
    assert 'name="find" form="no-form"' in form and form.count('name="q"') == 1
    lookup = reverse("entity_lookup", args=["people"])
    suggested = client.get(lookup, {"find": "R"}).content.decode()
    assert f"#{cast.ruud.pk}" in suggested and f"#{cast.rik.pk}" not in suggested  # Max's
    chosen = client.get(url, {"owner": cast.ruud.pk}).content.decode()
    assert "Deal ruud" in chosen and "Deal rosa" not in chosen
    assert f'value="{cast.ruud} #{cast.ruud.pk}"' in html.unescape(chosen)


def test_a_list_links_only_the_records_the_reader_may_open(cast, login):
    """Mia's unit names the country above it, which she may not open: its name without a
    link; the people of her team are links. Looked up for the page's rows only."""
    client = login(cast.user("mia"))
    units = client.get(reverse("entity_list", args=["units"])).content.decode()
    country = reverse("entity_detail", args=["units", cast.noord.parent_id])
    assert str(cast.noord.parent) in units and country not in units
    deals = client.get(reverse("entity_list", args=["opportunities"])).content.decode()
    assert reverse("entity_detail", args=["people", cast.ruud.pk]) in deals


def _names(body: str) -> list[str]:
    """The first column of the list's rows, in order."""
    table = body.split('data-testid="entity-table"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>\s*<td><a href=\"[^\"]+\">([^<]+)</a>", table)


def _link(body: str, text: str) -> str:
    """The href of the link whose text starts with ``text``, as the browser would follow it."""
    href = re.search(r'<a href="([^"]*)"[^>]*>\s*' + re.escape(text), body).group(1)
    return html.unescape(href)


def test_a_column_header_sorts_the_list_both_ways(cast, login):
    from decimal import Decimal

    for name, amount in [("rik", "5000"), ("rosa", "20000")]:
        cast.opportunities[name].amount = Decimal(amount)
        cast.opportunities[name].save()
    client = login(cast.user("dirk"))
    url = reverse("entity_list", args=["opportunities"])
    header = _link(client.get(url).content.decode(), "Amount")
    assert header.startswith("?") and not header.startswith("??")
    assert _names(client.get(url + header).content.decode()) == [
        "Deal rik",
        "Deal ruud",
        "Deal rosa",
    ]
    descending = client.get(url, {"sort": "-amount"}).content.decode()
    assert _names(descending) == ["Deal rosa", "Deal ruud", "Deal rik"]
    # an unknown column falls back to the list's own order, without an error
    fallback = client.get(url, {"sort": "not_a_field; drop"})
    assert fallback.status_code == 200
    assert sorted(_names(fallback.content.decode())) == ["Deal rik", "Deal rosa", "Deal ruud"]


def test_next_and_previous_walk_through_every_page(cast, login):
    from tests.factories import AccountFactory

    AccountFactory.create_batch(60, owner=cast.rik)
    client = login(cast.user("dirk"))
    url = reverse("entity_list", args=["accounts"])
    first = client.get(url, {"sort": "name"}).content.decode()
    assert "Page 1 of 2" in first and "Previous" not in first
    second = client.get(url + _link(first, "Next")).content.decode()
    assert "Page 2 of 2" in second
    seen = _names(first) + _names(second)
    assert len(_names(first)) == 50 and len(seen) == 63 == len(set(seen))
    assert seen == sorted(seen, key=str.casefold) or seen == sorted(seen)
    back = client.get(url + _link(second, "‹ Previous")).content.decode()
    assert _names(back) == _names(first)


def test_htmx_request_gets_only_the_results_partial(cast, login):
    client = login(cast.user("dirk"))
    response = client.get(reverse("entity_list", args=["accounts"]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="results"' in body and "<html" not in body


def _more_rows(cast, slug: str, n: int) -> None:
    """``n`` more records of the list's kind for Ruud, each with its own related rows."""
    import datetime as dt
    from decimal import Decimal

    from koers.sales import models as sm
    from koers.sales.services import opportunity_save
    from tests.conftest import sale
    from tests.factories import AccountFactory

    for i in range(n):
        account = AccountFactory(name=f"Extra {i}", owner=cast.ruud)
        if slug == "opportunities":
            deal = sm.Opportunity(
                name=f"Extra deal {i}",
                account=account,
                owner=cast.ruud,
                stage=cast.stages["prospect"],
                amount=Decimal("100"),
                currency="EUR",
                created_on=dt.date(2026, 11, 1),
                expected_close_date=dt.date(2026, 12, 1),
                source="sales",
            )
            opportunity_save(opportunity=deal, by=None, splits=[(cast.ruud, 50), (cast.rosa, 50)])
        elif slug == "orders":
            sale(cast, cast.ruud, f"SO-E{i}", dt.date(2026, 11, 2), "100", account=account)
        elif slug == "activities":
            sm.Activity.objects.create(
                kind="visit", date=dt.date(2026, 11, 3), owner=cast.ruud, account=account
            )


@pytest.mark.parametrize("slug", ["accounts", "opportunities", "orders", "activities", "people"])
def test_list_pages_query_count_does_not_grow_with_rows(cast, login, slug):
    client = login(cast.user("mia"))
    url = reverse("entity_list", args=[slug])
    client.get(url)  # the first request also sets up the session

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    _more_rows(cast, slug, 8)
    assert count() == few <= 12


def test_home_query_count_is_fixed(cast, login, monkeypatch):
    # the first view (figures computed, to-do and cycle read) in a fixed number of
    # queries, the same with many more numbers in a round and feedback requests
    from koers.steer.models import FeedbackRequest, FeedbackRound
    from tests.conftest import open_round

    client = login(cast.user("mia"))
    client.get(reverse("section", args=["plan"]))  # the session set up
    monkeypatch.setattr("koers.ui.dashboards.memo", lambda _n, _u, _p, compute: compute())

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("home")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    open_round(cast, 1000)
    feedback = FeedbackRound.objects.create(
        name="360", owner=cast.mia, closes_on=dt.date(2026, 12, 1), status="open"
    )
    for rater in (cast.ruud, cast.rosa, cast.rik):
        FeedbackRequest.objects.create(
            round=feedback, subject=cast.ruud, source="peer", rater=rater
        )
    assert count() <= few + 4  # the round's and the feedback's own queries, not per row
    assert few <= 40


def test_audit_trail_is_for_the_oversight_roles(cast, login):
    assert login(cast.user("cora")).get(reverse("audit_log")).status_code == 200
    assert login(cast.user("ruud")).get(reverse("audit_log")).status_code == 403  # not the login


def test_people_list_checks_pay_once_not_per_person(cast, login):
    """A manager's people list and export decide pay visibility in one query, however
    many people are listed."""
    from tests.factories import PersonFactory

    client = login(cast.user("mia"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("entity_list", args=["people"]))
    PersonFactory.create_batch(5, unit=cast.noord)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("entity_list", args=["people"]))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_no_list_or_export_shows_python_none(rewarded, login):
    """A missing value is shown as "–" or left empty, never as Python's "None"."""
    client = login(rewarded.user("ada"))
    for slug in LISTS:
        page = client.get(reverse("entity_list", args=[slug])).content.decode()
        assert ">None<" not in page and '">None' not in page, slug
        export = b"".join(client.get(reverse("entity_export_csv", args=[slug])).streaming_content)
        assert b"None" not in export, slug


def test_the_pay_and_system_roles_get_their_own_desk_first(rewarded, login):
    from koers.reward.models import Inquiry

    Inquiry.objects.create(
        person=rewarded.ruud,
        month=dt.date(2026, 11, 1),
        component="commission",
        period_start=dt.date(2026, 11, 1),
        reason="other",
        message="?",
        due_on=dt.date(2026, 11, 20),
    )
    cora = login(rewarded.user("cora")).get(reverse("home")).content.decode()
    assert 'data-testid="pay-desk"' in cora and 'data-testid="admin-desk"' not in cora
    assert cora.index("pay-desk") < cora.index('data-testid="tiles"')
    assert 'data-testid="open-run"' in cora and "1 past its answer date" in cora
    assert "Ruud Tester" in cora.split('data-testid="desk-holds"')[1].split("</a>")[0]
    ada = login(rewarded.user("ada")).get(reverse("home")).content.decode()
    assert 'data-testid="admin-desk"' in ada and 'data-testid="desk-imports"' in ada
    dirk = login(rewarded.user("dirk")).get(reverse("home")).content.decode()
    assert "pay-desk" not in dirk and "admin-desk" not in dirk


def test_labels_keep_their_abbreviations(cast, login):
    """A label's first letter is raised and nothing else lowered: “NPS responses”, never
    “Nps responses”, in the navigation and on the list's own page."""
    from django.utils import translation

    nps = next(e for e in ENTITIES.values() if e.model._meta.model_name == "npsresponse")
    with translation.override("en"):
        assert nps.label == "NPS responses"
    page = login(cast.user("dirk")).get("/data/nps/").content.decode()
    assert "NPS responses" in page and "Nps responses" not in page


@pytest.mark.parametrize("who", ["ruud", "mia", "dirk", "cora", "ada"])
def test_each_role_has_a_menu_of_its_work_and_every_item_opens(cast, login, who):
    from koers.ui.navigation import navigation_for

    nav = navigation_for(cast.user(who), "/")
    labels = {str(i.label) for s in nav for i in s.items}
    count = sum(len(s.items) for s in nav)
    assert count <= {"ruud": 27, "mia": 43, "dirk": 46, "cora": 34, "ada": 59}[who]
    if who == "ruud":  # nothing that is empty or not his to change
        assert not labels & {
            "Sales-force size",
            "Operating costs",
            "Exchange rates",
            "Calculation runs",
            "Payouts",
            "Audit trail",
        }
        assert {"My statement", "Driver model", "Forecast calls"} <= labels
    if who == "cora":  # pay, not the sales cycle's planning
        assert "Calculation runs" in labels and "Driver model" not in labels
    client = login(cast.user(who))
    for item in (i for s in nav for i in s.items):
        if item.url.startswith("/admin/"):
            continue
        assert client.get(item.url, follow=True).status_code == 200, (who, item.url)


def test_one_dutch_word_for_targets_and_another_for_goals(cast, login):
    from django.utils import translation

    from koers.ui.navigation import navigation_for

    with translation.override("nl"):
        nav = navigation_for(cast.user("dirk"), "/")
        labels = {str(i.label) for s in nav for i in s.items}
    assert {"Targets", "Targetrondes", "MBO-doelen"} <= labels
    assert "Doelen" not in labels


def test_who_names_a_login_or_a_person_as_people_know_them(cast):
    from koers.kit.templatetags.koers import who

    assert who(cast.user("mia")) == str(cast.mia)  # the person behind the login
    assert who(cast.mia) == str(cast.mia)  # a person already
    assert who(cast.otto) == "otto"  # a login without a person: its login name
    assert who(None) == "–"
