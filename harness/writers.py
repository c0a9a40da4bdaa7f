"""Concurrent writers: each a signed-in builder sending random mutations, as a frontend would.

Every writer runs one mutation at a time, chosen at random from the 20 the API
offers (the TypeScript client's operations, so the payload shapes are the real
ones), on objects the writers created: their projects and tribes, invitations
and join requests between them, open roles. Every create carries an
idempotency key; an answer that leaves the outcome unknown (see
:mod:`harness.write_history`) is retried with the same variables after a short
backoff, as is ``RATE_LIMITED``. ``addOpenRole`` has no key and is never
retried. Some attempts hang up right after sending (a closed tab).

The writers keep a shared picture of the world from the answers they got; the
history they record is what :mod:`harness.write_audit` checks the database against.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.load import LOCALHOST, HttpConnection, HttpRequest
from harness.sessions import SignedInBuilder
from harness.write_history import Answer, Attempt, Write, classify_answer
from tribe_service.graphql.client_operations import document

REQUEST_TIMEOUT_SECONDS = 10.0  # longer than the server's OPERATION_TIMEOUT_SECONDS (5 s)
NO_ANSWER = "no answer in time"
MAX_ATTEMPTS = 40
BACKOFF_SECONDS = (0.05, 0.1, 0.2, 0.4, 0.5)
# At most: the server has the request, the client is gone, before or after the commit
# (a create takes 0.1-0.5 s here): the retry must then find the first one by its key.
HANG_UP_AFTER_SECONDS = 0.6

# How often each mutation is picked (when it has something to act on).
WEIGHTS = {
    "createProject": 10,
    "updateProject": 7,
    "archiveProject": 2,
    "inviteCollaborator": 7,
    "respondToCollaboration": 7,
    "removeCollaborator": 2,
    "leaveProject": 2,
    "createTribe": 6,
    "updateTribe": 5,
    "requestToJoinTribe": 7,
    "respondToJoinRequest": 7,
    "leaveTribe": 2,
    "removeMember": 2,
    "addOpenRole": 4,
    "updateOpenRole": 3,
    "fillOpenRole": 3,
    "closeOpenRole": 2,
    "updateProfile": 5,
    "setSkills": 3,
    "completeOnboarding": 2,
}
MUTATIONS = tuple(WEIGHTS)
VERSIONED = frozenset({"updateProject", "updateTribe", "updateProfile"})  # expectedUpdatedAt
NOT_RETRIED = frozenset({"addOpenRole"})  # no idempotency key: a retry could add it twice

UPDATED_AT_QUERY = {
    "project": "query WriterProject($id: ID!) { project(id: $id) { id updatedAt } }",
    "tribe": "query WriterTribe($id: ID!) { tribe(id: $id) { id updatedAt } }",
    "viewer": "query WriterViewer { viewer { id updatedAt } }",
}


def operation_document(field_name: str) -> str:
    """The client's document of a mutation field (``createProject`` -> ``CreateProject``)."""
    return document(field_name[0].upper() + field_name[1:])


@dataclass
class ReadBack:
    """A read of an object its writer was told was created: did the read see it?"""

    started: float
    kind: str
    seen: bool | None  # None: the read itself failed (label says how)
    label: str


@dataclass
class World:
    """What the writers know from acknowledged answers: ids, owners, who was invited."""

    builders: list[SignedInBuilder]
    skills: list[str]
    projects: dict[str, str] = field(default_factory=dict)  # id -> owner
    tribes: dict[str, str] = field(default_factory=dict)  # id -> owner
    roles: dict[str, str] = field(default_factory=dict)  # id -> tribe
    updated_at: dict[str, str | None] = field(default_factory=dict)  # project/tribe id -> last seen
    invitations: dict[str, set[str]] = field(default_factory=dict)  # user -> projects
    collaborators: dict[str, set[str]] = field(default_factory=dict)  # project -> users
    requests: dict[str, set[str]] = field(default_factory=dict)  # tribe -> users
    members: dict[str, set[str]] = field(default_factory=dict)  # tribe -> users (not the owner)
    history: list[Write] = field(default_factory=list)
    read_backs: list[ReadBack] = field(default_factory=list)


