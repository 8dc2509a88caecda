"""schemathesis over ``/api/schema/``: every operation of the schema is called with generated
parameters and bodies, as a central officer with a personal API token, through the WSGI
application (the same Django stack as production, in the test's transaction).

Bounded: ``MAX_EXAMPLES`` examples per operation, derandomised (the same requests every run).
The checks: no 5xx ever, every status code and content type is one the schema declares, and
every JSON body (answers and refusals) matches the schema's description of it.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gisapp.wsgi import application
from layers.models import Role
from layers.services.tokens import api_token_create
from tests.factories import make_complaint, make_officer, make_team

# A longer hunt: DAMRONG_SCHEMATHESIS_EXAMPLES=500 pytest tests/api/test_schemathesis.py
MAX_EXAMPLES = int(os.environ.get("DAMRONG_SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_in_the_test_transaction():
    """Django's request signals close "old" database connections, which would close the
    test's own connection mid-transaction; its test client detaches them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, wsgi_in_the_test_transaction, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    central = make_officer(Role.CENTRAL_OFFICER)
    make_team("490101")
    for _ in range(3):
        make_complaint(created_by=central)
    return api_token_create(officer=central, name="schemathesis")[1]


@pytest.fixture
def api_schema(token):
    return schemathesis.openapi.from_wsgi(
        "/api/schema/", application, headers={"Accept": "application/json"}
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_without_a_server_error_and_as_described(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
