"""Alembic scripts of the crawl state's tables, run by crawlers.watch.schema_migrations (no alembic.ini)."""
