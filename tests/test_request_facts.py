"""What the app knows of a request is read once, by the /graphql mount, and reaches the context."""

from __future__ import annotations

import httpx
import pytest

from tribe_service import request_facts
from tribe_service.app import create_app
from tribe_service.config import load_settings
from tribe_service.rate_limit import parse_networks
from tribe_service.request_facts import RequestFacts

pytestmark = pytest.mark.usefixtures("seeded")


def scope(client: str, headers: dict[str, str]) -> dict:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return {"type": "http", "client": (client, 1234), "headers": raw, "state": {}}


async def test_the_address_follows_trusted_proxies_only():
    proxies = parse_networks(["10.0.0.0/8"])
    forwarded = {"X-Forwarded-For": "203.0.113.7, 10.1.2.3"}
    assert (await RequestFacts.read(scope("10.0.0.5", forwarded), proxies, None)).client == (
        "203.0.113.7"
    )
    assert (await RequestFacts.read(scope("198.51.100.9", forwarded), proxies, None)).client == (
        "198.51.100.9"
    )


async def test_without_sign_in_a_session_cookie_is_ignored():
    facts = await RequestFacts.read(scope("127.0.0.1", {"Cookie": "tribe_access=forged"}), (), None)
    assert (facts.viewer, facts.refusal, facts.client) == (None, None, "127.0.0.1")


async def test_the_mount_reads_the_facts_once_and_the_context_uses_them(engine, monkeypatch):
    reads: list[RequestFacts] = []
    original = RequestFacts.read.__func__  # type: ignore[attr-defined]

    async def counted(cls, *args, **kwargs):
        facts = await original(cls, *args, **kwargs)
        reads.append(facts)
        return facts

    remembered: list[RequestFacts] = []
    remember = RequestFacts.remember

    def spied(self, scope):
        remembered.append(self)
        remember(self, scope)

    monkeypatch.setattr(request_facts.RequestFacts, "read", classmethod(counted))
    monkeypatch.setattr(request_facts.RequestFacts, "remember", spied)
    settings = {
        "ENVIRONMENT": "test",
        "TRUSTED_PROXIES": "127.0.0.1",
        "RATE_LIMIT_POINTS_PER_MINUTE": "1000",
    }
    app = create_app(load_settings(settings), engine)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            "/graphql",
            json={"query": "{ health }"},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
    assert response.status_code == 200
    assert [facts.client for facts in reads] == ["203.0.113.7"]  # once,
    assert remembered == reads  # by the mount, which handed them on (the view read none)
