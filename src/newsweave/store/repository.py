"""The store: one small repository over SQLAlchemy Core, SQLite (WAL) by default.

Every write method runs in one transaction, so a run killed halfway leaves
complete articles and complete record sets, never half of one. The schema is
brought to the newest Alembic revision when the store opens.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from newsweave.errors import StoreError
from newsweave.models import Annotation, Article
from newsweave.store.schema import annotation_table, articles, record_articles, records, state

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _article_row(a: Article, seq: int) -> dict[str, Any]:
    return {
        "id": a.id, "seq": seq, "input": a.input, "source": a.source, "url": a.url, "title": a.title,
        "published": a.published, "published_from": a.published_from, "language": a.language,
        "author": a.author, "text": a.text, "meta": a.meta, "ingested_at": datetime.now(UTC),
    }


def _article(row: Any) -> Article:
    return Article(
        id=row.id, text=row.text, input=row.input, title=row.title, source=row.source, url=row.url,
        published=row.published, published_from=row.published_from, language=row.language,
        author=row.author, meta=dict(row.meta or {}),
    )


class Store:
    """Articles, annotations and every later record, behind a few methods.

    Args:
        url: a SQLAlchemy URL (``sqlite:///newsweave.db``, ``postgresql+psycopg://...``).

    Raises:
        StoreError: the database cannot be opened or migrated.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine: Engine = create_engine(url, future=True)
            if self.engine.dialect.name == "sqlite":
                event.listen(self.engine, "connect", _sqlite_pragmas)
            self._migrate()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open store {url!r}: {exc}") from exc

    def _migrate(self) -> None:
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- articles ---------------------------------------------------------------------------

    def add_articles(self, batch: Sequence[Article]) -> list[str]:
        """Store the articles not yet stored, in one transaction; returns the ids added."""
        if not batch:
            return []
        with self.engine.begin() as conn:
            ids = [a.id for a in batch]
            existing = set(conn.scalars(select(articles.c.id).where(articles.c.id.in_(ids))))
            seq = conn.scalar(select(func.coalesce(func.max(articles.c.seq), 0))) or 0
            rows = []
            added: list[str] = []
            for a in batch:
                if a.id in existing or a.id in added:
                    continue
                seq += 1
                rows.append(_article_row(a, seq))
                added.append(a.id)
            if rows:
                conn.execute(insert(articles), rows)
        return added

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        """The subset of ``ids`` already stored."""
        ids = list(ids)
        found: set[str] = set()
        with self.engine.connect() as conn:
            for k in range(0, len(ids), 500):
                found |= set(conn.scalars(select(articles.c.id).where(articles.c.id.in_(ids[k : k + 500]))))
        return found

    def article(self, article_id: str) -> Article | None:
        """One article by id, or by a unique id prefix."""
        with self.engine.connect() as conn:
            row = conn.execute(select(articles).where(articles.c.id == article_id)).first()
            if row is None and len(article_id) >= 4:
                rows = conn.execute(select(articles).where(articles.c.id.startswith(article_id)).limit(2)).all()
                row = rows[0] if len(rows) == 1 else None
        return _article(row) if row is not None else None

    def articles(self, ids: Iterable[str] | None = None) -> list[Article]:
        """Stored articles in ingestion order (all, or those with the given ids)."""
        query = select(articles).order_by(articles.c.seq)
        if ids is not None:
            query = query.where(articles.c.id.in_(list(ids)))
        with self.engine.connect() as conn:
            return [_article(r) for r in conn.execute(query)]

    def count_articles(self) -> int:
        """How many articles are stored."""
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(articles)) or 0)

    # -- annotations ------------------------------------------------------------------------

    def put_annotations(self, batch: Sequence[Annotation]) -> None:
        """Store (or replace) annotations, in one transaction."""
        if not batch:
            return
        with self.engine.begin() as conn:
            ids = [a.article_id for a in batch]
            conn.execute(delete(annotation_table).where(annotation_table.c.article_id.in_(ids)))
            conn.execute(insert(annotation_table), [
                {"article_id": a.article_id, "model": a.model, "data": a.to_dict()} for a in batch
            ])

    def unannotated_ids(self, language: str = "en") -> list[str]:
        """Ids of stored articles in ``language`` that have no annotation yet, in order."""
        query = (
            select(articles.c.id)
            .outerjoin(annotation_table, annotation_table.c.article_id == articles.c.id)
            .where(annotation_table.c.article_id.is_(None), articles.c.language == language)
            .order_by(articles.c.seq)
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(query))

    def annotations(self, ids: Iterable[str] | None = None) -> dict[str, Annotation]:
        """Stored annotations by article id."""
        query = select(annotation_table.c.data)
        if ids is not None:
            query = query.where(annotation_table.c.article_id.in_(list(ids)))
        with self.engine.connect() as conn:
            return {d["article_id"]: Annotation.from_dict(d) for d in conn.scalars(query)}

    # -- records ----------------------------------------------------------------------------

    def transaction(self) -> Any:
        """A connection in one transaction, for writes that must land together (pass it as ``conn``)."""
        return self.engine.begin()

    def replace_records(
        self, kind: str, items: Iterable[tuple[str, dict[str, Any], Iterable[str]]], scope: str = "",
        conn: Connection | None = None,
    ) -> int:
        """Replace all records of ``kind`` in ``scope`` with ``items`` in one transaction.

        Args:
            kind: record kind ("story", "entity", "quote", ...).
            items: ``(record id, JSON payload, cited article ids)``.
            scope: a partition (e.g. a story id) so that one story's records can be
                replaced without touching the others; "" for corpus-wide kinds.
            conn: an open transaction (:meth:`transaction`) to join; default: a new one.

        Returns:
            The number of records written.
        """
        items = list(items)

        def write(c: Connection) -> None:
            old = select(records.c.id).where(records.c.kind == kind, records.c.scope == scope)
            c.execute(delete(record_articles).where(
                record_articles.c.kind == kind, record_articles.c.record_id.in_(old)))
            c.execute(delete(records).where(records.c.kind == kind, records.c.scope == scope))
            if items:
                c.execute(insert(records), [
                    {"kind": kind, "id": rid, "scope": scope, "payload": payload} for rid, payload, _ in items
                ])
                links = {(rid, aid) for rid, _, aids in items for aid in aids}
                if links:
                    c.execute(insert(record_articles), [
                        {"kind": kind, "record_id": rid, "article_id": aid} for rid, aid in sorted(links)
                    ])

        if conn is not None:
            write(conn)
        else:
            with self.engine.begin() as c:
                write(c)
        return len(items)

    def records(self, kind: str, scope: str | None = None) -> list[dict[str, Any]]:
        """Payloads of all records of ``kind`` (optionally one scope), in id order."""
        query = select(records.c.payload).where(records.c.kind == kind).order_by(records.c.scope, records.c.id)
        if scope is not None:
            query = query.where(records.c.scope == scope)
        with self.engine.connect() as conn:
            return list(conn.scalars(query))

    def record_scopes(self, kind: str) -> set[str]:
        """The scopes that hold records of ``kind``."""
        with self.engine.connect() as conn:
            return set(conn.scalars(select(records.c.scope).where(records.c.kind == kind).distinct()))

    def drop_scopes(self, kind: str, scopes: Iterable[str]) -> None:
        """Delete the records of ``kind`` in the given scopes."""
        for scope in scopes:
            self.replace_records(kind, [], scope=scope)

    # -- state ------------------------------------------------------------------------------

    def get_state(self, key: str) -> Any:
        """A stored JSON value, or ``None``."""
        with self.engine.connect() as conn:
            return conn.scalar(select(state.c.value).where(state.c.key == key))

    def set_state(self, key: str, value: Any, conn: Connection | None = None) -> None:
        """Store a JSON value under ``key``."""
        def write(c: Connection) -> None:
            done = c.execute(update(state).where(state.c.key == key).values(value=value))
            if done.rowcount == 0:
                c.execute(insert(state).values(key=key, value=value))

        if conn is not None:
            write(conn)
        else:
            with self.engine.begin() as c:
                write(c)

    def iter_article_ids(self) -> Iterator[str]:
        """All article ids in ingestion order."""
        with self.engine.connect() as conn:
            yield from conn.scalars(select(articles.c.id).order_by(articles.c.seq))
