# Find Your Tribe backend. `just` lists the recipes; `just dev` and `just test` are all you need.
# Every recipe creates and uses .venv itself. With DATABASE_URL set, no recipe starts the
# embedded database: they all use that server (Docker, a managed database, CI).

set shell := ["bash", "-euo", "pipefail", "-c"]

venv := ".venv"
bin := venv / "bin"

# List the recipes
default:
    @just --list --unsorted

# Bring up the whole service: database, migrations, seed data, API with reload
dev: _venv
    #!/usr/bin/env bash
    set -euo pipefail
    # A plain assignment, so that set -e stops here if the URL cannot be had.
    url="$({{ just_executable() }} --quiet _database-url)"
    export DATABASE_URL="$url"
    {{ bin }}/piccolo migrations forwards all
    {{ bin }}/piccolo tribe_service seed --if_empty
    host="${HOST:-127.0.0.1}" port="${PORT:-8000}"
    echo "GraphQL API + GraphiQL: http://$host:$port/graphql"
    echo "Health for load balancers: http://$host:$port/healthz"
    # Development only (the route does not exist elsewhere): the same cookies as a GitHub sign-in
    echo "Sign in without GitHub: GET http://$host:$port/auth/dev/sign-in?username=mayachen"
    # Development only: creates an `admin` with a random password (printed once) if no admin exists
    {{ bin }}/python -m tribe_service.admin dev-login "http://$host:$port/admin/"
    exec {{ bin }}/uvicorn tribe_service.app:app --reload --reload-dir tribe_service \
        --host "$host" --port "$port"

# Serve production-style: no reload, no migrations; honours HOST, PORT, WORKERS, GRACEFUL_SHUTDOWN_SECONDS, PROMETHEUS_MULTIPROC_DIR
serve: _venv
    #!/usr/bin/env bash
    set -euo pipefail
    # A plain assignment, so that set -e stops here if the URL cannot be had.
    url="$({{ just_executable() }} --quiet _database-url)"
    export DATABASE_URL="$url"
    # Every worker writes its metrics to files here and /metrics adds them up (prometheus-client's
    # multiprocess mode); files left by an earlier run would count again, so they go.
    export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-${TMPDIR:-/tmp}/tribe-metrics-${PORT:-8000}}"
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -name '*.db' -delete
    # SIGTERM: stop accepting, let in-flight requests finish for at most that long, then exit.
    exec {{ bin }}/uvicorn tribe_service.app:app --no-access-log \
        --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" --workers "${WORKERS:-1}" \
        --timeout-graceful-shutdown "${GRACEFUL_SHUTDOWN_SECONDS:-10}"

# Write the trusted-documents manifest of the TypeScript client's operations (TRUSTED_DOCUMENTS reads it)
trusted-documents output="trusted-documents.json": _venv
    {{ bin }}/python -m tribe_service.graphql.trusted_documents build --output "{{ output }}"

# Start the embedded PostgreSQL 16 + pgvector (idempotent) and print its URL (--log-statements)
db *args: _venv
    #!/usr/bin/env bash
    set -euo pipefail
    if [[ -n "${DATABASE_URL:-}" ]]; then
        echo "DATABASE_URL is set: using that server, not starting the embedded one." >&2
        echo "$DATABASE_URL"
    else
        {{ bin }}/python -m tribe_service.embedded_postgres start {{ args }}
    fi

# Stop the embedded PostgreSQL (its data stays in .data/)
db-stop: _venv
    {{ bin }}/python -m tribe_service.embedded_postgres stop

# Start a streaming replica of the embedded PostgreSQL (idempotent; logs statements) and print its URL
replica *args: _venv
    #!/usr/bin/env bash
    set -euo pipefail
    if [[ -n "${DATABASE_URL:-}" ]]; then
        echo "DATABASE_URL is set: just replica replicates the embedded server only." >&2
        exit 1
    fi
    {{ bin }}/python -m tribe_service.embedded_postgres replica {{ args }}

