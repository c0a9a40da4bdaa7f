"""What must hold of the written data after any sequence of writes, as SQL.

The state-machine test (``tests/test_write_state_machine.py``) checks them after
every step; the stress test's write phase (``benchmarks/stress/writes.py``) after
writers ran through database, replica and worker failures. Each statement returns
the ids of the rows that break its rule: none, when the data is sound.
"""

from __future__ import annotations

import asyncpg

INVARIANTS_SQL = {
    "a tribe's owner is its one active owner-member": """
        SELECT t.id FROM tribes t WHERE 1 <> (
          SELECT count(*) FROM tribe_members m
          WHERE m.tribe_id = t.id AND m.role = 'owner' AND m.status = 'active'
            AND m.user_id = t.owner_id)
        OR EXISTS (SELECT 1 FROM tribe_members m WHERE m.tribe_id = t.id AND m.role = 'owner'
                   AND m.user_id <> t.owner_id)""",
    "active members never exceed max_members": """
        SELECT t.id FROM tribes t WHERE t.max_members < (
          SELECT count(*) FROM tribe_members m WHERE m.tribe_id = t.id AND m.status = 'active')""",
    "nobody collaborates on their own project": """
        SELECT c.id FROM project_collaborators c JOIN projects p ON p.id = c.project_id
        WHERE c.user_id = p.owner_id""",
    "every feed event's target exists": """
        SELECT e.id FROM feed_events e WHERE NOT EXISTS (
          SELECT 1 FROM projects WHERE e.target_type = 'project' AND id = e.target_id
          UNION ALL SELECT 1 FROM tribes WHERE e.target_type = 'tribe' AND id = e.target_id
          UNION ALL SELECT 1 FROM users WHERE e.target_type = 'user' AND id = e.target_id)""",
}


async def broken_invariants(connection: asyncpg.Connection) -> dict[str, list[str]]:
    """Each invariant that does not hold, with the ids of the rows that break it."""
    broken: dict[str, list[str]] = {}
    for name, sql in INVARIANTS_SQL.items():
        rows = await connection.fetch(sql)
        if rows:
            broken[name] = [str(row[0]) for row in rows]
    return broken
