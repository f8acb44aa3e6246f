"""Schemathesis generates requests from the OpenAPI document: no operation may answer with
a server error or with a response that breaks its own schema.

Each operation is its own test case with its own id, so parallel runs spread them over the
workers instead of collapsing them into one; the root conftest fails the run when fewer
cases passed than the document has operations."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from koers.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


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


def test_every_operation_of_the_document_is_a_case():
    from koers.api.routes import api

    document = api.get_openapi_schema()
    methods = {"get", "post", "put", "patch", "delete"}
    count = sum(len(methods & set(ops)) for ops in document["paths"].values())
    assert len({op.label for op in OPERATIONS}) == len(OPERATIONS) == count


@pytest.mark.django_db
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_api_conforms_to_its_schema(operation, director_headers):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    def check(case):
        case.call_and_validate(
            headers=director_headers, checks=[not_a_server_error, response_schema_conformance]
        )

    check()
