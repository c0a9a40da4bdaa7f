"""The Litestar application: GraphQL at ``/graphql``, Piccolo Admin at ``/admin/``,
``/healthz`` for load balancers, GraphiQL's own assets outside production.

``uvicorn tribe_service.app:app`` serves it; :func:`create_app` builds one for
given settings (the tests use it).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from litestar import Litestar, Response, get
from litestar.app import DEFAULT_OPENAPI_CONFIG
from litestar.config.cors import CORSConfig
from litestar.handlers import asgi
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.types import ControllerRouterHandler
from opentelemetry.sdk.trace import TracerProvider
from piccolo.engine import engine_finder
from starlette.types import Receive as AsgiReceive
from starlette.types import Scope as AsgiScope
from starlette.types import Send as AsgiSend

from tribe_service.admin import MOUNT_PATH, AdminMount, build_admin
from tribe_service.admin_login import LoginThrottle
from tribe_service.auth.origin_check import SameOriginWrites
from tribe_service.auth.routes import auth_router
from tribe_service.auth.sessions import SessionManager
from tribe_service.auth.signed_tokens import TokenSigner
from tribe_service.config import Settings, settings_or_exit
from tribe_service.embeddings import embedder_for
from tribe_service.embeddings.filler import BackgroundFiller
from tribe_service.engine import TribeEngine, is_database_unavailable
from tribe_service.garbage_collection import tune_for_serving
from tribe_service.graphiql import graphiql_assets_router
from tribe_service.graphql.trusted_documents import ManifestError, TrustedDocuments
from tribe_service.graphql.view import TribeGraphQL
from tribe_service.observability.instrumentation import Instrumentation
from tribe_service.rate_limit import PointsBudget, parse_networks
from tribe_service.read_your_writes import WritePositions, remember_seconds
from tribe_service.request_facts import RequestFacts
from tribe_service.request_guard import AllowedHosts, BoundedBody, security_headers
from tribe_service.shared_store import SharedStore

RATE_LIMIT_STORE = "rate_limit"


def current_engine() -> TribeEngine:
    """The engine ``piccolo_conf.py`` built from ``DATABASE_URL``."""
    engine = engine_finder()
    if not isinstance(engine, TribeEngine):
        raise RuntimeError("piccolo_conf.DB must be built by tribe_service.engine.build_engine")
    return engine


def load_trusted_documents(settings: Settings) -> TrustedDocuments | None:
    """The ``TRUSTED_DOCUMENTS`` manifest, if set; a bad one stops start-up with one line."""
    if not settings.trusted_documents:
        return None
    try:
        return TrustedDocuments.from_file(Path(settings.trusted_documents))
    except ManifestError as error:
        raise SystemExit(f"configuration error: TRUSTED_DOCUMENTS: {error}") from None


def shared_or_memory_store(settings: Settings) -> Store:
    """Where budgets and lockouts live: Redis (``REDIS_URL``) or this process's memory."""
    return SharedStore.from_url(settings.redis_url) if settings.redis_url else MemoryStore()


