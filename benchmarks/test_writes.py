"""The write scenarios' check: a write counts only when it took effect."""

from __future__ import annotations

from benchmarks.bench.writes import write_check
from harness.load import HttpRequest, HttpResponse

REQUEST = HttpRequest.graphql(
    "createProject", "mutation { completeOnboarding { userErrors { code } } }"
)


def test_a_write_that_took_effect_passes():
    body = b'{"data":{"createProject":{"project":{"id":"x"},"userErrors":[]}}}'
    assert write_check(REQUEST, HttpResponse(200, body)) is None


def test_a_refused_write_is_an_error_of_the_cell():
    body = b'{"data":{"createProject":{"project":null,"userErrors":[{"code":"CONFLICT"}]}}}'
    assert write_check(REQUEST, HttpResponse(200, body)) == "userErrors"


def test_top_level_errors_and_http_errors_are_errors():
    assert write_check(REQUEST, HttpResponse(200, b'{"errors":[{"message":"x"}]}')) == (
        "GraphQL error"
    )
    assert write_check(REQUEST, HttpResponse(429, b"{}")) == "HTTP 429"
