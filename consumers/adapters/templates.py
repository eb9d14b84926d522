"""Portal templates in the database (tables portal_templates, portal_template_pages): the TemplateStore every
extract replica shares, so replicas and a restarted process decide alike (consumers/domain/extraction/template.py).

One transaction per portal with new pages: the portal is locked (PostgreSQL: a transaction-scoped advisory
lock; SQLite: BEGIN IMMEDIATE), its window read, merged with the new pages and trimmed, one learning step run,
and what changed written back. Reading the current templates is one query. The extract stage calls both only
through TemplateMemory.sync(), at most once per refresh interval, so the hot path never touches the database.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, and_, delete, insert, select, update

from consumers.adapters.store import DatabaseTimeouts, Store, lock_key
from consumers.adapters.tables import portal_template_pages as pages_t
from consumers.adapters.tables import portal_templates as templates_t
from consumers.domain.extraction.template import (
    PageBlocks,
    Relearned,
    Template,
    TemplatePolicy,
    merge_window,
    pack_keys,
    unpack_keys,
)

# Retired versions kept per portal (the current one besides): enough to see a portal's recent history.
KEEP_RETIRED = 4


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class SqlTemplateStore:
    def __init__(self, url: str, timeouts: DatabaseTimeouts | None = None, *, registry=None) -> None:
        self.url = url
        # Short waits: learning can always wait for the next sync, extraction should not.
        self.timeouts = timeouts or DatabaseTimeouts(statement_timeout_s=5.0, lock_timeout_s=5.0,
                                                     busy_timeout_s=5.0, tcp_user_timeout_s=10.0,
                                                     operation_timeout_s=15.0)
        # The process stage's Store gives the engine and its watchdog: a sync stuck on a connection that never
        # answers (a proxy that holds it open, where no TCP timeout fires) is cut after operation_timeout_s.
        self._store = Store(url, self.timeouts)
        self._schema_ready = False
        self.relearned = self.errors = None
        if registry is not None:
            from prometheus_client import Counter

            self.relearned = Counter("newsingest_portal_template_relearned_total",
                                     "Portal templates retired after a redesign and learned again", ["portal"],
                                     registry=registry)
            self.errors = Counter("newsingest_portal_template_sync_errors_total",
                                  "Template syncs that failed (the last templates read stay in use)",
                                  registry=registry)

    @property
    def engine(self) -> Engine:
        return self._store.engine

    def create_schema(self) -> None:
        self._store.create_schema()
        self._schema_ready = True

    def _ready(self) -> None:
        if not self._schema_ready:
            self.create_schema()

    def count_relearned(self, change: Relearned) -> None:
        if self.relearned is not None:
            self.relearned.labels(change.portal).inc()

    def count_error(self, _exc: Exception) -> None:
        if self.errors is not None:
            self.errors.inc()

    def apply(self, policy: TemplatePolicy, pages: dict[str, list[PageBlocks]]) -> list[Relearned]:
        self._ready()
        out = []
        with self._store.bounded("a template sync"), \
                self.engine.connect().execution_options(newsingest_writer=True) as conn:
            for portal in sorted(pages):
                with conn.begin():
                    change = self._apply_portal(conn, policy, portal, pages[portal])
                if change is not None:
                    out.append(change)
        return out

    def _apply_portal(self, conn, policy: TemplatePolicy, portal: str, new: list[PageBlocks]) -> Relearned | None:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%(k)s)", {"k": lock_key(f"template:{portal}")})
        rows = conn.execute(select(pages_t.c.url_key, pages_t.c.block_keys).where(pages_t.c.portal_id == portal)
                            .order_by(pages_t.c.seq)).all()
        window = [PageBlocks(r.url_key, unpack_keys(r.block_keys)) for r in rows]
        row = conn.execute(select(templates_t.c.version, templates_t.c.block_keys, templates_t.c.pages_seen)
                           .where(and_(templates_t.c.portal_id == portal, templates_t.c.retired_at.is_(None)))
                           .order_by(templates_t.c.version.desc()).limit(1)).first()
        current = Template(row.version, unpack_keys(row.block_keys), row.pages_seen) if row is not None else None
        seen = current.pages_seen if current is not None else 0
        step = policy.step(current, merge_window(window, new, policy.window_pages), seen + len(new))

        # The window: the new pages (re)written with the next sequence numbers, the pages that left deleted.
        kept = {p.url_key for p in step.window}
        new_keys = [p.url_key for p in new if p.url_key in kept]
        gone = [r.url_key for r in rows if r.url_key not in kept or r.url_key in set(new_keys)]
        for i in range(0, len(gone), 500):
            conn.execute(delete(pages_t).where(and_(pages_t.c.portal_id == portal,
                                                    pages_t.c.url_key.in_(gone[i:i + 500]))))
        latest = {p.url_key: p for p in new if p.url_key in kept}
        if latest:
            conn.execute(insert(pages_t), [
                {"portal_id": portal, "url_key": key, "seq": seen + i + 1, "block_keys": pack_keys(page.keys)}
                for i, (key, page) in enumerate(latest.items())])

        template, now = step.template, _now()
        if current is None or step.retired is not None:
            if step.retired is not None:
                conn.execute(update(templates_t)
                             .where(and_(templates_t.c.portal_id == portal,
                                         templates_t.c.version == step.retired.version))
                             .values(retired_at=now, pages_seen=template.pages_seen))
                conn.execute(delete(templates_t).where(and_(
                    templates_t.c.portal_id == portal,
                    templates_t.c.version <= template.version - 1 - KEEP_RETIRED)))
            conn.execute(insert(templates_t).values(
                portal_id=portal, version=template.version, block_keys=pack_keys(template.keys),
                pages_seen=template.pages_seen, learned_at=now))
        else:
            values = {"pages_seen": template.pages_seen}
            if template.keys != current.keys:
                values.update(block_keys=pack_keys(template.keys), learned_at=now)
            conn.execute(update(templates_t)
                         .where(and_(templates_t.c.portal_id == portal, templates_t.c.version == template.version))
                         .values(**values))
        return Relearned(portal, step.retired, template) if step.retired is not None else None

    def current(self) -> dict[str, Template]:
        self._ready()
        with self._store.bounded("reading templates"), self.engine.connect() as conn:
            rows = conn.execute(select(templates_t.c.portal_id, templates_t.c.version, templates_t.c.block_keys,
                                       templates_t.c.pages_seen)
                                .where(templates_t.c.retired_at.is_(None))).all()
        out: dict[str, Template] = {}
        for r in rows:
            if r.portal_id not in out or r.version > out[r.portal_id].version:
                out[r.portal_id] = Template(r.version, unpack_keys(r.block_keys), r.pages_seen)
        return out

    def dispose(self) -> None:
        self._store.dispose()
