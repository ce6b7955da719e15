"""Schemathesis runs the OpenAPI schema against the app with a real Bearer token: no 5xx, and
every response conforms to the schema (status code, content type, body, headers).

Every operation of /api/schema/ gets API_FUZZ_EXAMPLES generated requests with valid data and
as many with invalid data, in-process through the WSGI app, on alice's world of objects.
Failures are collected per operation and reported together.
"""

import logging
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.reliability.conftest import World

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "16"))
# Revoking the fuzzer's own token would turn every later request into a 401.
SKIPPED = {("DELETE", "/api/v1/tokens/{id}")}
# Found by this test and reported to their owners; listed so the rest stays strict. Remove a
# line once its fix lands (the test then covers the operation fully again).
KNOWN_ISSUES: dict[tuple[str, str], str] = {}
# SQLite only: an integer id beyond 64 bits (?account=, ?tag=, "ids" in a body) overflows the
# SQLite driver (OverflowError, a 500); PostgreSQL compares it and finds nothing. Such 500s
# are let through on SQLite only, recognised by the exception the request logged.


class ServerErrors(logging.Handler):
    """The exception types of the 500s logged by django.request."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.types: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[0] is not None:
            self.types.add(record.exc_info[0].__name__)


# DRF answers these anywhere (bad input, no or wrong token, another user's id, an unknown page,
# a wrong method, a throttle) and drf-spectacular does not list them per operation.
GENERIC_ERRORS = {400, 401, 403, 404, 405, 429}


def documented_status(ctx, response, case):
    """status_code_conformance, except for DRF's generic error answers."""
    if response.status_code in GENERIC_ERRORS:
        return None
    return status_code_conformance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    documented_status,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def keep_the_test_connection():
    """A raw WSGI call closes the database connection at the end of each request (the test
    Client disconnects that handler; schemathesis calls the app directly)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_api_never_errs_and_matches_its_schema(world: World, keep_the_test_connection) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    auth = {"Authorization": f"Bearer {world.token_secret}"}
    sent = {"requests": 0, "operations": 0}
    failures: list[str] = []
    known: set[tuple[str, str]] = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        sent["operations"] += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def fuzz(case) -> None:
                sent["requests"] += 1
                case.call_and_validate(headers=auth, checks=CHECKS)

            key = (operation.method.upper(), operation.path)
            errors = ServerErrors()
            logging.getLogger("django.request").addHandler(errors)
            try:
                fuzz()
            except (Exception, BaseExceptionGroup) as exc:  # collect all, then report
                overflow_only = errors.types == {"OverflowError"}
                if key in KNOWN_ISSUES or (connection.vendor == "sqlite" and overflow_only):
                    known.add(key)
                    continue
                failures.append(f"{key[0]} {key[1]} ({mode}): {exc}")
            finally:
                logging.getLogger("django.request").removeHandler(errors)

    print(  # noqa: T201
        f"fuzzed {sent['requests']} requests over {sent['operations']} operations; "
        f"known issues still failing: {sorted(known)}"
    )
    assert sent["operations"] > 30
    # A few thousand requests per run (about 2,700 at the default), unless told fewer.
    assert sent["requests"] >= sent["operations"] * EXAMPLES * 2 * 0.8
    assert not failures, "\n\n".join(failures)
