"""``piccolo tribe_service scale``: fill the database with a deterministic scale data set."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg

from tribe_service.config import ConfigError, load_settings
from tribe_service.engine import is_database_unavailable
from tribe_service.scale.dataset import DEFAULT_SEED, ScaleCounts, ScaleError
from tribe_service.scale.loader import ScaleReport, fill_database
from tribe_service.scale.progress import Progress


def scale(
    *,
    seed: int = DEFAULT_SEED,
    users: int = 10_000,
    projects: int = 20_000,
    tribes: int = 2_000,
    events: int = 100_000,
    until: str = "",
    quiet: bool = False,
) -> None:
    """Add a deterministic scale data set (builders, projects, tribes, feed) to the database.

    Additive: the seed data stays. Refused when ENVIRONMENT=production, and on a
    database that already holds scale data.

    :param seed:
        The same seed (and --until) gives the same rows, ids included.
    :param users:
        Builders to add, each with 2-6 skills and an embedding.
    :param projects:
        Projects to add, each with 0-3 collaborators and an embedding.
    :param tribes:
        Tribes to add, each with 2-7 members (owner included) and 0-3 open roles.
    :param events:
        Feed events to add.
    :param until:
        The end of the year the data covers, ISO 8601 (default: now).
    :param quiet:
        No progress bars.
    """
    try:
        settings = load_settings()
    except ConfigError as error:
        raise SystemExit(f"scale: configuration error: {error}") from None
    if settings.is_production:
        raise SystemExit("scale: refusing to run with ENVIRONMENT=production; nothing was changed")
    counts = ScaleCounts(users=users, projects=projects, tribes=tribes, events=events)
    try:
        end = _parse_until(until) if until else None
        counts.validate()
        report = asyncio.run(
            fill_database(
                seed=seed,
                counts=counts,
                until=end,
                progress=Progress(enabled=not quiet),
            )
        )
    except ScaleError as error:
        raise SystemExit(f"scale: {error}; nothing was changed") from None
    except Exception as error:
        if is_database_unavailable(error):
            raise SystemExit(f"scale: database unavailable ({error})") from None
        if isinstance(error, asyncpg.PostgresError):
            raise SystemExit(f"scale: database error: {error}; nothing was changed") from None
        raise
    print(format_report(report))


def _parse_until(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ScaleError(f"--until must be an ISO 8601 date or time (got {text!r})") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_report(report: ScaleReport) -> str:
    """Rows added per table, phase timings and the total, as printed by the command."""
    lines = [f"Scale data added (seed {report.seed}, until {report.until.isoformat()}):"]
    width = max(len(table) for table in report.rows)
    lines += [f"  {table:<{width}} {count:>9,}" for table, count in report.rows.items()]
    lines.append("Timings:")
    width = max((len(phase) for phase in report.timings), default=0)
    lines += [f"  {phase:<{width}} {seconds:7.1f}s" for phase, seconds in report.timings.items()]
    lines.append(f"Total: {report.total_seconds:.1f}s")
    return "\n".join(lines)
