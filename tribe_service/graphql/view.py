"""The GraphQL HTTP endpoint: Strawberry's ASGI view with the request-level limits.

Around Strawberry's parsing and execution (the schema's extensions bound the
document; :mod:`tribe_service.request_guard` bounds the body):

* JSON that nests deeper than :data:`MAX_JSON_DEPTH` is a 400, never a 500;
* query text longer than ``MAX_QUERY_CHARS`` is a 400 (a string literal is one
  token and a comment none, so the token limit alone does not bound size);
* trusted documents (:mod:`tribe_service.graphql.trusted_documents`): a hash
  in ``extensions.persistedQuery`` is looked up; in production with a manifest
  only listed documents run; in production without one, GET runs no query;
* every operation has a deadline (``OPERATION_TIMEOUT_SECONDS``): past it the
  work is cancelled and the client gets ``TIMEOUT``;
* a query text answered from its compiled plan before is answered again from it
  without Strawberry's per-request pipeline (:mod:`tribe_service.graphql.prepared`,
  the same answer, limits, budget and log line); everything else runs the pipeline;
* the response's media type follows the client's ``Accept``
  (:mod:`tribe_service.graphql.response_media`): ``application/graphql-response+json``
  with the GraphQL-over-HTTP status codes, or ``application/json`` as before;
* the session cookie names the viewer (:meth:`TribeGraphQL.get_context` is the
  one place it reaches the context); a refused one is a 401 with its code.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from typing import Any, cast

import msgspec
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.ides import GraphQL_IDE
from strawberry.types import ExecutionResult

from tribe_service.auth.sessions import SessionManager
from tribe_service.config import Environment, Settings
from tribe_service.engine import TribeEngine
from tribe_service.graphiql import graphiql_html
from tribe_service.graphql.compiled.executor import ANSWERED
from tribe_service.graphql.context import Context
from tribe_service.graphql.document_cache import DOCUMENT_CACHE_SIZE
from tribe_service.graphql.errors import (
    PERSISTED_QUERY_HASH_MISMATCH,
    PERSISTED_QUERY_NOT_FOUND,
    PERSISTED_QUERY_NOT_IN_LIST,
    OperationTimeoutError,
    rate_limited_error,
)
from tribe_service.graphql.prepared import PreparedQueries, PreparedQuery, Recording
from tribe_service.graphql.response_media import (
    ResponseMedia,
    is_request_error,
    negotiate,
    request_error_status,
)
from tribe_service.graphql.schema import build_schema
from tribe_service.graphql.trusted_documents import TrustedDocuments, document_hash
from tribe_service.observability import tracing
from tribe_service.observability.request_id import current_request_id
from tribe_service.rate_limit import PointsBudget, parse_networks
from tribe_service.read_your_writes import WritePositions
from tribe_service.request_facts import RequestFacts, facts_in

MAX_JSON_DEPTH = 32


def _check_nesting(value: Any) -> None:
    """Refuse JSON nested deeper than :data:`MAX_JSON_DEPTH` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise HTTPException(400, f"The request's JSON nests deeper than {MAX_JSON_DEPTH}.")
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def _error_result(message: str, code: str, **extensions: Any) -> ExecutionResult:
    return ExecutionResult(
        data=None, errors=[GraphQLError(message, extensions={"code": code, **extensions})]
    )


def _extensions(response_data: GraphQLHTTPResponse) -> dict[str, Any]:
    extensions = response_data.get("extensions")
    return {"extensions": extensions} if extensions else {}


def _persisted_hash(extensions: dict[str, Any] | None) -> str | None:
    persisted = (extensions or {}).get("persistedQuery")
    if not isinstance(persisted, dict):
        return None
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str):
        raise HTTPException(400, "`extensions.persistedQuery.sha256Hash` must be a string.")
    return digest


class TribeGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app, building a fresh :class:`Context` per request."""

    def __init__(
        self,
        settings: Settings,
        engine: TribeEngine,
        budget: PointsBudget,
        trusted: TrustedDocuments | None = None,
        sessions: SessionManager | None = None,
        write_budget: PointsBudget | None = None,
        write_positions: WritePositions | None = None,
    ) -> None:
        ide: GraphQL_IDE | None = None if settings.is_production else "graphiql"
        # Production without a manifest runs no query over GET: any web page could
        # make a visitor's browser send an expensive one.
        via_get = not settings.is_production or trusted is not None
        schema = build_schema(settings, compiled=settings.compiled_execution)
        super().__init__(schema, graphql_ide=ide, allow_queries_via_get=via_get)
        # Operation metrics name only trusted documents' operations (observability.operations).
        schema.trusted_documents = trusted  # type: ignore[attr-defined]
        self.settings = settings
        self.engine = engine
        self.budget = budget
        self.trusted = trusted
        self.sessions = sessions  # None: sign-in is off and session cookies are ignored
        self.write_budget = write_budget
        self.write_positions = write_positions
        self.proxies = parse_networks(settings.proxies)
        self.prepared = PreparedQueries(
            size=DOCUMENT_CACHE_SIZE,
            max_cost=settings.max_query_cost,
            report_cost=settings.environment is Environment.DEVELOPMENT,
            recording=Recording(settings.slow_operation_ms / 1000, settings.metrics),
            trusted=trusted,
        )

    @property
    def graphql_ide_html(self) -> str:
        """GraphiQL loading the app's own assets, not a CDN's (it works offline)."""
        return graphiql_html()

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        """The response the operation's headers and status collect in, with its media type."""
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = negotiate(request.headers.get("accept"))
        return sub_response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """The HTTP response: with ``application/graphql-response+json``, a request error
        has no ``data`` entry and a 4xx or 5xx status."""
        media = ResponseMedia(sub_response.media_type or ResponseMedia.JSON)
        if (
            media is ResponseMedia.GRAPHQL_RESPONSE_JSON
            and isinstance(response_data, dict)
            and is_request_error(response_data)
        ):
            errors = response_data.get("errors") or []
            response_data = cast(
                GraphQLHTTPResponse, {"errors": errors, **_extensions(response_data)}
            )
            if not sub_response.status_code:  # a 429 stays a 429
                sub_response.status_code = request_error_status(errors)
        response = super().create_response(response_data, sub_response)
        response.headers["content-type"] = media.content_type
        return response

    def encode_json(self, data: object) -> bytes:
        """The response body, encoded once by msgspec (compact, like Strawberry's default)."""
        with tracing.span("graphql.encode"):
            return msgspec.json.encode(data)

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        """The response, each error carrying ``extensions.requestId`` (the logs' request id)."""
        response = await super().process_result(request, result)
        request_id = current_request_id()
        if request_id is not None:
            errors: Any = response.get("errors") or ()
            for error in errors:
                error.setdefault("extensions", {})["requestId"] = request_id
        return response

    async def get_context(self, request: Any, response: Any) -> Context:
        """A new context (and so new DataLoaders) for every request, with the facts the
        app's mount read (read here only when the view runs outside the app)."""
        facts = facts_in(request.scope) or await RequestFacts.read(
            request.scope, self.proxies, self.sessions
        )
        viewer = facts.viewer
        return Context(
            request=request,
            response=response,
            engine=self.engine,
            budget=self.budget,
            write_budget=self.write_budget,
            write_positions=self.write_positions,
            facts=facts,
            current_user_id=viewer.user_id if viewer else None,
            current_session_id=viewer.session_id if viewer else None,
            authentication_error=facts.refusal,
        )

    def should_render_graphql_ide(self, request: Any) -> bool:
        """GraphiQL for a browser's plain GET; a GET by hash alone is an operation."""
        return (
            self.graphql_ide is not None
            and "extensions" not in request.query_params
            and super().should_render_graphql_ide(request)
        )

    def decode_json(self, data: str | bytes) -> object:
        """JSON, refusing absurd nesting with a 400 instead of a RecursionError.

        msgspec decodes a request body in a third of the stdlib's time; what it refuses
        (``NaN``, a byte-order mark, a lone surrogate, ``1e400``, malformed JSON) goes to
        ``json.loads``, so the stdlib still decides what is accepted and how it is refused.
        """
        try:
            try:
                value = msgspec.json.decode(data)
            except msgspec.DecodeError:
                value = json.loads(data)
        except RecursionError:
            raise HTTPException(
                400, f"The request's JSON nests deeper than {MAX_JSON_DEPTH}."
            ) from None
        _check_nesting(value)
        return value

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Refuse a refused session, a client whose budget is spent, resolve trusted
        documents, bound the text, then run within the deadline."""
        rejected = context.authentication_error
        if rejected is not None:
            if isinstance(context.response, Response):
                context.response.status_code = rejected.status
            return _error_result(rejected.message, rejected.code)
        exhausted = await context.spend(1)  # every request: a point, before any parsing
        if exhausted is not None:
            return ExecutionResult(data=None, errors=[rate_limited_error(exhausted)])
        query, refusal = self._trusted_query(request_data, request_adapter.method)
        if refusal is not None:
            return refusal
        if query is not None and len(query) > self.settings.max_query_chars:
            raise HTTPException(
                413, f"The query is longer than {self.settings.max_query_chars} characters."
            )
        request_data.query = query
        try:
            async with asyncio.timeout(self.settings.operation_timeout_seconds):
                repeat = self._repeat(query, request_data.operation_name, request_adapter.method)
                if repeat is not None:
                    answer = await self.prepared.answer(repeat, context, request_data.variables)
                    if answer is not None:
                        return answer
                pipeline = super().execute_single(
                    request, request_adapter, sub_response, context, root_value, request_data
                )
                return await self._remembering(pipeline, request_data)
        except TimeoutError:
            timeout = OperationTimeoutError(self.settings.operation_timeout_seconds)
            return _error_result(str(timeout), timeout.code)

    def _repeat(self, query: str | None, name: str | None, method: str) -> PreparedQuery | None:
        """A query this view answered from its plan before (none over a refused GET)."""
        if query is None or (method == "GET" and not self.allow_queries_via_get):
            return None
        return self.prepared.get(query, name)

    async def _remembering(
        self, pipeline: Awaitable[ExecutionResult], request_data: GraphQLRequestData
    ) -> ExecutionResult:
        """Strawberry's pipeline; a query it answered from its plan is remembered."""
        token = ANSWERED.set(None)
        try:
            result = await pipeline
            answered = ANSWERED.get()
        finally:
            ANSWERED.reset(token)
        if answered is not None and not result.errors and request_data.query is not None:
            self.prepared.remember(request_data.query, request_data.operation_name, answered)
        return result

    def _listed(self, query: str) -> bool:
        return self.trusted is not None and self.trusted.contains_text(query)

    def _trusted_query(
        self, request_data: GraphQLRequestData, method: str
    ) -> tuple[str | None, ExecutionResult | None]:
        """The text to run, or the error that refuses the request."""
        query = request_data.query
        digest = _persisted_hash(request_data.extensions)
        if digest is not None:
            listed = self.trusted.get(digest) if self.trusted else None
            if listed is not None:
                return listed, None
            if query is None:
                return None, _error_result("PersistedQueryNotFound", PERSISTED_QUERY_NOT_FOUND)
            if document_hash(query) != digest.lower():
                return None, _error_result(
                    "The query does not hash to `sha256Hash`.", PERSISTED_QUERY_HASH_MISMATCH
                )
        only_listed = self.settings.is_production and self.trusted is not None
        if only_listed and query is not None and (method == "GET" or not self._listed(query)):
            return None, _error_result(
                "Only the operations the frontend ships are answered here:"
                " send `extensions.persistedQuery.sha256Hash`.",
                PERSISTED_QUERY_NOT_IN_LIST,
            )
        return query, None
