"""Another revision of this service as a contender (``just bench --against REV``).

A refactoring must not make a page slower; measured one run after the other,
that cannot be told from the machine's noise. ``--against`` checks the revision
out in a temporary git worktree and serves it from there with the same
interpreter and packages, beside the current code, so both are measured in the
same alternating rounds (:mod:`benchmarks.bench.side_by_side`), and their
answers are compared byte for byte first.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from benchmarks.bench.measuring import BenchError
from harness.server import REPO_ROOT, ServerProcess, uvicorn_server


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False, timeout=120
    )


@contextlib.contextmanager
def checkout(revision: str) -> Iterator[Path]:
    """A detached worktree of ``revision`` in a temporary folder, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="bench-against-"))
    tree = folder / "tree"
    added = _git("worktree", "add", "--detach", str(tree), revision)
    if added.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise BenchError(f"--against {revision}: {added.stderr.strip().splitlines()[-1]}")
    try:
        yield tree
    finally:
        _git("worktree", "remove", "--force", str(tree))
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def old_code_server(
    revision: str, *, workers: int, env: Mapping[str, str]
) -> Iterator[ServerProcess]:
    """``revision``'s app, served as ``just serve`` serves it, for as long as the block runs."""
    with (
        checkout(revision) as tree,
        uvicorn_server(
            "tribe_service.app:app", workers=workers, env=env, name=revision, cwd=tree
        ) as server,
    ):
        yield server
