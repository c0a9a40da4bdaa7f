"""Structured logs through Litestar's ``StructlogPlugin``: JSON lines in production.

Every line, ours and the standard library's (uvicorn's, asyncpg's, Piccolo's),
carries the request id bound by :mod:`.request_id` when there is one. Litestar's
request-logging middleware stays off: it would log cookies, headers and bodies.
The operation log line comes from :mod:`.operations`. As a last guard, a
processor masks anything shaped like an email address and drops fields named
like secrets before a line is written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog
from litestar.logging.config import LoggingConfig, StructLoggingConfig, default_json_serializer
from litestar.plugins.structlog import StructlogConfig, StructlogPlugin
from structlog.typing import Processor

from tribe_service.config import Settings

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
EMAIL_MASK = "[email]"
SECRET_FIELDS = frozenset(
    {"authorization", "cookie", "cookies", "password", "token", "variables", "set-cookie"}
)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return EMAIL.sub(EMAIL_MASK, value) if "@" in value else value
    if isinstance(value, Mapping):
        return {key: _scrub(item) for key, item in value.items() if key not in SECRET_FIELDS}
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def scrub_secrets(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: no secret-named field, no email address, in any line."""
    for key in [key for key in event if key in SECRET_FIELDS]:
        del event[key]
    for key, value in event.items():
        event[key] = _scrub(value)
    return event


def _renderer(as_json: bool) -> Processor:
    if as_json:
        return structlog.processors.JSONRenderer(serializer=default_json_serializer)
    return structlog.dev.ConsoleRenderer(colors=False)


def _stdlib_renderer(as_json: bool) -> Processor:
    if as_json:
        return structlog.processors.JSONRenderer(
            serializer=lambda value, **_: default_json_serializer(value).decode()
        )
    return structlog.dev.ConsoleRenderer(colors=False)


def _access_log_turned_off() -> bool:
    """Whether uvicorn was told ``--no-access-log``: it leaves its access logger without a
    handler and not propagating, and writes a request's line only if a handler is found."""
    access = logging.getLogger("uvicorn.access")
    return not access.handlers and not access.propagate


def logging_plugin(settings: Settings) -> StructlogPlugin:
    """The app's logging: structlog for our lines, its formatter for the standard library's."""
    as_json = settings.logs_as_json
    level = settings.log_level.upper()
    common: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        scrub_secrets,
    ]
    # uvicorn and Litestar log through their own loggers: the same handler, so the same format.
    own_loggers = {
        name: {"level": level, "handlers": ["queue_listener"], "propagate": False}
        for name in ("litestar", "uvicorn", "uvicorn.access")
    }
    if _access_log_turned_off():  # `uvicorn --no-access-log` (just serve) stays without one
        own_loggers["uvicorn.access"]["handlers"] = []
    stdlib = LoggingConfig(
        root={"level": level, "handlers": ["queue_listener"]},
        loggers=own_loggers,
        formatters={
            "standard": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    *common,
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    _stdlib_renderer(as_json),
                ],
            }
        },
        log_exceptions="debug",
    )
    config = StructLoggingConfig(
        processors=[*common, structlog.processors.format_exc_info, _renderer(as_json)],
        logger_factory=structlog.BytesLoggerFactory()
        if as_json
        else structlog.WriteLoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level]),
        standard_lib_logging_config=stdlib,
        log_exceptions="debug",
    )
    # At once, not only when the plugin starts: lines logged while the app is built count too.
    stdlib.configure()
    config.configure()
    return StructlogPlugin(
        StructlogConfig(structlog_logging_config=config, enable_middleware_logging=False)
    )
