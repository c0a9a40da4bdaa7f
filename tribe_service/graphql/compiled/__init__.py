"""Compiled execution: each validated operation planned once, answered without resolvers.

Strawberry stays the schema, parser, validator and extension runner. Under it,
:class:`~tribe_service.graphql.compiled.executor.CompiledExecutor` (graphql-core's
``executor_class``) turns an operation into a plan (:mod:`.planner`): one SQL
statement per root field, nested relations as correlated subqueries returning
arrays of records, and readers that assemble the answer from the records. What the
planner cannot handle, or any error while running a plan, goes through
Strawberry's resolvers instead, so a fallback is slower, never different.
"""
