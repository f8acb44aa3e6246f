"""Reward through the REST API: runs started, approved and read; payout lines within pay
visibility; plan documents saved as versions and activated."""

from __future__ import annotations

import json

from koers.api.services import token_create
from koers.reward.models import CalcRun, Plan
from koers.reward.services import run_month
from tests.reward.test_calc import DOCUMENT, NOV


def _headers(cast, name: str) -> dict[str, str]:
    _record, raw = token_create(user=cast.user(name), name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _post(client, url, body, headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_a_run_is_started_approved_and_read_through_the_api(client, planned):
    cora, ruud = _headers(planned, "cora"), _headers(planned, "ruud")
    assert _post(client, "/api/v1/reward/runs", {"month": "2026-11"}, ruud).status_code == 403
    response = _post(client, "/api/v1/reward/runs", {"month": "2026-11"}, cora)
    assert response.status_code == 201 and response.json()["status"] == "open"
    assert _post(client, "/api/v1/reward/runs", {"month": "2026-13"}, cora).status_code == 422
    assert (
        _post(client, "/api/v1/reward/runs", {"month": "2026-11", "x": 1}, cora).status_code == 422
    )
    # a salesperson reads their own lines only
    lines = client.get("/api/v1/reward/runs/2026-11/lines", **ruud).json()
    assert lines and {line["person_id"] for line in lines} == {planned.ruud.pk}
    commission = next(line for line in lines if line["component"] == "commission")
    assert commission["earnings"] == "60.00" and commission["attainment_ppm"] == 1_250_000
    everyone = client.get("/api/v1/reward/runs/2026-11/lines", **cora).json()
    assert {line["person_id"] for line in everyone} == {planned.ruud.pk, planned.rosa.pk}
    assert (
        _post(
            client, "/api/v1/reward/runs/2026-11/advance?from=open&confirm=true", {}, cora
        ).json()["status"]
        == "approved"
    )
    # an approved month is not recalculated: a structured 422 that says why
    refused = _post(client, "/api/v1/reward/runs", {"month": "2026-11"}, cora)
    assert refused.status_code == 422 and "approved" in refused.json()["detail"][0]["msg"]
    assert CalcRun.objects.get().status == "approved"
    assert client.get("/api/v1/reward/runs/2026-10", **cora).status_code == 404


def test_plan_documents_go_in_and_out_as_yaml_versions(client, planned):
    cora = _headers(planned, "cora")
    bad = _post(client, "/api/v1/reward/plans", {"document": "components: []"}, cora)
    assert bad.status_code == 422 and "at least one component" in bad.json()["detail"][0]["msg"]
    saved = _post(client, "/api/v1/reward/plans", {"document": DOCUMENT}, cora)
    assert saved.status_code == 201 and saved.json()["version"] == 2
    plan_id = saved.json()["id"]
    assert client.get(f"/api/v1/reward/plans/{plan_id}", **cora).json()["document"] == DOCUMENT
    activated = _post(
        client, f"/api/v1/reward/plans/{plan_id}/activate", {"effective_from": "2026-12-01"}, cora
    )
    assert activated.json()["status"] == "active"
    assert Plan.objects.get(version=1).status == "retired"


def test_with_a_broker_a_run_goes_to_a_worker(
    client, planned, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from koers.jobs import tasks

    sent = []
    monkeypatch.setattr(tasks.run_job, "delay", lambda *a: sent.append(a))
    settings.KOERS_JOBS_INLINE = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    cora = _headers(planned, "cora")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, "/api/v1/reward/runs", {"month": "2026-11"}, cora)
    assert response.status_code == 202, response.content
    job_id = response.json()["job_id"]
    assert sent == [(job_id,)]
    assert not CalcRun.objects.exists()  # the worker calculates, not the request
    waiting = client.get(response.json()["job_url"], **cora).json()
    assert waiting["status"] == "queued" and waiting["kind"] == "reward.month"
    # a second request for the same month joins the waiting job
    with django_capture_on_commit_callbacks(execute=True):
        again = _post(client, "/api/v1/reward/runs", {"month": "2026-11"}, cora)
    assert again.json()["job_id"] == job_id and len(sent) == 1
    # the worker's task is the same calculation
    assert tasks.run_job(job_id) == "done"
    assert CalcRun.objects.get().lines.exists()
    done = client.get(f"/api/v1/jobs/{job_id}", **cora).json()
    assert (done["status"], done["url"]) == ("done", "/reward/runs/2026-11/")
    # delivered again (the broker thought the worker lost): nothing is done twice
    assert tasks.run_job(job_id) == "nothing to do"
    # a salesperson does not see the office's jobs
    ruud = _headers(planned, "ruud")
    assert client.get(f"/api/v1/jobs/{job_id}", **ruud).status_code == 404


def test_a_statement_as_json_shows_the_pages_figures(client, planned):
    run_month(NOV, by=None)
    ruud = _headers(planned, "ruud")
    answer = client.get(f"/api/v1/reward/statements/{planned.ruud.pk}/2026-11", **ruud)
    assert answer.status_code == 200, answer.content
    statement = answer.json()
    commission = next(line for line in statement["lines"] if line["component"] == "commission")
    assert commission["earnings"] == "60.00" and commission["attainment_pct"] == 125.0
    assert statement["status"] == "open" and statement["paid"] is not None
    from django.test import Client

    browser = Client()
    browser.force_login(planned.user("ruud"))
    page = browser.get("/reward/statement/").content.decode()
    row = page.split('data-component="commission"', 1)[1].split("</tr>", 1)[0]
    assert "€ 60.00" in row and "125" in row
    manager = client.get(
        f"/api/v1/reward/statements/{planned.ruud.pk}/2026-11", **_headers(planned, "mia")
    )
    assert manager.status_code == 200
    for peer in ("rosa", "rik"):
        refused = client.get(
            f"/api/v1/reward/statements/{planned.ruud.pk}/2026-11", **_headers(planned, peer)
        )
        assert refused.status_code == 404
    missing = client.get(f"/api/v1/reward/statements/{planned.ruud.pk}/2026-13", **ruud)
    assert missing.status_code == 404
