"""``schema.graphql`` is the code's schema, so every schema change shows in review."""

from __future__ import annotations

from tests.conftest import REPO_ROOT
from tribe_service.graphql.schema import schema

SCHEMA_FILE = REPO_ROOT / "schema.graphql"


def test_schema_file_matches_the_code():
    # `just schema` writes the file with strawberry export-schema: the SDL and a newline.
    assert SCHEMA_FILE.read_text() == schema.as_str() + "\n", "run `just schema` and commit it"
