"""A compiled request leaves no reference cycle behind (issue 20: the one-client p99 tail).

Anything a request leaves in a cycle waits for the garbage collector, which then
frees a few hundred requests' worth in one pause; without cycles, reference
counting frees each request as it ends and the serving thresholds never trigger.
"""

from __future__ import annotations

import gc

import pytest

from tribe_service.graphql.client_operations import LANDING_PAGE_QUERY
from tribe_service.graphql.compiled.executor import STATS
from tribe_service.graphql.context import Context

pytestmark = pytest.mark.usefixtures("seeded")


async def test_a_compiled_request_leaves_its_context_to_reference_counting(client):
    request = {"query": LANDING_PAGE_QUERY, "variables": {"first": 20}}
    await client.post("/graphql", json=request)  # plans and caches made outside the count
    gc.collect()
    STATS.reset()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        response = await client.post("/graphql", json=request)
        gc.collect()
        in_cycles = [found for found in gc.garbage if isinstance(found, Context)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert response.status_code == 200 and "errors" not in response.json()
    assert STATS.compiled == 1
    assert in_cycles == []
