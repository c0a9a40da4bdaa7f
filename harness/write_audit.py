"""The database after concurrent writers, checked against what they were told.

From the database itself, for the objects of the writers' builders:

* **lost**: an acknowledged write whose effect is not there (a created row, a
  closed role, the last acknowledged value of a field only its owner writes, the
  feed event of an acknowledged acceptance or approval), unless a write whose
  outcome was unknown explains what is there instead;
* **duplicates**: an idempotency key with two rows, or two objects made for one
  create (the key is in each created object's name);
* **half-applied**: a project without its one creation event, a tribe without
  its event or owner-member, a confirmed collaborator or an approved member
  without the feed event, a claimed key without its row (or the reverse), a
  shipped project never announced, a refused write whose value is there;
* **unmatched events**: more feed events for a target than the writes that may
  have taken effect explain, or events no write makes;
* **phantoms**: rows no write asked for;
* the invariants of :mod:`harness.write_invariants`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from harness.write_history import Write
from harness.write_invariants import broken_invariants

OWNED = {
    "projects": "SELECT id, owner_id, title, description, status, created_at FROM projects"
    " WHERE owner_id = ANY($1::text[])",
    "tribes": "SELECT id, owner_id, name, mission, created_at FROM tribes"
    " WHERE owner_id = ANY($1::text[])",
    "roles": "SELECT r.id, r.tribe_id, r.title, r.filled, r.filled_by FROM tribe_open_roles r"
    " JOIN tribes t ON t.id = r.tribe_id WHERE t.owner_id = ANY($1::text[])",
    "keys": "SELECT user_id, key, action, result_id FROM idempotency_keys"
    " WHERE user_id = ANY($1::text[])",
    "events": "SELECT event_type, actor_id, target_id, created_at FROM feed_events"
    " WHERE actor_id = ANY($1::text[])",
    "users": "SELECT id, headline, onboarding_completed FROM users WHERE id = ANY($1::text[])",
    "skills": "SELECT us.user_id, s.slug FROM user_skills us JOIN skills s ON s.id = us.skill_id"
    " WHERE us.user_id = ANY($1::text[])",
    "collaborators": "SELECT c.project_id, c.user_id, c.status FROM project_collaborators c"
    " JOIN projects p ON p.id = c.project_id WHERE p.owner_id = ANY($1::text[])",
    "members": "SELECT m.tribe_id, m.user_id, m.role, m.status FROM tribe_members m"
    " JOIN tribes t ON t.id = m.tribe_id WHERE t.owner_id = ANY($1::text[])",
}
CREATES = {"createProject": ("projects", "title"), "createTribe": ("tribes", "name")}
# Writes of one field that only its owner makes: (operation, field in the input, object key).
REGISTERS: dict[str, tuple[str, str, str]] = {
    "headline": ("updateProfile", "headline", "builder"),
    "description": ("updateProject", "description", "projectId"),
    "mission": ("updateTribe", "mission", "tribeId"),
    "title": ("updateOpenRole", "title", "roleId"),
}
UNCHECKED = frozenset(  # their effect may be undone by another builder's later write
    {
        "inviteCollaborator",
        "requestToJoinTribe",
        "removeCollaborator",
        "leaveProject",
        "leaveTribe",
        "removeMember",
        "archiveProject",
    }
)


@dataclass
class Audit:
    """What the database holds against what the writers were told."""

    attempted: int = 0
    requests: int = 0
    acknowledged: int = 0
    refused: int = 0
    ambiguous: int = 0
    retried: int = 0
    checked: int = 0  # acknowledged writes whose effect was looked for
    found: int = 0
    superseded: int = 0  # acknowledged, then changed by a later acknowledged write of the owner
    lost: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    half_applied: list[str] = field(default_factory=list)
    unmatched_events: list[str] = field(default_factory=list)
    phantoms: list[str] = field(default_factory=list)
    invariants: dict[str, list[str]] = field(default_factory=dict)

    @property
    def sound(self) -> bool:
        """Nothing lost, doubled, half-applied or unexplained; every invariant holds."""
        return not (
            self.lost
            or self.duplicates
            or self.half_applied
            or self.unmatched_events
            or self.phantoms
            or self.invariants
        )

    def summary(self) -> str:
        """One line of counts."""
        return (
            f"attempted {self.attempted}, requests {self.requests}, acknowledged"
            f" {self.acknowledged}, refused {self.refused}, unknown outcome {self.ambiguous},"
            f" retried {self.retried}; checked {self.checked}, found {self.found}, superseded"
            f" {self.superseded}; duplicates {len(self.duplicates)}, lost {len(self.lost)},"
            f" half-applied {len(self.half_applied)}, unmatched events"
            f" {len(self.unmatched_events)}, phantoms {len(self.phantoms)}, broken invariants"
            f" {len(self.invariants)}"
        )


@dataclass
class Database:
    """The rows of the writers' objects, as read after the run."""

    rows: dict[str, list[asyncpg.Record]]

    def by(self, table: str, column: str) -> dict[Any, asyncpg.Record]:
        """The rows of ``table`` by ``column``."""
        return {row[column]: row for row in self.rows[table]}


