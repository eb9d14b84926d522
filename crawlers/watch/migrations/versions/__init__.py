"""Revisions of the crawl state's tables: <NNNN>_<slug>.py, loaded by Alembic by path (this file is skipped)."""
