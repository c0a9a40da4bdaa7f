"""Service configuration, read once from the environment and typed with msgspec.

Every entry point (the app, ``piccolo_conf.py``, the seed and scale commands)
goes through :func:`load_settings`, so a bad value is caught the same way
everywhere: one line naming the variable, then exit.
"""

from __future__ import annotations

import enum
import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

import msgspec

DEFAULT_DATABASE_URL = "postgresql://tribe:tribe@localhost:5432/tribe"
# Where a frontend developer's dev server runs; never allowed in production unless configured.
DEVELOPMENT_CORS_ORIGINS = ("http://localhost:3000", "http://127.0.0.1:3000")


class Environment(enum.StrEnum):
    """Where the service runs; production hides internals from clients."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class EmbedderName(enum.StrEnum):
    """Which :class:`tribe_service.embeddings.Embedder` makes the vectors."""

    HASHING = "hashing"  # the built-in deterministic feature-hashing embedder


class DatabasePooler(enum.StrEnum):
    """What sits between the app and PostgreSQL.

    Behind PgBouncer in transaction mode, consecutive statements of one client
    connection may run on different server connections, so asyncpg's cache of
    named prepared statements must be off (PgBouncer < 1.21 does not track them).
    """

    NONE = "none"
    PGBOUNCER = "pgbouncer"


class PlanCacheMode(enum.StrEnum):
    """PostgreSQL's ``plan_cache_mode`` on pooled connections: how prepared statements are planned."""

    GENERIC = "force_generic_plan"  # once per statement and connection (every value is a parameter)
    AUTO = "auto"  # PostgreSQL's default: custom plans for the values, a generic one when no worse
    CUSTOM = "force_custom_plan"  # for the values, on every execution


class LogFormat(enum.StrEnum):
    """How log lines are written: JSON lines for collectors, or for people reading a terminal."""

    JSON = "json"
    CONSOLE = "console"


class ConfigError(ValueError):
    """A configuration value is missing or malformed."""


MIN_REPLICA_CHECK_INTERVAL_MS = 50
DEFAULT_FRONTEND_URL = "http://localhost:3000"
MAX_ACCESS_TOKEN_TTL_SECONDS = 15 * 60  # an access token is never good for longer
MIN_SESSION_SECRET_LENGTH = 32


def _split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _check_postgres_url(variable: str, url: str) -> None:
    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"{variable} must be a postgresql:// URL (got scheme {scheme!r})")


