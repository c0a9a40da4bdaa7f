"""The GraphQL schema: root query, limits and error handling.

Root fields are nullable, so one field's error leaves the others' data (the
GraphQL spec's advice, GitHub's convention). There is no ``Mutation`` type yet:
an empty object type is invalid GraphQL, so it arrives with the first mutation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from functools import partial

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
)
from strawberry.extensions.base_extension import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types import ExecutionContext

from tribe_service.config import Environment, Settings
from tribe_service.graphql.compiled.executor import CompiledExecutor
from tribe_service.graphql.cost import CostLimit
from tribe_service.graphql.document_cache import DOCUMENT_CACHE_SIZE
from tribe_service.graphql.document_limits import ExpansionLimit, document_limit_rules
from tribe_service.graphql.errors import ErrorCodes, MaskUnexpectedErrors, is_unexpected
from tribe_service.graphql.extension_runner import CachedHooksRunner
from tribe_service.graphql.mutations.fields import Mutation
from tribe_service.graphql.mutations.one_write import OneMutationField
from tribe_service.graphql.mutations.transaction import WriteInOneTransaction
from tribe_service.graphql.mutations.write_rate import WriteRateLimit
from tribe_service.graphql.operation_choice import OneOperationOrName
from tribe_service.graphql.queries.feed import FeedQuery
from tribe_service.graphql.queries.health import HealthQuery
from tribe_service.graphql.queries.projects import ProjectQuery
from tribe_service.graphql.queries.search import SearchQuery
from tribe_service.graphql.queries.skills import SkillQuery
from tribe_service.graphql.queries.tribes import TribeQuery
from tribe_service.graphql.queries.users import UserQuery
from tribe_service.graphql.queries.viewer import ViewerQuery
from tribe_service.graphql.replica_reads import ReadFromReplicas
from tribe_service.graphql.validation_cache import DocumentValidationCache
from tribe_service.observability.operations import OperationObserver

# Parsed and validated documents kept per worker (LRU): clients send the same few
# query texts over and over, and validating the landing page costs more than
# resolving a third of it. Bounded, so unique query texts cannot grow memory.


@strawberry.type
class Query(
    HealthQuery,
    UserQuery,
    ProjectQuery,
    TribeQuery,
    FeedQuery,
    SkillQuery,
    SearchQuery,
    ViewerQuery,
):
    """The root query type: every read the API offers."""


# Strawberry's DateTime, described for codegen users: same parsing and serialisation.
DATE_TIME = dataclasses.replace(
    DateTimeDefinition,
    description=(
        "An ISO 8601 date and time with its UTC offset, e.g. `2026-11-26T15:06:12.336323+00:00` "
        "(microseconds only when not zero). Map it to `string` in codegen; `new Date(value)` "
        "parses it."
    ),
)

ExtensionFactory = Callable[[], SchemaExtension]


def build_extensions(settings: Settings) -> list[ExtensionFactory]:
    """Limits for every environment; in production, also no introspection and masked bugs.

    Factories, not instances: Strawberry builds fresh extensions per request.
    The depth and alias rule is built once, here: the validation cache is keyed
    by the rule classes. The token limit must come before the parse cache: it
    sets the parser's options, which the cache passes on (and keys by). The cost
    limit runs after validation and before execution (it needs the variables).
    """
    limit_rules = document_limit_rules(settings.max_query_depth, settings.max_query_aliases)
    extensions: list[ExtensionFactory] = [
        # First, so that it wraps the others and sees the errors with their codes.
        partial(
            OperationObserver,
            slow_operation_ms=settings.slow_operation_ms,
            record_metrics=settings.metrics,
        ),
        partial(AddValidationRules, [*limit_rules, OneMutationField]),
        partial(MaxTokensLimiter, max_token_count=settings.max_query_tokens),
        partial(ParserCache, maxsize=DOCUMENT_CACHE_SIZE),
        ExpansionLimit,  # after parsing, before validation
        partial(DocumentValidationCache, maxsize=DOCUMENT_CACHE_SIZE),
        partial(
            CostLimit,
            max_cost=settings.max_query_cost,
            report=settings.environment is Environment.DEVELOPMENT,
        ),
        OneOperationOrName,  # after the cost limit: its refusal is the one that stands
        ReadFromReplicas,
        WriteRateLimit,  # after the cost limit: a mutation refused there spends no write
        WriteInOneTransaction,
    ]
    if settings.is_production:
        extensions += [DisableIntrospection, MaskUnexpectedErrors]
    # Listed last so it runs first when the operation ends, before any masking.
    extensions.append(ErrorCodes)
    return extensions


class TribeSchema(strawberry.Schema):
    """Strawberry's schema, logging client errors in one line instead of a traceback,
    with its extensions' hooks classified once per class rather than per request."""

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        """Strawberry's runner, minus the per-request inspection of every hook."""
        return CachedHooksRunner(execution_context=execution_context, extensions=extensions)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log unexpected errors with their traceback; expected ones need none."""
        unexpected = [error for error in errors if is_unexpected(error)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(settings: Settings, *, compiled: bool = True) -> strawberry.Schema:
    """The schema, configured for ``settings.environment``.

    Operations run on compiled plans (:mod:`tribe_service.graphql.compiled`);
    ``compiled=False`` answers every one with Strawberry's resolvers instead (the
    differential tests compare both).
    """
    return TribeSchema(
        query=Query,
        mutation=Mutation,
        extensions=build_extensions(settings),
        config=StrawberryConfig(
            disable_field_suggestions=settings.is_production, scalar_map={datetime: DATE_TIME}
        ),
        execution_context_class=CompiledExecutor if compiled else None,
    )


schema = build_schema(Settings())
"""The schema with default settings: its SDL is every environment's (``just schema`` writes it
to ``schema.graphql``; ``strawberry export-schema tribe_service.graphql.schema:schema``)."""
