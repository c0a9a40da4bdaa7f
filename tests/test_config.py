"""Configuration: typed values, defaults, and one clear line for a bad value."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tribe_service.config import (
    DEFAULT_DATABASE_URL,
    ConfigError,
    DatabasePooler,
    Environment,
    load_settings,
)


def test_defaults():
    settings = load_settings({})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.environment is Environment.DEVELOPMENT
    assert settings.debug_enabled is True
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.allowed_origins == ["http://localhost:3000", "http://127.0.0.1:3000"]


def test_production_allows_no_localhost_origin_unless_configured():
    assert load_settings({"ENVIRONMENT": "production"}).allowed_origins == []
    configured = load_settings(
        {"ENVIRONMENT": "production", "CORS_ORIGINS": "http://localhost:3000"}
    )
    assert configured.allowed_origins == ["http://localhost:3000"]


def test_values_are_typed_from_strings():
    settings = load_settings(
        {
            "ENVIRONMENT": "production",
            "PORT": "9000",
            "DEBUG": "true",
            "CORS_ORIGINS": "https://a.example, https://b.example",
        }
    )
    assert settings.is_production
    assert settings.port == 9000
    assert settings.debug is True
    assert settings.allowed_origins == ["https://a.example", "https://b.example"]


def test_debug_defaults_off_outside_development():
    assert load_settings({"ENVIRONMENT": "production"}).debug_enabled is False


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"ENVIRONMENT": "prod"}, "ENVIRONMENT"),
        ({"PORT": "abc"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"DATABASE_URL": "mysql://u:p@h/db"}, "DATABASE_URL"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_REPLICA_URLS": "postgresql://h/db, mysql://h/db"}, "DATABASE_REPLICA_URLS"),
        ({"REPLICA_MAX_LAG_MS": "-1"}, "REPLICA_MAX_LAG_MS"),
        ({"REPLICA_MAX_LAG_MS": "soon"}, "REPLICA_MAX_LAG_MS"),
        ({"REPLICA_CHECK_INTERVAL_MS": "10"}, "REPLICA_CHECK_INTERVAL_MS"),
        ({"DATABASE_POOLER": "pgpool"}, "DATABASE_POOLER"),
    ],
)
def test_bad_values_name_the_variable(environ, variable):
    with pytest.raises(ConfigError, match=variable):
        load_settings(environ)


def test_bad_value_stops_start_up_with_one_line():
    result = run_cli("uvicorn", "tribe_service.app:app", env={"PORT": "abc"})
    assert result.returncode != 0
    assert result.stderr.strip() == "configuration error: PORT: Expected `int`, got `str`"
    assert "Traceback" not in result.stderr


def test_bad_database_url_stops_migrations_with_one_line():
    result = run_cli(
        "piccolo", "migrations", "forwards", "all", env={"DATABASE_URL": "sqlite:///x.db"}
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "configuration error: DATABASE_URL must be a postgresql:// URL (got scheme 'sqlite')"
    ]


def test_repr_masks_the_database_password():
    settings = load_settings({"DATABASE_URL": "postgresql://tribe:s3cret@db:5432/tribe"})
    text = repr(settings)
    assert "s3cret" not in text
    assert "postgresql://tribe:***@db:5432/tribe" in text
    assert "port=8000" in text


def test_replicas_and_pooler_default_to_none():
    settings = load_settings({})
    assert settings.replica_urls == []
    assert settings.database_pooler is DatabasePooler.NONE


def test_replica_urls_are_a_comma_separated_list():
    settings = load_settings(
        {
            "DATABASE_REPLICA_URLS": "postgresql://r1/tribe, postgresql://r2/tribe",
            "REPLICA_MAX_LAG_MS": "250",
            "DATABASE_POOLER": "pgbouncer",
        }
    )
    assert settings.replica_urls == ["postgresql://r1/tribe", "postgresql://r2/tribe"]
    assert settings.replica_max_lag_ms == 250
    assert settings.database_pooler is DatabasePooler.PGBOUNCER


def test_repr_masks_the_replica_passwords():
    settings = load_settings({"DATABASE_REPLICA_URLS": "postgresql://tribe:s3cret@replica/tribe"})
    assert "s3cret" not in repr(settings)
    assert "postgresql://tribe:***@replica/tribe" in repr(settings)


def test_limits_have_defaults_and_refuse_nonsense():
    from tribe_service.config import ConfigError, load_settings

    settings = load_settings({})
    assert (settings.max_query_cost, settings.max_body_bytes) == (10_000, 256 * 1024)
    assert settings.operation_timeout_seconds == 5.0
    for environ in (
        {"MAX_QUERY_COST": "0"},
        {"OPERATION_TIMEOUT_SECONDS": "-1"},
        {"RATE_LIMIT_POINTS_PER_MINUTE": "-5"},
        {"TRUSTED_PROXIES": "10.0.0.1, not-an-address"},
    ):
        with pytest.raises(ConfigError):
            load_settings(environ)
