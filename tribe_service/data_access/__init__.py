"""Data access: the SQL the GraphQL layer and the commands run, one module per concern."""
