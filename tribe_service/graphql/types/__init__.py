"""GraphQL object types, one module per table module."""
