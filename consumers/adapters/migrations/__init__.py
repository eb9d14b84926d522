"""Alembic scripts of the store's tables, run by consumers.adapters.schema_migrations (no alembic.ini)."""
