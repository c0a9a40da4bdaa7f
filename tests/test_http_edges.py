"""The app's edges: allowed hosts, security headers, and no API descriptions in production."""

from __future__ import annotations

import httpx
import pytest

from tribe_service.app import create_app
from tribe_service.config import load_settings


def client_for(engine, base_url: str = "http://testserver", **environ: str) -> httpx.AsyncClient:
    settings = load_settings({"ENVIRONMENT": "test", **environ})
    transport = httpx.ASGITransport(app=create_app(settings, engine))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


async def test_a_forged_host_is_a_400(client):
    response = await client.get("/admin", headers={"Host": "evil.example.net"})
    assert response.status_code == 400
    assert "evil.example.net" not in response.headers.get("location", "")


async def test_healthz_answers_any_host(client):
    response = await client.get("/healthz", headers={"Host": "10.0.0.7:8000"})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/graphql", "/admin/"])
async def test_every_response_carries_the_security_headers(client, path):
    response = await client.get(path, headers={"accept": "text/html"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "strict-transport-security" not in response.headers


async def test_hsts_is_sent_over_https(engine):
    async with client_for(engine, base_url="https://testserver") as client:
        response = await client.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize(
    "path",
    [
        "/schema",
        "/schema/swagger",
        "/schema/redoc",
        "/schema/openapi.json",
        "/admin/api/openapi.json",
        "/admin/public/openapi.json",
        "/admin/api/docs/",
        "/admin/public/docs/",
    ],
)
async def test_production_serves_no_api_descriptions(engine, path):
    settings = load_settings({"ENVIRONMENT": "production", "ALLOWED_HOSTS": "api.test"})
    transport = httpx.ASGITransport(app=create_app(settings, engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        response = await client.get(path)
    assert response.status_code == 404


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:8111", "[::1]:8000", "TESTSERVER"])
async def test_an_allowed_host_with_a_port_is_answered(client, host):
    response = await client.post("/graphql", json={"query": "{ health }"}, headers={"Host": host})
    assert response.status_code == 200