async def audit_writes(
    connection: asyncpg.Connection, builders: list[str], history: list[Write]
) -> Audit:
    """Read the writers' objects from the database and check them against ``history``."""
    rows = {name: await connection.fetch(sql, builders) for name, sql in OWNED.items()}
    audit = Audit(invariants=await broken_invariants(connection))
    count_history(audit, history)
    db = Database(rows)
    check_creates(audit, db, history)
    check_roles(audit, db, history)
    check_registers(audit, db, history)
    check_half_applied(audit, db, history)
    check_events(audit, db, history)
    return audit


def count_history(audit: Audit, history: list[Write]) -> None:
    """The counts of writes and requests."""
    audit.attempted = len(history)
    audit.requests = sum(len(w.attempts) for w in history)
    audit.acknowledged = sum(1 for w in history if w.acknowledged)
    audit.refused = sum(1 for w in history if w.cleanly_refused)
    audit.ambiguous = sum(1 for w in history if w.ambiguous)
    audit.retried = sum(1 for w in history if len(w.attempts) > 1)


def _found(audit: Audit, ok: bool, lost: str) -> None:
    audit.checked += 1
    if ok:
        audit.found += 1
    else:
        audit.lost.append(lost)


def check_creates(audit: Audit, db: Database, history: list[Write]) -> None:
    """Each acknowledged create is there once; no key made two rows; no row without a write."""
    for operation, (table, name) in CREATES.items():
        writes = [w for w in history if w.operation == operation]
        asked = {f"w {w.variables['idempotencyKey']}" for w in writes}
        names = Counter(row[name] for row in db.rows[table])
        for title, count in names.items():
            if count > 1:
                audit.duplicates.append(f"{table}: {count} rows named {title!r} (one key)")
            if title not in asked:
                audit.phantoms.append(f"{table}: {title!r} was never asked for")
        rows = db.by(table, "id")
        for write in writes:
            title = f"w {write.variables['idempotencyKey']}"
            if write.acknowledged:
                row = rows.get(write.result_id)
                ok = row is not None and row[name] == title and row["owner_id"] == write.builder
                _found(audit, ok, f"{operation} {title!r} acknowledged as {write.result_id}")
            elif write.cleanly_refused and names[title]:
                audit.half_applied.append(f"{operation} {title!r} was refused, yet it is there")
    keys = Counter((row["user_id"], row["key"]) for row in db.rows["keys"])
    audit.duplicates += [f"idempotency key {key!r}: {n} rows" for key, n in keys.items() if n > 1]


def check_roles(audit: Audit, db: Database, history: list[Write]) -> None:
    """Open roles: added once, closed when acknowledged, filled by whom the answer said."""
    roles = db.by("roles", "id")
    touched_by_close = {
        w.variables["roleId"]
        for w in history
        if w.operation == "closeOpenRole" and not w.cleanly_refused
    }
    asked = {
        w.variables["title"] for w in history if w.operation in {"addOpenRole", "updateOpenRole"}
    }
    for title, count in Counter(row["title"] for row in db.rows["roles"]).items():
        if count > 1:
            audit.duplicates.append(f"open roles: {count} rows titled {title!r}")
        if title not in asked:
            audit.phantoms.append(f"open role {title!r} was never asked for")
    for write in history:
        if not write.acknowledged:
            continue
        if write.operation == "addOpenRole":
            if write.result_id in touched_by_close and write.result_id not in roles:
                audit.superseded += 1
                continue
            _found(audit, write.result_id in roles, f"addOpenRole {write.variables['title']!r}")
        elif write.operation == "closeOpenRole":
            _found(
                audit, write.variables["roleId"] not in roles, f"closeOpenRole {write.variables}"
            )
        elif write.operation == "fillOpenRole":
            row = roles.get(write.variables["roleId"])
            if row is None and write.variables["roleId"] in touched_by_close:
                audit.superseded += 1
                continue
            ok = row is not None and row["filled"] and row["filled_by"] == write.variables["userId"]
            _found(audit, ok, f"fillOpenRole {write.variables}")


