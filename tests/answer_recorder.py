"""Record every answer the API gives, to prove a refactoring changes not one byte.

The answers of the client's operations, of every hand-written document of the
differential corpus (``tests/graphql_corpus.py``) and of a fixed set of
operations generated from the schema (as ``tests/test_graphql_differential.py``
makes them), on two databases: the seeded one and the same grown by the scale
generator (the differential test's ``GROWN_SCALE``). Each case runs compiled and
through the resolvers, anonymously and as a viewer, in the test and production
environments; the JSON bodies are written one per line.

The two databases are made once and kept (their ids are random ULIDs, so a second
seeding would give other answers), in an embedded server under ``DIR``::

    python -m tests.answer_recorder prepare /work/answers/pg
    python -m tests.answer_recorder record /work/answers/pg /work/answers/before
    # ... change the code, then answer the very same cases again:
    python -m tests.answer_recorder record /work/answers/pg /work/answers/after \\
        --replay /work/answers/before
    cmp /work/answers/before/seeded.answers /work/answers/after/seeded.answers

``record`` writes ``<database>.cases`` (the documents and variables, JSON lines)
and ``<database>.answers``; ``--replay`` reads the cases of an earlier recording
instead of collecting them, so a changed test file cannot change what is compared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

DATABASES = ("seeded", "grown")
GROWN_SCALE = ("--users=150", "--projects=300", "--tribes=30", "--events=1500", "--quiet")
GENERATED_OPERATIONS = 300


def _server(directory: Path) -> Any:
    from tribe_service.embedded_postgres import EmbeddedPostgres

    return EmbeddedPostgres(directory / "postgres")


def _cli(*args: str, url: str) -> None:
    program = str(Path(sys.executable).parent / args[0])
    env = {**os.environ, "DATABASE_URL": url, "ENVIRONMENT": "test"}
    result = subprocess.run(
        [program, *args[1:]], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def prepare(directory: Path) -> None:
    """Make the seeded and the grown database in a new embedded server under ``directory``."""
    server = _server(directory)
    server.start()
    try:
        for name in DATABASES:
            server.psql(f'CREATE DATABASE "answers_{name}" OWNER tribe')
            url = server.url(f"answers_{name}")
            _cli("piccolo", "migrations", "forwards", "all", url=url)
            _cli("piccolo", "tribe_service", "seed", url=url)
            if name == "grown":
                _cli("piccolo", "tribe_service", "scale", *GROWN_SCALE, url=url)
    finally:
        server.stop()


def record(directory: Path, output: Path, replay: Path | None) -> None:
    """Answer every case on both databases (each in its own process: one engine each)."""
    output.mkdir(parents=True, exist_ok=True)
    server = _server(directory)
    started = server.start()
    try:
        for name in DATABASES:
            env = {
                **os.environ,
                "DATABASE_URL": server.url(f"answers_{name}"),
                "ENVIRONMENT": "test",
                "EMBEDDING_FILL_INTERVAL": "0",
            }
            cases = (replay or output) / f"{name}.cases"
            command = [sys.executable, "-m", "tests.answer_recorder", "answer", str(cases)]
            command += [str(output / f"{name}.answers")]
            command += ["--replay"] if replay else []
            subprocess.run(command, env=env, check=True)
    finally:
        if started:
            server.stop()


def collect_cases(engine_facts: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """The client's operations, the hand-written corpus, then generated operations."""
    from tests.graphql_corpus import hand_written_documents, variable_cases
    from tests.test_graphql_differential import generated_operation, generation

    cases = [
        {"document": document, "variables": variables}
        for document in hand_written_documents()
        for variables in variable_cases(document, engine_facts)
    ]

    @generation(GENERATED_OPERATIONS)
    def generate(document: Any, lift: bool, tame: int) -> None:
        text, variables = generated_operation(document, lift, tame)
        cases.append({"document": text, "variables": variables})

    generate()
    return cases


async def answer_cases(cases: list[dict[str, Any]] | None) -> tuple[list[dict[str, Any]], bytes]:
    """Run every case (collected here when None) six ways; the bodies, one line per run."""
    from tests.test_graphql_differential import PRODUCTION_PATHS, TEST_PATHS, answer, facts
    from tribe_service.app import current_engine
    from tribe_service.graphql.compiled.executor import STATS

    engine = current_engine()
    await engine.start_connection_pool()
    STATS.reset()
    try:
        if cases is None:
            cases = collect_cases(await facts(engine))
        [[viewer]] = await engine.fetch("SELECT id FROM users ORDER BY builder_score DESC LIMIT 1")
        runs = (
            ("compiled", TEST_PATHS.compiled, None),
            ("resolvers", TEST_PATHS.resolvers, None),
            ("compiled-viewer", TEST_PATHS.compiled, viewer),
            ("resolvers-viewer", TEST_PATHS.resolvers, viewer),
            ("production-compiled", PRODUCTION_PATHS.compiled, None),
            ("production-resolvers", PRODUCTION_PATHS.resolvers, None),
        )
        lines = []
        for number, case in enumerate(cases):
            for label, schema, user in runs:
                body = await answer(schema, engine, case["document"], case["variables"], user)
                lines.append(f"{number} {label} ".encode() + body + b"\n")
        print(f"compiled {STATS.compiled}, fell back {STATS.fallback}: {dict(STATS.fallbacks)}")
        return cases, b"".join(lines)
    finally:
        await engine.close_connection_pool()


def answer_file(cases_file: Path, answers_file: Path, replay: bool) -> None:
    """Answer the cases of ``cases_file`` (written first unless ``replay``) into ``answers_file``."""
    given = [json.loads(line) for line in cases_file.read_text().splitlines()] if replay else None
    cases, answers = asyncio.run(answer_cases(given))
    if not replay:
        cases_file.write_text("".join(json.dumps(case) + "\n" for case in cases))
    answers_file.write_bytes(answers)
    print(f"{answers_file}: {len(cases)} cases, {answers.count(b'\n')} answers")


def main(argv: list[str] | None = None) -> None:
    """``prepare DIR``, ``record DIR OUT [--replay EARLIER]`` (``answer`` is internal)."""
    parser = argparse.ArgumentParser(prog="python -m tests.answer_recorder")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("prepare").add_argument("directory", type=Path)
    recording = commands.add_parser("record")
    recording.add_argument("directory", type=Path)
    recording.add_argument("output", type=Path)
    recording.add_argument("--replay", type=Path)
    answering = commands.add_parser("answer")
    answering.add_argument("cases", type=Path)
    answering.add_argument("answers", type=Path)
    answering.add_argument("--replay", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare(args.directory)
    elif args.command == "record":
        record(args.directory, args.output, args.replay)
    else:
        answer_file(args.cases, args.answers, args.replay)


if __name__ == "__main__":
    main()
