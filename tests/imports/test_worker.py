"""A large import is a background job: the web request only keeps the file and answers at
once; a worker (Celery with a broker, a thread of the server without) imports it once,
whatever retries happen."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.urls import reverse

from koers.imports.models import ImportRun
from koers.jobs.models import Job
from koers.jobs.tasks import run_job
from koers.sales import models as sm
from tests.imports.test_wizard import _upload

TEXT = "external_id;name\nW-1;Wizard B.V.\nW-2;Tweede B.V.\n"


def _imported() -> int:
    return sm.Account.objects.filter(external_id__startswith="W-").count()


@pytest.fixture
def worker(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    settings.KOERS_JOBS_INLINE = False
    settings.KOERS_IMPORT_WORKER_MB = 0  # every file counts as large here
    with mock.patch("koers.jobs.tasks.run_job.delay") as delay:
        yield delay


def import_queued(run_id: int) -> str:
    """What the worker does with the run's job."""
    return run_job(Job.objects.get(kind="imports.file", key=f"imports.file:{run_id}").pk)


def test_the_wizard_hands_a_large_file_to_a_worker(
    cast, login, worker, django_capture_on_commit_callbacks
):
    client = login(cast.user("dirk"))
    stage = _upload(client, TEXT)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(stage, {"action": "import"})
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("import_run", args=[run.pk])
    assert run.status == "queued" and run.file and not _imported()
    worker.assert_called_once_with(Job.objects.get().pk)
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="waiting"' in page
    assert import_queued(run.pk) == "done"
    run.refresh_from_db()
    assert (run.status, run.created, run.by) == ("committed", 2, cast.user("dirk"))
    assert _imported() == 2
    assert import_queued(run.pk) == "nothing to do"  # a retried task changes nothing
    assert _imported() == 2


def test_the_api_answers_202_and_the_worker_completes_the_run(
    client, cast, token, worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/imports/accounts", {"file": io.BytesIO(TEXT.encode())}, **token("dirk")
        )
    assert response.status_code == 202 and response.json()["status"] == "queued"
    run_id = response.json()["id"]
    import_queued(run_id)
    done = client.get(f"/api/v1/imports/{run_id}", **token("dirk")).json()
    assert (done["status"], done["created"]) == ("committed", 2)


def test_a_worker_refuses_what_the_importer_may_not_write(cast, worker):
    from koers.imports.services import import_queue

    cast.rosa.external_id = "P-ROSA"
    cast.rosa.save()
    text = (
        b"external_id;first_name;last_name;unit;start_date;role\n"
        b"P-ROSA;Rosa;Tester;NOORD;2024-01-01;admin\n"
    )
    run = import_queue(kind="people", raw=text, filename="p.csv", by=cast.user("dirk"))
    assert import_queued(run.pk) == "done"
    run.refresh_from_db()
    assert run.status == "failed" and "role" in run.errors[0]["message"]
    cast.rosa.refresh_from_db()
    assert cast.rosa.role == "salesperson"


def test_without_a_broker_a_large_file_goes_to_a_job_of_the_server(cast, login, settings):
    settings.CELERY_BROKER_URL = ""
    settings.KOERS_IMPORT_WORKER_MB = 0
    client = login(cast.user("dirk"))
    client.post(_upload(client, TEXT), {"action": "import"})
    assert ImportRun.objects.get().status == "committed" and _imported() == 2
    job = Job.objects.get(kind="imports.file")
    assert job.status == "done" and job.url == reverse(
        "import_run", args=[ImportRun.objects.get().pk]
    )
