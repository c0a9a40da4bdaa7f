"""Compiled execution: each validated operation planned once, answered without resolvers.

Strawberry stays the schema, parser, validator and extension runner. Under it,
:class:`~tribe_service.graphql.compiled.executor.CompiledExecutor` (graphql-core's
``executor_class``) turns an operation into a plan (:mod:`.planner`): one SQL
statement per root field, nested relations as correlated subqueries returning
arrays of records, and readers that assemble the answer from the records. What the
planner cannot handle, or any error while running a plan, goes through
Strawberry's resolvers instead, so a fallback is slower, never different.

One job per module: :mod:`.planner` walks the operation against the field
declarations (``graphql/declarations.py``); :mod:`.levels` builds each row level's
select list and subqueries; :mod:`.connections` and :mod:`.json_columns` read
pages and JSON columns; :mod:`.readers` turn records into answers; :mod:`.plan`
is what the executor runs; :mod:`.variables` says which variables a plan depends on.
"""
