"""Root query fields, one module per concern, merged in ``schema.py``."""