class Writer:
    """One builder's client: one mutation at a time, retried while its outcome is unknown."""

    def __init__(
        self,
        world: World,
        me: SignedInBuilder,
        port: int,
        *,
        origin: float,
        deadline: float,
        hang_up_rate: float,
        rng: random.Random,
    ) -> None:
        self.world = world
        self.me = me
        self.port = port
        self.origin = origin
        self.deadline = deadline  # monotonic: no retry starts after it
        self.hang_up_rate = hang_up_rate
        self.rng = rng
        self.connection = HttpConnection(port)
        self.sequence = 0

    def now(self) -> float:
        """Seconds since the run's origin."""
        return time.monotonic() - self.origin

    def _request(self, query: str, variables: dict[str, Any]) -> HttpRequest:
        body = json.dumps({"query": query, "variables": variables}).encode()
        return HttpRequest(
            name="write",
            method="POST",
            path="/graphql",
            body=body,
            headers=(("Cookie", self.me.cookie),),
        )

    async def _send(self, request: HttpRequest) -> tuple[int, bytes] | str:
        """The status and body, or what went wrong on the way."""
        try:
            response = await asyncio.wait_for(
                self.connection.send(request), timeout=REQUEST_TIMEOUT_SECONDS
            )
        except TimeoutError:
            self.connection.close()
            return NO_ANSWER
        except (OSError, asyncio.IncompleteReadError, ValueError):
            self.connection.close()
            return "connection lost"
        return response.status, response.body

    async def _hang_up(self, request: HttpRequest) -> str:
        """Send the request on a connection of its own and close it before the answer."""
        try:
            _, writer = await asyncio.open_connection(LOCALHOST, self.port)
            writer.write(request.raw)
            await writer.drain()
            await asyncio.sleep(self.rng.uniform(0.0, HANG_UP_AFTER_SECONDS))
            writer.close()
        except OSError:
            return "connection lost"
        return "client disconnected"

    async def attempt(self, write: Write, query: str) -> Attempt:
        """One HTTP request of ``write``, classified."""
        request = self._request(query, {"input": write.variables} if write.variables else {})
        started = self.now()
        if self.rng.random() < self.hang_up_rate:
            label = await self._hang_up(request)
            return Attempt(started, self.now(), Answer.AMBIGUOUS, label)
        sent = await self._send(request)
        if isinstance(sent, str):
            return Attempt(started, self.now(), Answer.AMBIGUOUS, sent)
        answer, label, payload = classify_answer(sent[0], sent[1], write.operation)
        detail = sent[1][:300].decode(errors="replace") if answer is Answer.BAD else ""
        return Attempt(started, self.now(), answer, label, payload, detail)

    async def perform(self, operation: str, variables: dict[str, Any]) -> Write:
        """``operation`` until it is acknowledged or refused (or retries run out)."""
        write = Write(self.me.user_id, operation, variables)
        self.world.history.append(write)
        query = operation_document(operation)
        for number in range(MAX_ATTEMPTS):
            attempt = await self.attempt(write, query)
            write.attempts.append(attempt)
            settled = attempt.answer in {Answer.ACKNOWLEDGED, Answer.REFUSED}
            if settled or operation in NOT_RETRIED or time.monotonic() > self.deadline:
                break
            pause = BACKOFF_SECONDS[min(number, len(BACKOFF_SECONDS) - 1)]
            await asyncio.sleep(pause * self.rng.uniform(0.5, 1.5))
        return write

    async def probe(self, operation: str, variables: dict[str, Any]) -> Write:
        """``operation`` once, never retried: to time when the service answers again."""
        write = Write(self.me.user_id, operation, variables)
        self.world.history.append(write)
        write.attempts.append(await self.attempt(write, operation_document(operation)))
        return write

    async def read_updated_at(self, kind: str, ident: str) -> str | None:
        """The object's ``updatedAt`` as a read sees it (a replica, when it is fresh enough)."""
        started = self.now()
        variables = {} if kind == "viewer" else {"id": ident}
        sent = await self._send(self._request(UPDATED_AT_QUERY[kind], variables))
        if isinstance(sent, str):
            self.world.read_backs.append(ReadBack(started, kind, None, sent))
            return None
        try:
            found = (json.loads(sent[1]).get("data") or {}).get(kind)
        except ValueError:
            found = None
        seen = isinstance(found, dict)
        label = "seen" if seen else f"HTTP {sent[0]} " + sent[1][:120].decode(errors="replace")
        self.world.read_backs.append(
            ReadBack(started, kind, seen if sent[0] == 200 else None, label)
        )
        return str(found["updatedAt"]) if seen and isinstance(found, dict) else None

    def key(self) -> str:
        """A fresh idempotency key (also in the created object's name, to find duplicates)."""
        self.sequence += 1
        return f"{self.me.username}-{self.sequence}"

    async def run(self, until: float) -> None:
        """Random writes until the monotonic time ``until``."""
        while time.monotonic() < until:
            operation = self.rng.choices(MUTATIONS, weights=[WEIGHTS[m] for m in MUTATIONS])[0]
            chosen = self.variables(operation)
            if chosen is None:
                operation, chosen = "createProject", self.variables("createProject")
            assert chosen is not None
            write = await self.perform(operation, chosen)
            await self.learn(write)

    # --- what to send -----------------------------------------------------------------

    def _mine(self, objects: dict[str, str]) -> list[str]:
        return [ident for ident, owner in objects.items() if owner == self.me.user_id]

    def _pick(self, items: list[str] | set[str]) -> str | None:
        return self.rng.choice(sorted(items)) if items else None

    def _other_builder(self) -> str:
        others = [b.user_id for b in self.world.builders if b.user_id != self.me.user_id]
        return self.rng.choice(others)

    def variables(self, operation: str) -> dict[str, Any] | None:
        """The input of ``operation`` for this builder now, or None if it has nothing to act on."""
        w, me = self.world, self.me.user_id
        text = self.key()
        chooser: dict[str, Callable[[], dict[str, Any] | None]] = {
            "createProject": lambda: {
                "title": f"w {text}",
                "status": self.rng.choice(["IN_PROGRESS", "SHIPPED"]),
                "idempotencyKey": text,
            },
            "createTribe": lambda: {
                "name": f"w {text}",
                "mission": "Stress",
                "maxMembers": self.rng.randint(2, 5),
                "idempotencyKey": text,
            },
            "updateProject": lambda: self._edit(
                "project",
                "projectId",
                {
                    "description": f"d {text}",
                    **(
                        {"status": self.rng.choice(["SHIPPED", "IN_PROGRESS"])}
                        if self.rng.random() < 0.5
                        else {}
                    ),
                },
            ),
            "archiveProject": lambda: self._on(self._pick(self._mine(w.projects)), "projectId"),
            "inviteCollaborator": lambda: self._with(
                self._on(self._pick(self._mine(w.projects)), "projectId"),
                userId=self._other_builder(),
                role="Designer",
            ),
            "respondToCollaboration": lambda: self._with(
                self._on(self._pick(w.invitations.get(me, set())), "projectId"),
                accept=self.rng.random() < 0.75,
            ),
            "removeCollaborator": lambda: self._member_of(w.projects, w.collaborators, "projectId"),
            "leaveProject": lambda: self._on(
                self._pick({p for p, users in w.collaborators.items() if me in users}), "projectId"
            ),
            "updateTribe": lambda: self._edit(
                "tribe",
                "tribeId",
                {
                    "mission": f"m {text}",
                    **({"maxMembers": self.rng.randint(2, 6)} if self.rng.random() < 0.3 else {}),
                },
            ),
            "requestToJoinTribe": lambda: self._on(
                self._pick([t for t, owner in w.tribes.items() if owner != me]), "tribeId"
            ),
            "respondToJoinRequest": lambda: self._with(
                self._member_of(w.tribes, w.requests, "tribeId"),
                approve=self.rng.random() < 0.75,
            ),
            "leaveTribe": lambda: self._on(
                self._pick({t for t, users in w.members.items() if me in users}), "tribeId"
            ),
            "removeMember": lambda: self._member_of(w.tribes, w.members, "tribeId"),
            "addOpenRole": lambda: self._with(
                self._on(self._pick(self._mine(w.tribes)), "tribeId"), title=f"r {text}"
            ),
            "updateOpenRole": lambda: self._with(
                self._on(self._pick(self._my_roles()), "roleId"), title=f"u {text}"
            ),
            "fillOpenRole": lambda: self._fill(),
            "closeOpenRole": lambda: self._on(self._pick(self._my_roles()), "roleId"),
            "updateProfile": lambda: {
                "expectedUpdatedAt": w.updated_at.get(me) or "1970-01-01T00:00:00+00:00",
                "headline": f"h {text}",
            },
            "setSkills": lambda: {
                "skills": self.rng.sample(w.skills, k=min(len(w.skills), self.rng.randint(0, 4)))
            },
            "completeOnboarding": lambda: {},
        }
        return chooser[operation]()

    @staticmethod
    def _on(ident: str | None, name: str) -> dict[str, Any] | None:
        return None if ident is None else {name: ident}

    @staticmethod
    def _with(base: dict[str, Any] | None, **more: Any) -> dict[str, Any] | None:
        return None if base is None else {**base, **more}

    def _my_roles(self) -> list[str]:
        mine = set(self._mine(self.world.tribes))
        return [role for role, tribe in self.world.roles.items() if tribe in mine]

    def _member_of(
        self, objects: dict[str, str], people: dict[str, set[str]], name: str
    ) -> dict[str, Any] | None:
        owned = [o for o in self._mine(objects) if people.get(o)]
        chosen = self._pick(owned)
        if chosen is None:
            return None
        return {name: chosen, "userId": self._pick(people[chosen])}

    def _fill(self) -> dict[str, Any] | None:
        role = self._pick(self._my_roles())
        if role is None:
            return None
        candidates = {self.me.user_id} | self.world.members.get(self.world.roles[role], set())
        return {"roleId": role, "userId": self._pick(candidates)}

    def _edit(self, kind: str, name: str, values: dict[str, Any]) -> dict[str, Any] | None:
        objects = self.world.projects if kind == "project" else self.world.tribes
        ident = self._pick(self._mine(objects))
        if ident is None:
            return None
        # The expected version: the last one an answer showed, else read it (fallback: now).
        expected = self.world.updated_at.get(ident)
        return {name: ident, "expectedUpdatedAt": expected or "1970-01-01T00:00:00+00:00", **values}

    # --- what the answer teaches --------------------------------------------------------

    async def learn(self, write: Write) -> None:
        """Update the shared picture from an acknowledged write (and re-read stale versions)."""
        w, v, me = self.world, write.variables, self.me.user_id
        if not write.acknowledged:
            if write.operation in VERSIONED or not write.cleanly_refused:
                await self._refresh_versions(write)
            return
        payload = write.last.payload if write.last is not None else None
        assert payload is not None
        op = write.operation
        if op in {"createProject", "createTribe"}:
            ident = write.result_id
            assert ident is not None
            kind = "project" if op == "createProject" else "tribe"
            (w.projects if kind == "project" else w.tribes)[ident] = me
            w.updated_at[ident] = await self.read_updated_at(kind, ident)
        elif op in {"updateProject", "updateTribe", "updateProfile"}:
            shown = payload.get("project") or payload.get("tribe") or payload.get("user") or {}
            w.updated_at[str(shown.get("id"))] = shown.get("updatedAt")
        elif op == "archiveProject":
            w.updated_at[v["projectId"]] = None
        elif op == "inviteCollaborator":
            w.invitations.setdefault(v["userId"], set()).add(v["projectId"])
        elif op == "respondToCollaboration":
            w.invitations.get(me, set()).discard(v["projectId"])
            if v["accept"]:
                w.collaborators.setdefault(v["projectId"], set()).add(me)
        elif op in {"removeCollaborator", "leaveProject"}:
            w.collaborators.get(v["projectId"], set()).discard(v.get("userId", me))
            w.invitations.get(v.get("userId", me), set()).discard(v["projectId"])
        elif op == "requestToJoinTribe":
            w.requests.setdefault(v["tribeId"], set()).add(me)
        elif op == "respondToJoinRequest":
            w.requests.get(v["tribeId"], set()).discard(v["userId"])
            if v["approve"]:
                w.members.setdefault(v["tribeId"], set()).add(v["userId"])
        elif op in {"leaveTribe", "removeMember"}:
            w.members.get(v["tribeId"], set()).discard(v.get("userId", me))
            w.requests.get(v["tribeId"], set()).discard(v.get("userId", me))
        elif op == "addOpenRole":
            role = write.result_id
            if role is not None:
                w.roles[role] = v["tribeId"]
        elif op == "closeOpenRole":
            w.roles.pop(v["roleId"], None)

    async def _refresh_versions(self, write: Write) -> None:
        ident = write.variables.get("projectId") or write.variables.get("tribeId")
        if write.operation in {"updateProject", "archiveProject"} and ident:
            self.world.updated_at[ident] = await self.read_updated_at("project", ident)
        elif write.operation == "updateTribe" and ident:
            self.world.updated_at[ident] = await self.read_updated_at("tribe", ident)
        elif write.operation == "updateProfile":
            me = self.me.user_id
            self.world.updated_at[me] = await self.read_updated_at("viewer", me)


def attempts_in(history: list[Write]) -> list[Attempt]:
    """Every attempt of every write."""
    return [attempt for write in history for attempt in write.attempts]


async def run_writers(
    port: int,
    world: World,
    builders: list[SignedInBuilder],
    *,
    seconds: float,
    origin: float,
    hang_up_rate: float,
    seed: int,
    retry_grace: float = 20.0,
) -> World:
    """One :class:`Writer` per builder for ``seconds``; retries may run ``retry_grace``
    longer. The history is in ``world``."""
    until = time.monotonic() + seconds
    writers = [
        Writer(
            world,
            builder,
            port,
            origin=origin,
            deadline=until + retry_grace,
            hang_up_rate=hang_up_rate,
            rng=random.Random(seed * 1000 + index),
        )
        for index, builder in enumerate(builders)
    ]
    try:
        await asyncio.gather(*(writer.run(until) for writer in writers))
    finally:
        for writer in writers:
            writer.connection.close()
    return world