# Stop the replica (its data stays in .data/replica)
replica-stop: _venv
    {{ bin }}/python -m tribe_service.embedded_postgres replica-stop

# Apply every pending migration
migrate: _venv
    #!/usr/bin/env bash
    set -euo pipefail
    # A plain assignment, so that set -e stops here if the URL cannot be had.
    url="$({{ just_executable() }} --quiet _database-url)"
    export DATABASE_URL="$url"
    {{ bin }}/piccolo migrations forwards all

# Replace the app's data with the prototype seed data (refused when ENVIRONMENT=production)
seed: _venv
    #!/usr/bin/env bash
    set -euo pipefail
    # A plain assignment, so that set -e stops here if the URL cannot be had.
    url="$({{ just_executable() }} --quiet _database-url)"
    export DATABASE_URL="$url"
    {{ bin }}/piccolo tribe_service seed

# Compute every missing (new or stale) embedding of builders and projects, in batches (--batch_size=)
embed *args: _venv
    #!/usr/bin/env bash
    set -euo pipefail
    # A plain assignment, so that set -e stops here if the URL cannot be had.
    url="$({{ just_executable() }} --quiet _database-url)"
    export DATABASE_URL="$url"
    {{ bin }}/piccolo tribe_service embed {{ args }}

# Create a Piccolo Admin user from ADMIN_USERNAME, ADMIN_PASSWORD (asked when unset), ADMIN_EMAIL
admin-user: _venv
    #!/usr/bin/env bash
    set -euo pipefail
    # A plain assignment, so that set -e stops here if the URL cannot be had.
    url="$({{ just_executable() }} --quiet _database-url)"
    export DATABASE_URL="$url"
    username="${ADMIN_USERNAME:-}" password="${ADMIN_PASSWORD:-}"
    if [[ -z "$username" ]]; then read -rp "Admin username: " username; fi
    if [[ -z "$username" ]]; then echo "A username is required" >&2; exit 1; fi
    if [[ -z "$password" ]]; then
        read -rsp "Password for $username: " password; echo
        read -rsp "Password again: " again; echo
        if [[ "$password" != "$again" ]]; then echo "The passwords differ" >&2; exit 1; fi
    fi
    {{ bin }}/piccolo user create --username="$username" --password="$password" \
        --email="${ADMIN_EMAIL:-$username@localhost}" --is_admin=t --is_superuser=t --is_active=t

# ruff check, ruff format --check and mypy
lint: _venv
    {{ bin }}/ruff check .
    {{ bin }}/ruff format --check .
    {{ bin }}/mypy

# Lint, then the whole test suite on a real, throwaway PostgreSQL
test *args: lint
    {{ bin }}/pytest {{ args }}

# Compiled plans vs Strawberry's resolvers on the whole corpus: hand-written documents and
# 500 generated operations per database, seeded and grown, and 25 generated payload
# selections per mutation from the same fresh state; 0 differences (EXAMPLES=...)
differential: _venv
    DIFFERENTIAL_EXAMPLES="${EXAMPLES:-500}" {{ bin }}/pytest tests/test_graphql_differential.py tests/test_mutation_differential.py tests/test_prepared_queries.py -q

# Write the GraphQL schema to schema.graphql (commit it: a test fails when it drifts from the code)
schema: _venv
    {{ bin }}/strawberry export-schema tribe_service.graphql.schema:schema --output schema.graphql

# Check the TypeScript client: npm ci, generate types from schema.graphql, strict tsc
client-check:
    cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error
    cd clients/typescript && npm run --silent codegen
    cd clients/typescript && npm run --silent typecheck

# Refresh GraphiQL's vendored assets from npm (versions pinned in tribe_service/graphiql/__init__.py)
graphiql-assets: _venv
    {{ bin }}/python -m tribe_service.graphiql.vendor

