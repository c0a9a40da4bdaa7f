"""Trusted documents: the operations the frontend ships, by SHA-256 of their text.

With ``TRUSTED_DOCUMENTS`` naming a manifest, production answers only the
operations listed there: a client sends the hash in
``extensions.persistedQuery.sha256Hash`` (POST, or GET with only the hash), or
the exact text of a listed operation. Elsewhere the manifest is a lookup table
for hashes, and any text is answered.

The manifest is Apollo's persisted query manifest format (what the TypeScript
client's build writes), or a plain ``{"<sha256>": "<document>"}`` object::

    {"format": "apollo-persisted-query-manifest", "version": 1,
     "operations": [{"id": "<sha256>", "name": "LandingPage", "type": "query", "body": "..."}]}

``python -m tribe_service.graphql.trusted_documents build [DIR] [--output PATH]``
(``just trusted-documents``) writes one from the TypeScript client's
``.graphql`` files (or those in ``DIR``, laid out the same way), each checked
against the schema and the cost limit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec

from tribe_service.graphql.client_operations import OPERATIONS_DIR, document, operation_names
from tribe_service.graphql.paging import DEFAULT_PAGE_SIZE

MANIFEST_FORMAT = "apollo-persisted-query-manifest"


class ManifestError(ValueError):
    """The manifest cannot be read, or a hash does not match its document."""


def document_hash(text: str) -> str:
    """The SHA-256 of a document's text, in hex: its id in the manifest."""
    return hashlib.sha256(text.encode()).hexdigest()


class TrustedDocuments:
    """Documents by hash, each checked to hash to its id."""

    def __init__(self, documents: Mapping[str, str]) -> None:
        for digest, text in documents.items():
            if document_hash(text) != digest.lower():
                raise ManifestError(f"the document listed as {digest[:12]}… has another hash")
        self.documents = {digest.lower(): text for digest, text in documents.items()}

    def __len__(self) -> int:
        return len(self.documents)

    def get(self, digest: str) -> str | None:
        """The document with this hash, if listed."""
        return self.documents.get(digest.lower())

    def contains_text(self, text: str) -> bool:
        """Whether ``text`` is exactly one of the listed documents."""
        return document_hash(text) in self.documents

    @classmethod
    def from_file(cls, path: Path) -> TrustedDocuments:
        """Read a manifest; :class:`ManifestError` with one line when it is not one."""
        try:
            data = msgspec.json.decode(path.read_bytes())
        except (OSError, msgspec.DecodeError) as error:
            raise ManifestError(f"cannot read {path}: {error}") from None
        return cls(_documents_in(data, path))


def _documents_in(data: Any, path: Path) -> dict[str, str]:
    if isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT:
        operations = data.get("operations")
        if not isinstance(operations, list):
            raise ManifestError(f"{path}: `operations` must be a list")
        try:
            return {str(op["id"]): str(op["body"]) for op in operations}
        except (KeyError, TypeError):
            raise ManifestError(f"{path}: every operation needs `id` and `body`") from None
    if isinstance(data, dict) and all(isinstance(value, str) for value in data.values()):
        return {str(key): value for key, value in data.items()}
    raise ManifestError(f"{path}: not a persisted query manifest")


def manifest(operations: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """An Apollo persisted query manifest of ``(name, document)`` pairs."""
    return {
        "format": MANIFEST_FORMAT,
        "version": 1,
        "operations": [
            {"id": document_hash(body), "name": name, "type": "query", "body": body}
            for name, body in operations
        ],
    }


def build(directory: Path = OPERATIONS_DIR) -> tuple[dict[str, Any], list[str]]:
    """The manifest of the operations in ``directory``, and the problems found.

    ``directory`` is laid out as the TypeScript client's operations are: one
    operation or fragment per ``.graphql`` file; each operation is sent with the
    fragments it spreads (:func:`client_operations.document`). Every one must be
    valid against the schema and within ``MAX_QUERY_COST`` at its variables'
    defaults (a page of ``first: 20`` where it has no default).
    """
    from graphql import OperationDefinitionNode, parse, validate
    from graphql.error import GraphQLSyntaxError

    from tribe_service.config import load_settings
    from tribe_service.graphql.cost import operation_cost
    from tribe_service.graphql.schema import schema

    settings = load_settings()
    operations: list[tuple[str, str]] = []
    problems: list[str] = []
    try:
        names = operation_names(directory)
    except ValueError as error:
        return manifest([]), [str(error)]
    for name in names:
        body = document(name, directory)
        try:
            parsed = parse(body)
        except GraphQLSyntaxError as error:
            problems.append(f"{name}: {error.message}")
            continue
        problems.extend(f"{name}: {error.message}" for error in validate(schema._schema, parsed))
        [operation] = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
        cost = operation_cost(schema._schema, parsed, operation, {"first": DEFAULT_PAGE_SIZE})
        if cost > settings.max_query_cost:
            problems.append(f"{name}: costs {cost}, above MAX_QUERY_COST={settings.max_query_cost}")
        operations.append((name, body))
    return manifest(operations), problems


def cost_table(directory: Path = OPERATIONS_DIR) -> str:
    """A Markdown table of each operation's estimated cost at ``first: 20`` and ``first: 100``."""
    from graphql import OperationDefinitionNode, parse

    from tribe_service.graphql.cost import operation_cost
    from tribe_service.graphql.schema import schema

    lines = ["| operation | cost at `first: 20` | at `first: 100` |", "|---|---:|---:|"]
    for name in operation_names(directory):
        parsed = parse(document(name, directory))
        [operation] = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
        costs = [operation_cost(schema._schema, parsed, operation, {"first": n}) for n in (20, 100)]
        lines.append(f"| {name} | {costs[0]:,} | {costs[1]:,} |")
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    """``python -m tribe_service.graphql.trusted_documents build [DIR] [--output PATH]``."""
    parser = argparse.ArgumentParser(prog="python -m tribe_service.graphql.trusted_documents")
    commands = parser.add_subparsers(dest="command", required=True)
    build_command = commands.add_parser("build", help="write a manifest from .graphql files")
    build_command.add_argument(
        "directory", nargs="?", type=Path, default=OPERATIONS_DIR, help="default: the client's"
    )
    build_command.add_argument("--output", default="-", help="file to write (default: stdout)")
    costs_command = commands.add_parser("costs", help="print each operation's cost (Markdown)")
    costs_command.add_argument("directory", nargs="?", type=Path, default=OPERATIONS_DIR)
    args = parser.parse_args(argv)
    if args.command == "costs":
        print(cost_table(args.directory))
        return 0
    result, problems = build(args.directory)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    text = json.dumps(result, indent=2) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text)
        print(f"{len(result['operations'])} operations -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