def create_app(
    settings: Settings | None = None,
    engine: TribeEngine | None = None,
    rate_limit_store: Store | None = None,
    tracer_provider: TracerProvider | None = None,
) -> Litestar:
    """Build the ASGI app; the pool opens on start-up and closes on shutdown.

    ``rate_limit_store`` keeps the GraphQL budgets and the admin's failed logins:
    a ``MemoryStore`` per process unless given or ``REDIS_URL`` is set (then shared).
    ``tracer_provider`` traces the app (default: as the ``OTEL_*`` variables say).
    """
    settings = settings or settings_or_exit()
    engine = engine or current_engine()
    store = rate_limit_store or shared_or_memory_store(settings)
    instrumentation = Instrumentation(settings, engine, tracer_provider)
    budget = PointsBudget(store, "graphql", settings.rate_limit_points_per_minute)
    signer = TokenSigner(settings.session_secrets)
    sessions = SessionManager(engine, settings, signer)
    # None: sign-in is off (production without SESSION_SECRET) and session cookies are ignored.
    graphql_sessions = sessions if settings.sessions_enabled else None
    proxies = parse_networks(settings.proxies)
    graphql_app = BoundedBody(
        TribeGraphQL(
            settings,
            engine,
            budget,
            load_trusted_documents(settings),
            sessions=graphql_sessions,
            write_budget=PointsBudget(store, "writes", settings.write_rate_per_minute),
            write_positions=WritePositions(
                store, remember_seconds=remember_seconds(settings.replica_max_lag_ms)
            ),
        ),
        settings.max_body_bytes,
    )
    login_throttle = LoginThrottle(
        build_admin(settings),
        store,
        max_failures=settings.admin_login_max_failures,
        lockout_seconds=settings.admin_lockout_seconds,
        proxies=proxies,
    )
    admin_app = BoundedBody(
        AdminMount(login_throttle, production=settings.is_production), settings.max_body_bytes
    )

    # The mounts are plain ASGI (Starlette's types: the apps behind them are Starlette's).
    @asgi("/graphql", is_mount=True, copy_scope=True)
    async def graphql(scope: AsgiScope, receive: AsgiReceive, send: AsgiSend) -> None:
        """What the app knows of the request (client, viewer) is read here, once."""
        if scope["type"] == "http":
            (await RequestFacts.read(scope, proxies, graphql_sessions)).remember(scope)
        await graphql_app(scope, receive, send)

    @asgi(MOUNT_PATH, is_mount=True, copy_scope=True)
    async def admin(scope: AsgiScope, receive: AsgiReceive, send: AsgiSend) -> None:
        await admin_app(scope, receive, send)

    @get("/healthz", include_in_schema=False)
    async def healthz() -> Response[dict[str, Any]]:
        """200 while the primary answers, 503 when it does not; replicas are reported, not required."""
        body: dict[str, Any] = {"status": "ok"}
        status_code = HTTP_200_OK
        try:
            await engine.ping()
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            body["status"] = "database unavailable"
            status_code = HTTP_503_SERVICE_UNAVAILABLE
        replicas = engine.replica_statuses()
        if replicas:
            body["replicas"] = {name: status.describe() for name, status in replicas.items()}
            body["replicas_out"] = [n for n, status in replicas.items() if not status.serves_reads]
        return Response(body, status_code=status_code)

    handlers: list[ControllerRouterHandler] = [graphql, admin, healthz]
    handlers.append(auth_router(settings, engine, sessions, signer))
    handlers += instrumentation.route_handlers
    if not settings.is_production:  # GraphiQL is off there
        handlers.append(graphiql_assets_router())
    on_startup: list[Callable[[], Any]] = [engine.open_pool, tune_for_serving]
    on_shutdown: list[Callable[[], Any]] = [engine.close_connection_pool]
    on_startup += instrumentation.on_startup
    on_shutdown = [*instrumentation.on_shutdown, *on_shutdown]
    if isinstance(store, SharedStore):
        on_shutdown.append(store.close)
    if settings.embedding_fill_interval > 0:
        # Every worker runs one; FOR UPDATE SKIP LOCKED keeps them off each other's rows.
        filler = BackgroundFiller(
            engine, embedder_for(settings), interval=settings.embedding_fill_interval
        )
        on_startup.append(filler.start)
        on_shutdown.insert(0, filler.stop)
    return Litestar(
        route_handlers=handlers,
        cors_config=CORSConfig(allow_origins=settings.allowed_origins, allow_credentials=True),
        middleware=[  # Starlette-typed ASGI middleware
            *instrumentation.middleware,
            security_headers,  # type: ignore[list-item]
            # A forged Host would end up in the admin's redirects; /healthz answers any
            # (load balancers ask by address), and so do /readyz and /metrics.
            partial(
                AllowedHosts,
                hosts=settings.hosts,
                exempt=("/healthz", *instrumentation.host_check_exempt),
            ),  # type: ignore[list-item]
            # Cookie-carrying writes only from the frontend's (or the API's own) origin.
            partial(SameOriginWrites, allowed_origins=settings.allowed_origins),  # type: ignore[list-item]
        ],
        plugins=instrumentation.plugins,
        stores={RATE_LIMIT_STORE: store},
        # Litestar's /schema pages describe only /healthz; production serves none.
        openapi_config=None if settings.is_production else DEFAULT_OPENAPI_CONFIG,
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        debug=settings.debug_enabled and not settings.is_production,
    )


app = create_app()