# Format the code with ruff (and apply its safe fixes)
fmt: _venv
    {{ bin }}/ruff check --fix .
    {{ bin }}/ruff format .

# (internal) the database URL: DATABASE_URL, or the embedded server, started if needed
_database-url: _venv
    #!/usr/bin/env bash
    set -euo pipefail
    if [[ -n "${DATABASE_URL:-}" ]]; then
        echo "$DATABASE_URL"
    else
        {{ bin }}/python -m tribe_service.embedded_postgres start
    fi

# (internal) create .venv with Python >= 3.12 and install the project when pyproject.toml changes
_venv:
    #!/usr/bin/env bash
    set -euo pipefail
    if [[ -x {{ bin }}/python && {{ venv }}/.installed -nt pyproject.toml ]]; then exit 0; fi
    python=""
    for candidate in python3.12 python3 python; do
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            python="$candidate"; break
        fi
    done
    if [[ -z "$python" ]]; then echo "Python 3.12 or newer is required" >&2; exit 1; fi
    [[ -x {{ bin }}/python ]] || "$python" -m venv {{ venv }}
    {{ bin }}/python -m pip install --quiet --upgrade pip >&2
    {{ bin }}/python -m pip install --quiet -e '.[dev]' >&2
    touch {{ venv }}/.installed

# Migrate, then add a deterministic scale data set: 10k builders, 20k projects, 2k tribes, 100k events (--seed=, --users=, ...)
scale *args: _venv
    #!/usr/bin/env bash
    set -euo pipefail
    # A plain assignment, so that set -e stops here if the URL cannot be had.
    url="$({{ just_executable() }} --quiet _database-url)"
    export DATABASE_URL="$url"
    {{ bin }}/piccolo migrations forwards all >/dev/null
    {{ bin }}/piccolo tribe_service scale {{ args }}

# Load-test `just serve` on the scaled data (`just scale` first); writes docs/performance.md (--duration=, ...)
bench *args: _venv
    #!/usr/bin/env bash
    set -euo pipefail
    # A plain assignment, so that set -e stops here if the URL cannot be had.
    url="$({{ just_executable() }} --quiet _database-url)"
    export DATABASE_URL="$url"
    {{ bin }}/python -m benchmarks.bench {{ args }}
    # Metrics and tracing on vs off on the landing page (docs/operations.md; also `just bench-overhead`).
    [[ " {{ args }} " == *" --only-"* ]] && exit 0  # a section alone: no overhead rounds
    overhead=(); [[ " {{ args }} " == *" --no-write "* ]] && overhead=(--no-write)
    {{ bin }}/python -m benchmarks.overhead "${overhead[@]}"

# Load, database outage, fuzzing and memory checks on the scaled data; writes docs/reliability.md
stress *args: _venv
    #!/usr/bin/env bash
    set -euo pipefail
    # A plain assignment, so that set -e stops here if the URL cannot be had.
    url="$({{ just_executable() }} --quiet _database-url)"
    export DATABASE_URL="$url"
    {{ bin }}/python -m benchmarks.stress {{ args }}

# Capacity plan: 1 vs 2 instances, with and without a replica and PgBouncer; writes docs/scaling.md
bench-scaling *args: _venv
    #!/usr/bin/env bash
    set -euo pipefail
    # A plain assignment, so that set -e stops here if the URL cannot be had.
    url="$({{ just_executable() }} --quiet _database-url)"
    export DATABASE_URL="$url"
    {{ bin }}/python -m benchmarks.scaling {{ args }}

# Landing page with metrics and tracing on vs off, alternating rounds; writes docs/operations.md (--rounds=, --duration=, --no-write)
bench-overhead *args: _venv
    #!/usr/bin/env bash
    set -euo pipefail
    # A plain assignment, so that set -e stops here if the URL cannot be had.
    url="$({{ just_executable() }} --quiet _database-url)"
    export DATABASE_URL="$url"
    {{ bin }}/python -m benchmarks.overhead {{ args }}