def _register_values(db: Database) -> dict[str, dict[str, Any]]:
    return {
        "headline": {row["id"]: row["headline"] for row in db.rows["users"]},
        "description": {row["id"]: row["description"] for row in db.rows["projects"]},
        "mission": {row["id"]: row["mission"] for row in db.rows["tribes"]},
        "title": {row["id"]: row["title"] for row in db.rows["roles"]},
    }


def _input(name: str) -> Callable[[Write], Any]:
    """The value a write sends for the input field ``name``."""
    return lambda write: write.variables[name]


def _last_write_wins(
    audit: Audit,
    writes: list[Write],
    final: Any,
    value: Callable[[Write], Any],
    what: str,
) -> None:
    """The last acknowledged value of a one-writer field is there, unless an unknown write's is."""
    acknowledged = [w for w in writes if w.acknowledged]
    refused = {value(w) for w in writes if w.cleanly_refused}
    allowed = {value(w) for w in writes if w.ambiguous}
    if acknowledged:
        allowed.add(value(acknowledged[-1]))
        audit.superseded += len(acknowledged) - 1
        _found(audit, final in allowed, f"{what}: {value(acknowledged[-1])!r}, found {final!r}")
    if final in refused and final not in allowed:
        audit.half_applied.append(f"{what}: a refused write's value {final!r} is there")


def check_registers(audit: Audit, db: Database, history: list[Write]) -> None:
    """Fields only their owner writes hold the last acknowledged value (or an unknown write's)."""
    finals = _register_values(db)
    for register, (operation, name, key) in REGISTERS.items():
        by_object: dict[str, list[Write]] = defaultdict(list)
        for write in history:
            if write.operation == operation and name in write.variables:
                by_object[write.builder if key == "builder" else write.variables[key]].append(write)
        for ident, writes in by_object.items():
            if ident not in finals[register]:
                continue  # the object is gone (a closed role): nothing to hold the value
            _last_write_wins(
                audit,
                writes,
                finals[register][ident],
                _input(name),
                register,
            )
    _check_statuses(audit, db, history)
    skills: dict[str, set[str]] = defaultdict(set)
    for row in db.rows["skills"]:
        skills[row["user_id"]].add(row["slug"])
    for builder in {w.builder for w in history if w.operation == "setSkills"}:
        writes = [w for w in history if w.operation == "setSkills" and w.builder == builder]
        _last_write_wins(
            audit,
            writes,
            frozenset(skills[builder]),
            lambda w: frozenset(w.variables["skills"]),
            "skills",
        )
    onboarded = {row["id"]: row["onboarding_completed"] for row in db.rows["users"]}
    for write in history:
        if write.operation == "completeOnboarding" and write.acknowledged:
            _found(audit, bool(onboarded.get(write.builder)), f"completeOnboarding {write.builder}")


def _status_writes(history: list[Write]) -> dict[str, list[tuple[Write, str]]]:
    writes: dict[str, list[tuple[Write, str]]] = defaultdict(list)
    for write in history:
        if write.operation == "createProject" and write.result_id:
            writes[write.result_id].append((write, write.variables["status"]))
        elif write.operation == "updateProject" and "status" in write.variables:
            writes[write.variables["projectId"]].append((write, write.variables["status"]))
        elif write.operation == "archiveProject":
            writes[write.variables["projectId"]].append((write, "ARCHIVED"))
    return writes


def _check_statuses(audit: Audit, db: Database, history: list[Write]) -> None:
    statuses = {row["id"]: row["status"].upper() for row in db.rows["projects"]}
    for project, writes in _status_writes(history).items():
        if project not in statuses:
            continue
        acknowledged = [status for w, status in writes if w.acknowledged]
        allowed = {status for w, status in writes if w.ambiguous}
        if acknowledged:
            allowed.add(acknowledged[-1])
            audit.superseded += len(acknowledged) - 1
            _found(audit, statuses[project] in allowed, f"status of {project}: {acknowledged[-1]}")


