"""The Litestar application: GraphQL at ``/graphql``, Piccolo Admin at ``/admin/``,
``/healthz`` for load balancers, GraphiQL's own assets outside production.

``uvicorn tribe_service.app:app`` serves it; :func:`create_app` builds one for
given settings (the tests use it).
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Response, get
from litestar.config.cors import CORSConfig
from litestar.handlers import asgi
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from litestar.types import ControllerRouterHandler, Receive, Scope, Send
from piccolo.engine import engine_finder
from strawberry.asgi import GraphQL
from strawberry.http.ides import GraphQL_IDE

from tribe_service.admin import MOUNT_PATH, AdminMount, build_admin
from tribe_service.config import Settings, settings_or_exit
from tribe_service.engine import TribeEngine, is_database_unavailable
from tribe_service.garbage_collection import tune_for_serving
from tribe_service.graphiql import graphiql_assets_router, graphiql_html
from tribe_service.graphql.context import Context
from tribe_service.graphql.schema import build_schema


class TribeGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app, building a fresh :class:`Context` per request."""

    def __init__(self, settings: Settings, engine: TribeEngine) -> None:
        ide: GraphQL_IDE | None = None if settings.is_production else "graphiql"
        super().__init__(build_schema(settings), graphql_ide=ide)
        self.engine = engine

    @property
    def graphql_ide_html(self) -> str:
        """GraphiQL loading the app's own assets, not a CDN's (it works offline)."""
        return graphiql_html()

    async def get_context(self, request: Any, response: Any) -> Context:
        """A new context (and so new DataLoaders) for every request."""
        return Context(request=request, response=response, engine=self.engine)


def current_engine() -> TribeEngine:
    """The engine ``piccolo_conf.py`` built from ``DATABASE_URL``."""
    engine = engine_finder()
    if not isinstance(engine, TribeEngine):
        raise RuntimeError("piccolo_conf.DB must be built by tribe_service.engine.build_engine")
    return engine


def create_app(settings: Settings | None = None, engine: TribeEngine | None = None) -> Litestar:
    """Build the ASGI app; the pool opens on start-up and closes on shutdown."""
    settings = settings or settings_or_exit()
    engine = engine or current_engine()
    graphql_app = TribeGraphQL(settings, engine)
    admin_app = AdminMount(build_admin(settings))

    @asgi("/graphql", is_mount=True, copy_scope=True)
    async def graphql(scope: Scope, receive: Receive, send: Send) -> None:
        await graphql_app(scope, receive, send)  # type: ignore[arg-type]

    @asgi(MOUNT_PATH, is_mount=True, copy_scope=True)
    async def admin(scope: Scope, receive: Receive, send: Send) -> None:
        await admin_app(scope, receive, send)  # type: ignore[arg-type]

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
    if not settings.is_production:  # GraphiQL is off there
        handlers.append(graphiql_assets_router())
    return Litestar(
        route_handlers=handlers,
        cors_config=CORSConfig(allow_origins=settings.allowed_origins, allow_credentials=True),
        on_startup=[engine.open_pool, tune_for_serving],
        on_shutdown=[engine.close_connection_pool],
        debug=settings.debug_enabled and not settings.is_production,
    )


app = create_app()
