"""Crawl state that survives restarts: seen article pages with their validators, each portal's schedule and
each listing's link set. One SQLAlchemy code path for SQLite (the embedded default) and PostgreSQL.

Keys are canonical URLs, so a re-crawl under tracking parameters is the same page.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from crawlers.watch.policy import ArticleState, PortalSchedule

metadata = sa.MetaData()

articles = sa.Table(
    "crawl_articles", metadata,
    sa.Column("url_hash", sa.String(32), primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("portal_id", sa.String(64), nullable=False),
    sa.Column("first_seen_at", sa.Float, nullable=False),
    sa.Column("last_fetched_at", sa.Float, nullable=False),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("body_hash", sa.String(64)),
)
schedules = sa.Table(
    "crawl_schedules", metadata,
    sa.Column("portal_id", sa.String(64), primary_key=True),
    sa.Column("interval_s", sa.Float, nullable=False),
    sa.Column("next_poll_at", sa.Float, nullable=False),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, default=0),
    sa.Column("last_success_at", sa.Float),
)
listings = sa.Table(
    "crawl_listings", metadata,
    sa.Column("url_hash", sa.String(32), primary_key=True),
    sa.Column("portal_id", sa.String(64), nullable=False),
    sa.Column("links", sa.Text, nullable=False),  # JSON list, sorted
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
)
backfills = sa.Table(
    "crawl_backfills", metadata,
    sa.Column("portal_id", sa.String(64), primary_key=True),
    sa.Column("until", sa.String(10), nullable=False),  # YYYY-MM-DD
    sa.Column("frontier", sa.Text, nullable=False),  # JSON list of listing URLs still to walk
    sa.Column("walked", sa.Text, nullable=False),  # JSON list of listing URLs already walked
    sa.Column("done", sa.Boolean, nullable=False, default=False),
)


@dataclass(frozen=True)
class BackfillRecord:
    until: str
    frontier: list[str]
    walked: list[str]
    done: bool


@dataclass(frozen=True)
class ArticleRecord:
    url: str
    portal_id: str
    first_seen_at: float
    last_fetched_at: float
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None

    def policy_state(self) -> ArticleState:
        return ArticleState(self.url, self.first_seen_at, self.last_fetched_at)


@dataclass(frozen=True)
class ListingRecord:
    links: frozenset[str]
    etag: str | None = None
    last_modified: str | None = None


def url_hash(url: str) -> str:
    return hashlib.blake2b(url.encode("utf-8"), digest_size=16).hexdigest()


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class CrawlStateError(RuntimeError):
    pass


class CrawlState:
    def __init__(self, url: str) -> None:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        kwargs: dict = {"pool_pre_ping": True}
        if url.startswith("sqlite:"):
            kwargs["connect_args"] = {"timeout": 15}
            path = url.split("///", 1)[-1]
            if path and path != ":memory:" and not Path(path).parent.exists():
                raise CrawlStateError(f"crawl state directory {Path(path).parent} does not exist")
        elif url.startswith("postgresql"):
            kwargs["connect_args"] = {"connect_timeout": 10}
        self.engine = sa.create_engine(url, **kwargs)
        self._insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert

    def create_schema(self) -> None:
        """Bring the tables to the latest schema revision (Alembic; adopts tables made before migrations)."""
        from crawlers.watch import schema_migrations

        schema_migrations.upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    # -- article pages -------------------------------------------------------------------------------
    def articles(self, urls: list[str]) -> dict[str, ArticleRecord]:
        if not urls:
            return {}
        hashes = {url_hash(u): u for u in urls}
        out = {}
        with self.engine.connect() as conn:
            keys = list(hashes)
            for start in range(0, len(keys), 500):
                rows = conn.execute(sa.select(articles).where(articles.c.url_hash.in_(keys[start:start + 500])))
                for row in rows:
                    out[row.url] = ArticleRecord(row.url, row.portal_id, row.first_seen_at, row.last_fetched_at,
                                                 row.etag, row.last_modified, row.body_hash)
        return out

    def article(self, url: str) -> ArticleRecord | None:
        return self.articles([url]).get(url)

    def record_fetch(self, url: str, portal_id: str, now: float, *, etag: str | None = None,
                     last_modified: str | None = None, body_hash: str | None = None) -> None:
        """A 200 answer: first sight keeps its time; validators and hash are replaced."""
        stmt = self._insert(articles).values(url_hash=url_hash(url), url=url, portal_id=portal_id,
                                             first_seen_at=now, last_fetched_at=now, etag=etag,
                                             last_modified=last_modified, body_hash=body_hash)
        stmt = stmt.on_conflict_do_update(index_elements=[articles.c.url_hash], set_={
            "last_fetched_at": now, "etag": etag, "last_modified": last_modified, "body_hash": body_hash})
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def record_page(self, item, now: float) -> None:
        """A page the broker acknowledged (`item_scraped`): only then is it fetched as far as the watch knows,
        so a page whose publish failed, or that a crash lost in flight, is asked for again."""
        self.record_fetch(item.url, item.portal_id, now, etag=item.headers.get("etag"),
                          last_modified=item.headers.get("last-modified"), body_hash=body_hash(item.body))

    def record_not_modified(self, url: str, now: float) -> None:
        with self.engine.begin() as conn:
            conn.execute(articles.update().where(articles.c.url_hash == url_hash(url)).values(last_fetched_at=now))

    def article_count(self, portal_id: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(articles)
        if portal_id:
            query = query.where(articles.c.portal_id == portal_id)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    # -- schedules ------------------------------------------------------------------------------------
    def schedules(self) -> dict[str, PortalSchedule]:
        with self.engine.connect() as conn:
            return {r.portal_id: PortalSchedule(r.portal_id, r.interval_s, r.next_poll_at, r.consecutive_failures,
                                                r.last_success_at)
                    for r in conn.execute(sa.select(schedules))}

    def save_schedule(self, schedule: PortalSchedule) -> None:
        values = {"interval_s": schedule.interval_s, "next_poll_at": schedule.next_poll_at,
                  "consecutive_failures": schedule.consecutive_failures,
                  "last_success_at": schedule.last_success_at}
        stmt = self._insert(schedules).values(portal_id=schedule.portal_id, **values)
        stmt = stmt.on_conflict_do_update(index_elements=[schedules.c.portal_id], set_=values)
        with self.engine.begin() as conn:
            conn.execute(stmt)

    # -- backfills --------------------------------------------------------------------------------------
    def backfill(self, portal_id: str) -> BackfillRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(backfills).where(backfills.c.portal_id == portal_id)).first()
        if row is None:
            return None
        return BackfillRecord(row.until, json.loads(row.frontier), json.loads(row.walked), bool(row.done))

    def save_backfill(self, portal_id: str, record: BackfillRecord) -> None:
        values = {"until": record.until, "frontier": json.dumps(record.frontier), "walked": json.dumps(record.walked),
                  "done": record.done}
        stmt = self._insert(backfills).values(portal_id=portal_id, **values)
        stmt = stmt.on_conflict_do_update(index_elements=[backfills.c.portal_id], set_=values)
        with self.engine.begin() as conn:
            conn.execute(stmt)

    # -- listings, feeds and sitemaps -----------------------------------------------------------------
    def listing(self, url: str) -> ListingRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(listings).where(listings.c.url_hash == url_hash(url))).first()
        if row is None:
            return None
        return ListingRecord(frozenset(json.loads(row.links)), row.etag, row.last_modified)

    def save_listing(self, url: str, portal_id: str, links: frozenset[str], *, etag: str | None = None,
                     last_modified: str | None = None) -> None:
        values = {"links": json.dumps(sorted(links)), "etag": etag, "last_modified": last_modified}
        stmt = self._insert(listings).values(url_hash=url_hash(url), portal_id=portal_id, **values)
        stmt = stmt.on_conflict_do_update(index_elements=[listings.c.url_hash], set_=values)
        with self.engine.begin() as conn:
            conn.execute(stmt)
