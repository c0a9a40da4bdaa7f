"""The health query and the load balancer's /healthz on a live database."""

from __future__ import annotations

import pytest

HEALTH = {"query": "{ health }"}


async def test_health_query(client):
    response = await client.post("/graphql", json=HEALTH)
    assert response.status_code == 200
    assert response.json() == {"data": {"health": "ok"}}


async def test_healthz_answers_200_when_the_database_answers(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_graphiql_is_served_on_get_outside_production(client):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "GraphiQL" in response.text


@pytest.mark.parametrize("origin", ["http://localhost:3000", "http://127.0.0.1:3000"])
async def test_cors_allows_the_frontend_dev_server(client, origin):
    response = await client.options(
        "/graphql", headers={"origin": origin, "access-control-request-method": "POST"}
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == origin


async def test_cors_refuses_other_origins(client):
    response = await client.options(
        "/graphql",
        headers={"origin": "http://evil.example", "access-control-request-method": "POST"},
    )
    assert "access-control-allow-origin" not in response.headers


def test_serving_processes_collect_garbage_less_often(app):
    import gc

    from tribe_service.garbage_collection import SERVING_THRESHOLDS, tune_for_serving

    before = gc.get_threshold()
    try:
        tune_for_serving()
        assert gc.get_threshold() == SERVING_THRESHOLDS
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
    assert tune_for_serving in app.on_startup
