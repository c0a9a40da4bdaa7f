"""The data-access layer: the one home of the API's SQL, one module per concern.

* :mod:`~tribe_service.data_access.shapes`: each API row shape (the columns a
  GraphQL type reads), declared once;
* :mod:`~tribe_service.data_access.relations`: every relation between them,
  named by :class:`~tribe_service.data_access.relations.Relation`, with the SQL
  that loads it (batched by key for the loaders, correlated for compiled plans);
* :mod:`~tribe_service.data_access.pages`: the root lists, their orders, filters
  and keyset conditions;
* :mod:`~tribe_service.data_access.discovery`: search, the skills filter,
  open-role candidates, similarity and embeddings.

The GraphQL resolvers (loaders, root fields) and the compiled executor both
build their statements from these declarations, so they cannot drift apart.
"""