def mask_password(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for logs and reprs)."""
    password = urlsplit(url).password
    return url.replace(f":{password}@", ":***@", 1) if password else url


class Settings(msgspec.Struct, frozen=True, kw_only=True, rename="upper"):
    """Typed settings; field ``port`` is read from the variable ``PORT``, and so on."""

    database_url: str = DEFAULT_DATABASE_URL
    environment: Environment = Environment.DEVELOPMENT
    debug: bool | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: str | None = None
    admin_allowed_hosts: str = ""
    db_pool_min_size: int = 2
    db_pool_max_size: int = 10
    # Off: every operation through Strawberry's resolvers (the benchmark's baseline).
    compiled_execution: bool = True
    embedder: EmbedderName = EmbedderName.HASHING
    # Seconds between the background embedding filler's passes; 0 turns it off.
    embedding_fill_interval: float = 5.0
    database_replica_urls: str = ""
    replica_max_lag_ms: int = 1000
    replica_check_interval_ms: int = 1000
    database_pooler: DatabasePooler = DatabasePooler.NONE
    plan_cache_mode: PlanCacheMode = PlanCacheMode.GENERIC
    # Limits on the work one request can cause (README: "Limits").
    max_query_cost: int = 10_000
    max_query_depth: int = 10
    max_query_aliases: int = 30
    max_query_tokens: int = 2_000
    max_query_chars: int = 20_000
    max_body_bytes: int = 256 * 1024
    operation_timeout_seconds: float = 5.0
    rate_limit_points_per_minute: int = 60_000
    trusted_proxies: str = ""
    trusted_documents: str = ""
    allowed_hosts: str = ""
    admin_login_max_failures: int = 5
    admin_lockout_seconds: int = 300
    # Sign in with GitHub and sessions (README: "Sign in with GitHub").
    frontend_url: str = DEFAULT_FRONTEND_URL
    github_client_id: str = ""
    github_client_secret: str = ""
    github_authorize_url: str = "https://github.com/login/oauth/authorize"
    github_token_url: str = "https://github.com/login/oauth/access_token"
    github_api_url: str = "https://api.github.com"
    github_redirect_url: str = ""
    session_secret: str = ""
    access_token_ttl_seconds: int = MAX_ACCESS_TOKEN_TTL_SECONDS
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    refresh_reuse_grace_seconds: float = 5.0
    # Operating it (README: "Operations"; tribe_service/observability/).
    metrics: bool = True  # /metrics and the per-operation metrics; off: neither
    metrics_token: str = ""  # production serves /metrics only with this bearer token
    slow_operation_ms: int = 500  # slower operations are logged with their SQL
    log_format: LogFormat | None = None  # json in production, console elsewhere
    log_level: str = "INFO"
    redis_url: str = ""  # shares rate limits and admin lockouts between workers and instances
    # Mutation operations a signed-in builder may run per minute (README: "Limits"); 0: off.
    write_rate_per_minute: int = 30

    def __post_init__(self) -> None:
        _check_postgres_url("DATABASE_URL", self.database_url)
        for url in self.replica_urls:
            _check_postgres_url("DATABASE_REPLICA_URLS", url)
        if self.replica_max_lag_ms < 0:
            raise ValueError(
                f"REPLICA_MAX_LAG_MS must be 0 or more (got {self.replica_max_lag_ms})"
            )
        if self.replica_check_interval_ms < MIN_REPLICA_CHECK_INTERVAL_MS:
            raise ValueError(
                f"REPLICA_CHECK_INTERVAL_MS must be at least {MIN_REPLICA_CHECK_INTERVAL_MS}"
                f" (got {self.replica_check_interval_ms})"
            )
        if not 0 < self.port < 65536:
            raise ValueError(f"PORT must be between 1 and 65535 (got {self.port})")
        if not 1 <= self.db_pool_min_size <= self.db_pool_max_size:
            raise ValueError("DB_POOL_MIN_SIZE must be at least 1 and at most DB_POOL_MAX_SIZE")
        if self.embedding_fill_interval < 0:
            raise ValueError(
                "EMBEDDING_FILL_INTERVAL must not be negative (0 turns the filler off)"
            )
        for name in ("max_query_cost", "max_query_depth", "max_query_tokens", "max_query_chars"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.upper()} must be at least 1")
        if self.max_body_bytes < 1024:
            raise ValueError("MAX_BODY_BYTES must be at least 1024")
        if self.operation_timeout_seconds <= 0:
            raise ValueError("OPERATION_TIMEOUT_SECONDS must be positive")
        if self.rate_limit_points_per_minute < 0:
            raise ValueError("RATE_LIMIT_POINTS_PER_MINUTE must be 0 (off) or more")
        if self.write_rate_per_minute < 0:
            raise ValueError("WRITE_RATE_PER_MINUTE must be 0 (off) or more")
        if self.slow_operation_ms < 0:
            raise ValueError("SLOW_OPERATION_MS must be 0 or more")
        if self.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(
                f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR (got {self.log_level!r})"
            )
        if self.redis_url and urlsplit(self.redis_url).scheme not in {"redis", "rediss", "unix"}:
            raise ValueError("REDIS_URL must be a redis://, rediss:// or unix:// URL")
        for proxy in _split_list(self.trusted_proxies):
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(
                    f"TRUSTED_PROXIES: {proxy!r} is not an address or network"
                ) from None
        self._check_sign_in()

    def _check_sign_in(self) -> None:
        """The sign-in settings (README: "Sign in with GitHub")."""
        if not 1 <= self.access_token_ttl_seconds <= MAX_ACCESS_TOKEN_TTL_SECONDS:
            raise ValueError(
                f"ACCESS_TOKEN_TTL_SECONDS must be between 1 and {MAX_ACCESS_TOKEN_TTL_SECONDS}"
            )
        if self.refresh_token_ttl_seconds <= self.access_token_ttl_seconds:
            raise ValueError(
                "REFRESH_TOKEN_TTL_SECONDS must be longer than ACCESS_TOKEN_TTL_SECONDS"
            )
        if self.refresh_reuse_grace_seconds < 0:
            raise ValueError("REFRESH_REUSE_GRACE_SECONDS must not be negative")
        if any(len(key) < MIN_SESSION_SECRET_LENGTH for key in self.session_secrets):
            raise ValueError(
                f"SESSION_SECRET: every key must be at least {MIN_SESSION_SECRET_LENGTH} characters"
            )
        for name in ("frontend_url", "github_authorize_url", "github_token_url", "github_api_url"):
            if urlsplit(getattr(self, name)).scheme not in {"http", "https"}:
                raise ValueError(f"{name.upper()} must be an http(s) URL")

    def __repr__(self) -> str:
        """Every setting, with the database password masked (settings end up in logs)."""
        fields = {f.name: getattr(self, f.name) for f in msgspec.structs.fields(self)}
        fields["database_url"] = mask_password(self.database_url)
        fields["database_replica_urls"] = ",".join(map(mask_password, self.replica_urls))
        for secret in ("github_client_secret", "session_secret"):
            fields[secret] = "***" if fields[secret] else ""
        fields["redis_url"] = mask_password(self.redis_url)
        fields["metrics_token"] = "***" if self.metrics_token else ""
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in fields.items()) + ")"

    @property
    def is_production(self) -> bool:
        """True when clients must see nothing internal."""
        return self.environment is Environment.PRODUCTION

    @property
    def debug_enabled(self) -> bool:
        """``DEBUG`` if given, else on in development only."""
        if self.debug is None:
            return self.environment is Environment.DEVELOPMENT
        return self.debug

    @property
    def allowed_origins(self) -> list[str]:
        """``CORS_ORIGINS`` as a list (comma-separated in the environment).

        Unset: the frontend's dev server outside production, no origin in production.
        """
        if self.cors_origins is not None:
            return _split_list(self.cors_origins)
        return [] if self.is_production else list(DEVELOPMENT_CORS_ORIGINS)

    @property
    def logs_as_json(self) -> bool:
        """``LOG_FORMAT``, else JSON lines in production and readable lines elsewhere."""
        if self.log_format is None:
            return self.is_production
        return self.log_format is LogFormat.JSON

    @property
    def replica_urls(self) -> list[str]:
        """``DATABASE_REPLICA_URLS`` as a list: the read replicas, in order (may be empty)."""
        return _split_list(self.database_replica_urls)

    @property
    def proxies(self) -> list[str]:
        """``TRUSTED_PROXIES``: addresses or networks whose ``X-Forwarded-For`` is believed."""
        return _split_list(self.trusted_proxies)

    @property
    def hosts(self) -> list[str]:
        """``ALLOWED_HOSTS``, else the local names (and ``testserver`` in tests)."""
        if self.allowed_hosts:
            return _split_list(self.allowed_hosts)
        local = ["localhost", "127.0.0.1", "[::1]"]
        return [*local, "testserver"] if self.environment is Environment.TEST else local

    @property
    def session_secrets(self) -> list[str]:
        """``SESSION_SECRET``: keys for session tokens, comma-separated; the first signs."""
        return _split_list(self.session_secret)

    @property
    def sessions_enabled(self) -> bool:
        """Sign-in works: production needs ``SESSION_SECRET`` (elsewhere a per-process key
        stands in), so several workers or instances accept each other's tokens."""
        return bool(self.session_secrets) or not self.is_production

    @property
    def github_configured(self) -> bool:
        """True when GitHub sign-in has a client id and secret."""
        return bool(self.github_client_id and self.github_client_secret)

    @property
    def admin_hosts(self) -> list[str]:
        """``ADMIN_ALLOWED_HOSTS``: host names the admin's CSRF check accepts under HTTPS."""
        return _split_list(self.admin_allowed_hosts)


_FIELDS = {field.encode_name for field in msgspec.structs.fields(Settings)}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``environ`` (default: the process environment).

    Raises :class:`ConfigError` with a one-line message naming the variable.
    """
    source = os.environ if environ is None else environ
    values = {name: source[name] for name in _FIELDS if source.get(name, "") != ""}
    try:
        return msgspec.convert(values, Settings, strict=False)
    except msgspec.ValidationError as error:
        raise ConfigError(_describe(error)) from None


def _describe(error: msgspec.ValidationError) -> str:
    """Turn msgspec's ``Expected `int`, got `str` - at `$.PORT``` into ``PORT: ...``."""
    message = str(error)
    detail, marker, path = message.rpartition(" - at `$.")
    if marker:
        return f"{path.rstrip('`')}: {detail}"
    return message


def settings_or_exit() -> Settings:
    """Load settings for a process entry point; a bad value exits with one line."""
    try:
        return load_settings()
    except ConfigError as error:
        raise SystemExit(f"configuration error: {error}") from None
