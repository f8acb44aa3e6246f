"""Schemathesis generates requests from the OpenAPI document: no operation may answer with
a server error or with a response that breaks its own schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from koers.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI app closes database connections after each request, which would end the
    test's transaction; Django's own test client switches this off the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def director_headers(cast):
    from koers.api.services import token_create

    _record, raw = token_create(user=cast.user("dirk"), name="schemathesis")
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, director_headers):
    case.call_and_validate(
        headers=director_headers, checks=[not_a_server_error, response_schema_conformance]
    )