def check_half_applied(audit: Audit, db: Database, history: list[Write]) -> None:
    """Every row has the rows and events its write makes with it."""
    events = db.rows["events"]
    creation = Counter(
        (e["target_id"], e["created_at"])
        for e in events
        if e["event_type"] in {"project_created", "project_shipped"}
    )
    shipped_events = Counter(e["target_id"] for e in events if e["event_type"] == "project_shipped")
    keyed = {row["result_id"]: row for row in db.rows["keys"]}
    for project in db.rows["projects"]:
        if creation[(project["id"], project["created_at"])] != 1:
            audit.half_applied.append(f"project {project['id']} without its one creation event")
        if project["status"] == "shipped" and not shipped_events[project["id"]]:
            audit.half_applied.append(f"shipped project {project['id']} never announced")
        if project["id"] not in keyed:
            audit.half_applied.append(f"project {project['id']} without its idempotency key")
    tribe_events = Counter(e["target_id"] for e in events if e["event_type"] == "tribe_created")
    for tribe in db.rows["tribes"]:
        if tribe_events[tribe["id"]] != 1:
            audit.half_applied.append(
                f"tribe {tribe['id']}: {tribe_events[tribe['id']]} creation events"
            )
        if tribe["id"] not in keyed:
            audit.half_applied.append(f"tribe {tribe['id']} without its idempotency key")
    created = {row["id"] for row in db.rows["projects"]} | {row["id"] for row in db.rows["tribes"]}
    for row in db.rows["keys"]:
        if row["result_id"] not in created:
            audit.half_applied.append(
                f"key {row['key']!r} claimed, its {row['action']} is not there"
            )
    pairs = Counter((e["event_type"], e["target_id"], e["actor_id"]) for e in events)
    for c in db.rows["collaborators"]:
        if (
            c["status"] == "confirmed"
            and not pairs[("collaboration_confirmed", c["project_id"], c["user_id"])]
        ):
            audit.half_applied.append(
                f"collaborator {c['user_id']} on {c['project_id']} without the event"
            )
    for m in db.rows["members"]:
        joined = pairs[("member_joined_tribe", m["tribe_id"], m["user_id"])]
        if m["status"] == "active" and m["role"] != "owner" and not joined:
            audit.half_applied.append(f"member {m['user_id']} of {m['tribe_id']} without the event")


def _bounds(
    history: list[Write], db: Database
) -> tuple[Counter[tuple[str, str, str]], Counter[tuple[str, str, str]]]:
    """The fewest and most feed events the history explains, per (type, target, actor)."""
    low: Counter[tuple[str, str, str]] = Counter()
    high: Counter[tuple[str, str, str]] = Counter()
    projects, tribes = db.by("projects", "id"), db.by("tribes", "id")
    created_shipped = {
        w.result_id
        for w in history
        if w.operation == "createProject" and w.variables["status"] == "SHIPPED"
    }
    for row in projects.values():
        # The creation event (its presence is checked with the project): created or shipped.
        kind = "project_shipped" if row["id"] in created_shipped else "project_created"
        low[(kind, row["id"], row["owner_id"])] += 1
        high[(kind, row["id"], row["owner_id"])] += 1
    for row in tribes.values():
        low[("tribe_created", row["id"], row["owner_id"])] += 1
        high[("tribe_created", row["id"], row["owner_id"])] += 1
    for write in history:
        v = write.variables
        if write.operation == "updateProject" and v.get("status") == "SHIPPED":
            high[("project_shipped", v["projectId"], write.builder)] += write.may_have_applied
        elif write.operation == "respondToCollaboration" and v["accept"]:
            key = ("collaboration_confirmed", v["projectId"], write.builder)
            low[key] += int(write.acknowledged)
            high[key] += write.may_have_applied
        elif write.operation == "respondToJoinRequest" and v["approve"]:
            key = ("member_joined_tribe", v["tribeId"], v["userId"])
            low[key] += int(write.acknowledged)
            high[key] += write.may_have_applied
    return low, high


def check_events(audit: Audit, db: Database, history: list[Write]) -> None:
    """Every feed event is one a write explains, and none an acknowledged write made is missing."""
    seen = Counter((e["event_type"], e["target_id"], e["actor_id"]) for e in db.rows["events"])
    low, high = _bounds(history, db)
    for key in sorted(set(seen) | set(low) | set(high)):
        if seen[key] > high[key]:
            audit.unmatched_events.append(
                f"{key}: {seen[key]} events, at most {high[key]} explained"
            )
        if key[0] in {"collaboration_confirmed", "member_joined_tribe"} and low[key]:
            for _ in range(low[key]):
                audit.checked += 1
            audit.found += min(seen[key], low[key])
            audit.lost += [f"{key}: acknowledged {low[key]}, {seen[key]} events"] * max(
                0, low[key] - seen[key]
            )


def examples(items: Iterable[str], count: int = 5) -> str:
    """The first few findings, for a report."""
    items = list(items)
    shown = "; ".join(items[:count])
    return shown + (f"; ... ({len(items) - count} more)" if len(items) > count else "")
