"""Background jobs: handed to a worker, carried out once, all or nothing, with progress."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from koers.core.progress import report
from koers.jobs import runners
from koers.jobs.execution import execute, progress_of, worker_name
from koers.jobs.models import Job
from koers.jobs.registry import KINDS, Outcome, job
from koers.jobs.services import submit
from koers.org.models import OrgUnit

pytestmark = pytest.mark.django_db


@job("test.rename", "Renaming a unit")
def _rename(args, by):
    unit = OrgUnit.objects.get(pk=args["unit"])
    unit.name = args["name"]
    unit.save()
    report(0.5, "half way")
    if args.get("fail") == "refused":
        raise ValidationError("The name is taken.")
    if args.get("fail") == "crash":
        raise RuntimeError("disk full")
    return Outcome(f"Renamed to {unit.name}", "/data/units/")


def test_a_job_runs_and_says_how_it_ended(cast):
    done = submit(
        "test.rename", args={"unit": cast.noord.pk, "name": "Noordoost"}, by=cast.user("ada")
    )
    assert (done.status, done.summary, done.attempts) == ("done", "Renamed to Noordoost", 1)
    assert done.by == cast.user("ada") and done.args["language"] == "en"
    assert progress_of(done) == (1.0, "")
    cast.noord.refresh_from_db()
    assert cast.noord.name == "Noordoost"


@pytest.mark.parametrize("fail", ["refused", "crash"])
def test_a_failed_job_applies_nothing_and_says_why(cast, fail, caplog):
    failed = submit(
        "test.rename", args={"unit": cast.noord.pk, "name": "X", "fail": fail}, by=cast.user("ada")
    )
    assert failed.status == "failed" and failed.finished_at is not None
    if fail == "refused":
        assert failed.message == "The name is taken."
    else:  # the user reads where to look, not a traceback; the log has it
        assert f"job {failed.pk}" in failed.message and "disk full" not in failed.message
        assert "disk full" in caplog.text
    cast.noord.refresh_from_db()
    assert cast.noord.name == "Team Noord"


def test_the_same_work_asked_twice_is_one_job(cast, settings, monkeypatch):
    settings.KOERS_JOBS_INLINE = False
    sent = []
    monkeypatch.setattr(runners, "_local", lambda job_id: sent.append(job_id))
    args = {"unit": cast.noord.pk, "name": "N"}
    first = submit("test.rename", args=args, by=cast.user("ada"), key="unit:noord")
    second = submit("test.rename", args=args, by=cast.user("cora"), key="unit:noord")
    other = submit("test.rename", args=args, by=cast.user("ada"), key="unit:zuid")
    assert first.pk == second.pk != other.pk
    assert first.status == "queued" and first.worker == worker_name("local")


def test_a_job_is_never_applied_twice(cast):
    done = submit("test.rename", args={"unit": cast.noord.pk, "name": "Once"}, by=None)
    cast.noord.name = "Changed since"
    cast.noord.save()
    assert execute(done.pk, worker="celery:x:1") is None  # delivered again
    cast.noord.refresh_from_db()
    assert cast.noord.name == "Changed since"


def test_a_killed_workers_job_is_tried_once_more_then_given_up(cast, settings, monkeypatch):
    settings.KOERS_JOBS_INLINE = False
    dead = "local:{host}:999999999".format(host=worker_name("x").split(":")[1])
    args = {"unit": cast.noord.pk, "name": "Again"}
    once = Job.objects.create(
        kind="test.rename", key="a", args=args, status="running", attempts=1, worker=dead
    )
    twice = Job.objects.create(
        kind="test.rename", key="b", args=args, status="running", attempts=2, worker=dead
    )
    alive = Job.objects.create(
        kind="test.rename",
        key="c",
        args=args,
        status="running",
        attempts=1,
        worker=worker_name("local"),
    )
    ran = []
    monkeypatch.setattr(runners, "_local", lambda job_id: ran.append(execute(job_id, worker="t")))
    assert sorted(runners.recover()) == [once.pk, twice.pk]
    once.refresh_from_db(), twice.refresh_from_db(), alive.refresh_from_db()
    assert (once.status, once.attempts) == ("done", 2)
    assert twice.status == "failed" and "twice" in twice.message
    assert alive.status == "running"  # its process still works on it


def test_progress_is_seen_while_the_work_runs(cast):
    seen = []

    @job("test.watch", "Watching")
    def _watch(args, by):
        report(0.4, "step two")
        seen.append(progress_of(Job.objects.get(kind="test.watch")))
        return Outcome("ok")

    try:
        submit("test.watch", args={}, by=None)
    finally:
        KINDS.pop("test.watch")
    assert seen == [(0.4, "step two")]
    assert cache.get(f"koers:job:{Job.objects.get(kind='test.watch').pk}:progress") is None


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_thread_of_the_server_does_the_work(cast, settings):
    settings.KOERS_JOBS_INLINE = False
    settings.CELERY_BROKER_URL = ""
    queued = submit("test.rename", args={"unit": cast.zuid.pk, "name": "Zuidwest"}, by=None)
    runners.wait(queued.pk, timeout=60)
    queued.refresh_from_db()
    assert (queued.status, queued.worker) == ("done", worker_name("local"))
    cast.zuid.refresh_from_db()
    assert cast.zuid.name == "Zuidwest"


def test_the_job_pages_show_each_role_its_own(cast, login):
    mine = submit("test.rename", args={"unit": cast.noord.pk, "name": "N2"}, by=cast.user("mia"))
    office = submit("test.rename", args={"unit": cast.zuid.pk, "name": "Z2"}, by=cast.user("cora"))
    mia = login(cast.user("mia"))
    assert mia.get(f"/jobs/{mine.pk}/").status_code == 200
    assert mia.get(f"/jobs/{office.pk}/").status_code == 404
    listed = mia.get("/jobs/").content.decode()
    assert "Renamed to N2" in listed and "Renamed to Z2" not in listed
    dirk = login(cast.user("dirk"))
    assert "Renamed to Z2" in dirk.get("/jobs/").content.decode()
    # the polled panel sends the browser on to the result once done
    panel = dirk.get(f"/jobs/{office.pk}/progress/?follow=1", HTTP_HX_REQUEST="true")
    assert panel["HX-Redirect"] == "/data/units/"
    assert "HX-Redirect" not in dirk.get(f"/jobs/{office.pk}/progress/")


def test_the_office_refreshes_stale_figures_from_the_job_list(cast, login):
    import datetime as dt

    from koers.measure.freshness import mark_stale
    from koers.measure.models import StaleMonth

    mark_stale([dt.date(2026, 10, 1), dt.date(2026, 11, 1)])
    assert "2 months wait" in login(cast.user("ada")).get("/jobs/").content.decode()
    assert login(cast.user("mia")).post("/jobs/").status_code == 403
    response = login(cast.user("ada")).post("/jobs/")
    refreshed = Job.objects.get(kind="measure.refresh")
    assert response["Location"] == f"/jobs/{refreshed.pk}/"
    assert refreshed.status == "done" and not StaleMonth.objects.exists()
    assert "2 months" in refreshed.summary


def test_after_a_refresh_the_directors_pages_are_computed_ahead(
    cast, login, django_capture_on_commit_callbacks, monkeypatch
):
    """No cold first view: the refresh job hands the warming job its pages; the director's
    first view afterwards renders no figure itself."""
    import datetime as dt

    from koers.measure import memo
    from koers.measure.freshness import mark_stale

    mark_stale([dt.date(2026, 11, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        submit("measure.refresh", args={}, by=None, key="measure.refresh")
    warmed = Job.objects.get(kind="measure.warm")
    from koers.measure.warm import PAGES, planned

    assert planned() == 3 * 2 * len(PAGES)  # three all-seeing roles, two languages
    assert warmed.status == "done" and warmed.summary.startswith(f"{planned()} pages")
    from koers.forecast import calls

    rendered = []
    real, rollup = memo.render_to_string, calls.rollup
    monkeypatch.setattr(
        memo, "render_to_string", lambda *a, **k: rendered.append(a[0]) or real(*a, **k)
    )
    monkeypatch.setattr(
        calls, "rollup", lambda *a, **k: rendered.append("calls") or rollup(*a, **k)
    )
    client = login(cast.user("dirk"))
    for page in (
        "/measure/kpis/?period=month",
        "/measure/customers/",
        "/measure/deviations/",
        "/measure/forecast/calls/",
    ):
        assert client.get(page, HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    assert rendered == []  # every figure came from the cache


def test_marketings_campaign_pages_are_computed_ahead_too(
    marketer, login, django_capture_on_commit_callbacks, monkeypatch
):
    """Marketing sees every campaign and lead (one scope for the role): after a refresh
    its campaign returns and sales and marketing pages, and the director's, are read from
    the cache on the first view."""
    import datetime as dt

    from koers.measure import campaign_page, sales_marketing
    from koers.measure.freshness import mark_stale
    from koers.measure.warm import MARKETING_PAGES, PAGES, planned

    assert planned() == (3 * len(PAGES) + len(MARKETING_PAGES)) * 2
    mark_stale([dt.date(2026, 11, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        submit("measure.refresh", args={}, by=None, key="measure.refresh")
    warmed = Job.objects.get(kind="measure.warm")
    assert warmed.status == "done" and warmed.summary.startswith(f"{planned()} pages")
    computed = []
    returns, months = campaign_page.campaign_returns, sales_marketing.months_of
    monkeypatch.setattr(
        campaign_page,
        "campaign_returns",
        lambda *a, **k: computed.append("returns") or returns(*a, **k),
    )
    monkeypatch.setattr(
        sales_marketing, "months_of", lambda *a, **k: computed.append("months") or months(*a, **k)
    )
    for who in ("mark", "dirk"):
        client = login(marketer.user(who))
        for page in ("/measure/campaigns/", "/measure/sales-marketing/"):
            for language in ("en", "nl"):
                response = client.get(page, HTTP_ACCEPT_LANGUAGE=language)
                assert response.status_code == 200
    assert computed == []
