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
