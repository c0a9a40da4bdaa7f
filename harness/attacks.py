"""The attacks of issue 11, as documents and requests: the stress test sends them, the tests too.

Each one used to cost seconds (or gigabytes); each is now refused before any
SQL runs (see README, "Limits").
"""

from __future__ import annotations

# 30 aliases of builders(first: 100) over nested projects / collaborators / user
# fragments: 3.7 kB that returned 2.6 MB in 2.5 s on the seed data.
AMPLIFICATION = (
    "fragment U on User { id username displayName bio"
    " projects { id title collaborators { role user { id username"
    " projects { id title collaborators { user { id username } } } } } } }\n"
    "query Amplify {\n"
    + "\n".join(f"  b{i}: builders(first: 100) {{ nodes {{ ...U }} }}" for i in range(30))
    + "\n}"
)

# Without aliases, within the depth limit: one list and nested lists four deep.
NESTED_LISTS = """
{ builders(first: 100) { nodes { projects(first: 100) { collaborators(first: 100) { user {
  projects(first: 100) { collaborators(first: 100) { user { username } } } } } } } } }
"""


def fragment_bomb(levels: int = 20, leaf: str = "id", variant: int = 0) -> str:
    """``fragment F0 on User { ...F1 ...F1 }``, ``levels`` deep: 2^levels uses of ``leaf``.

    ``variant`` changes the fragment names, so no parse or validation cache helps.
    """
    name = f"F{variant}x"
    fragments = [
        f"fragment {name}{i} on User {{ ...{name}{i + 1} ...{name}{i + 1} }}" for i in range(levels)
    ]
    fragments.append(f"fragment {name}{levels} on User {{ {leaf} }}")
    return f'{{ user(username: "mayachen") {{ ...{name}0 }} }}\n' + "\n".join(fragments)
