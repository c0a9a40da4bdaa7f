"""The GraphQL API: schema, per-request context, types and root queries."""
