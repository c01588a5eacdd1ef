"""The store: one small repository over SQLAlchemy Core, on SQLite (WAL) or PostgreSQL.

Every write method runs in one transaction, so a run killed halfway leaves
complete articles and complete record sets, never half of one. Writers take
turns: SQLite write transactions begin ``IMMEDIATE`` (a busy writer waits, up
to a minute), PostgreSQL ones first take a transaction-scoped advisory lock, so
two processes on one store never allocate the same ``seq`` or trip over each
other's rows. :meth:`Store.deferred` gathers a whole analysis stage's writes
into one transaction, and :meth:`Store.exclusive` lets one process at a time
analyse a store. The schema is brought to the newest Alembic revision when the
store opens (under the same write lock, so two first runs do not race).

Sentence embeddings are cached by encoder and exact text (:meth:`Store.embeddings`,
:meth:`Store.put_embeddings`). A cached vector is a fact about a text, not part of
any stage's output, so it is committed at once in a transaction of its own, also
inside :meth:`Store.deferred`: a stage that fails or is killed keeps the vectors it
computed, and a row is there whole or not at all.
"""

from __future__ import annotations

import json
import logging
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Engine, Table, create_engine, delete, event, func, insert, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
    StatementError,
)
from sqlalchemy.sql.elements import ColumnElement

from newsweave.errors import StoreError, StoreValueError
from newsweave.models import Annotation, Article
from newsweave.store.queries import TypedQueries
from newsweave.store.schema import annotation_table, articles, embeddings, record_articles, records, state
from newsweave.store.typed import KINDS as TYPED_KINDS
from newsweave.store.typed import delete_typed, insert_typed, typed_rows

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
#: Most ids bound in one ``IN (...)`` (SQLite allows 32,766 parameters a statement, PostgreSQL 65,535).
IN_CHUNK = 500
#: How long a SQLite writer waits for another one to commit, in milliseconds.
SQLITE_BUSY_MS = 60_000
SUPPORTED = ("sqlite", "postgresql")
_K = TypeVar("_K", str, bytes)
_WRITE = "newsweave_write"  # execution option: this connection's transactions write


def _lock_key(name: str) -> int:
    """A stable signed 64-bit key for a PostgreSQL advisory lock."""
    return zlib.crc32(f"newsweave:{name}".encode()) - 2**31


def _json_dumps(value: Any) -> str:
    # NaN and infinities are not JSON: PostgreSQL refuses them, so SQLite must too (same data on both).
    return json.dumps(value, allow_nan=False)


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # the driver begins nothing itself: _sqlite_begin does
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")  # first: switching to WAL may wait for another process
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # A writer takes the write lock when it begins, not at its first write: a transaction that read
    # first and then wrote could otherwise fail at once (SQLITE_BUSY_SNAPSHOT) when another process
    # committed in between, whatever the busy timeout.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)


def _unreachable(url: Any, exc: BaseException) -> str:
    """One line for a database that cannot be opened or reached."""
    reason = _first_line(exc)
    if url.get_backend_name() == "sqlite":
        return f"cannot open SQLite database {url.database!r}: {reason}"
    reason = re.sub(r"^(connection failed: )?connection to server at .*? failed: ", "", reason)
    reason = re.sub(r"^FATAL:\s+", "", reason)
    return f"cannot reach PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}: {reason}"


def _refused(exc: BaseException) -> StoreError:
    """A write error as a StoreError: a bad value (only its rows are refused) or a store failure."""
    if isinstance(exc, OperationalError):  # the database, not the data: locked, gone, full
        return StoreError(f"write failed: {_first_line(exc)}")
    if isinstance(exc, (DataError, IntegrityError, ValueError, TypeError)) or (
        isinstance(exc, StatementError) and not isinstance(exc.orig, OperationalError)
    ):
        return StoreValueError(f"cannot store it: {_first_line(exc)}")
    return StoreError(f"write failed: {_first_line(exc)}")


def _check_text(name: str, value: Any) -> None:
    """Refuse, on every backend alike, text that one of them cannot hold."""
    if value is None:
        return
    if not isinstance(value, str):
        raise StoreValueError(f"{name} is a {type(value).__name__}, not text")
    if "\x00" in value:
        raise StoreValueError(f"{name} contains a NUL character (U+0000), which PostgreSQL cannot store")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = value[exc.start]
        raise StoreValueError(
            f"{name} is not valid Unicode (lone surrogate U+{ord(bad):04X} at character {exc.start})"
        ) from None


_TEXT_FIELDS = ("id", "input", "title", "source", "url", "published", "published_from", "language", "author",
                "text")


def _article_row(a: Article) -> dict[str, Any]:
    """The row of an article (without ``seq``), or StoreValueError naming the value it cannot hold."""
    for name in _TEXT_FIELDS:
        _check_text(name, getattr(a, name))
    try:
        _json_dumps(a.meta)
    except (TypeError, ValueError) as exc:
        raise StoreValueError(f"meta is not JSON: {exc}") from None
    return {
        "id": a.id, "input": a.input, "source": a.source, "url": a.url, "title": a.title,
        "published": a.published, "published_from": a.published_from, "language": a.language,
        "author": a.author, "text": a.text, "meta": a.meta, "ingested_at": datetime.now(UTC),
    }


def _article(row: Any) -> Article:
    return Article(
        id=row.id, text=row.text, input=row.input, title=row.title, source=row.source, url=row.url,
        published=row.published, published_from=row.published_from, language=row.language,
        author=row.author, meta=dict(row.meta or {}),
    )


def _chunks(ids: Sequence[_K]) -> Iterator[Sequence[_K]]:
    for k in range(0, len(ids), IN_CHUNK):
        yield ids[k : k + IN_CHUNK]


Write = Callable[[Connection], None]

#: How cached vectors are stored: little-endian float32, so that they read back bit for bit.
VECTOR_DTYPE = np.dtype("<f4")


def _vector_row(encoder: str, key: bytes, vector: Any) -> dict[str, Any]:
    """The ``embeddings`` row of one vector; ValueError for a key or vector that is not one."""
    if not isinstance(key, bytes) or len(key) != 32:
        raise ValueError(f"an embedding key is the 32-byte SHA-256 of the text, not {key!r}")
    vec = np.asarray(vector)
    if vec.ndim != 1 or vec.size == 0 or not np.all(np.isfinite(vec)):
        raise ValueError(f"an embedding is a non-empty 1-D array of finite numbers, not shape {vec.shape}")
    return {"encoder": encoder, "text_sha256": key, "dim": int(vec.size),
            "vector": vec.astype(VECTOR_DTYPE, copy=False).tobytes()}


class Store(TypedQueries):
    """Articles, annotations and every later record, behind a few methods (typed queries: the base class).

    Args:
        url: a SQLAlchemy URL: ``sqlite:///newsweave.db`` or
            ``postgresql+psycopg://user@host:5432/dbname``.

    Raises:
        StoreError: the URL is not one newsweave can use, its driver is missing, or
            the database cannot be reached, opened or migrated (one line saying which).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._pending: list[Write] | None = None
        self._pending_state: dict[str, Any] = {}
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise StoreError(f"not a database URL: {url!r} (e.g. sqlite:///newsweave.db)") from exc
        shown = parsed.render_as_string(hide_password=True)
        if parsed.get_backend_name() not in SUPPORTED:
            raise StoreError(f"unsupported database {parsed.get_backend_name()!r} in {shown}: "
                             "use sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DB")
        try:
            self.engine: Engine = create_engine(parsed, json_serializer=_json_dumps)
        except ImportError as exc:  # the driver is not installed
            raise StoreError(f"the database driver for {shown} is not installed ({exc.name or exc}); "
                             "for PostgreSQL: pip install 'psycopg[binary]'") from exc
        except ArgumentError as exc:
            raise StoreError(f"cannot use {shown}: {_first_line(exc)}") from exc
        self.dialect = self.engine.dialect.name
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        try:
            self._migrate()
        except OperationalError as exc:
            self.engine.dispose()
            raise StoreError(_unreachable(parsed, exc)) from exc
        except SQLAlchemyError as exc:
            self.engine.dispose()
            raise StoreError(f"cannot open store {shown}: {_first_line(exc)}") from exc

    def _migrate(self) -> None:
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self._write() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions and locks -------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction, holding the store's write lock until it commits or rolls back."""
        with self.engine.connect() as conn:
            conn.execution_options(**{_WRITE: True})
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.execute(select(func.pg_advisory_xact_lock(_lock_key("write"))))
                yield conn

    def _apply(self, write: Write, conn: Connection | None = None) -> None:
        """Run ``write`` in ``conn``, in a transaction of its own, or later (inside :meth:`deferred`)."""
        if self._pending is not None:
            self._pending.append(write)
        elif conn is not None:
            write(conn)
        else:
            with self._write() as c:
                write(c)

    @contextmanager
    def transaction(self) -> Iterator[Connection | None]:
        """A write transaction for writes that must land together (pass it as ``conn``).

        Inside :meth:`deferred` it yields ``None``: the writes already land together.
        """
        if self._pending is not None:
            yield None
            return
        with self._write() as conn:
            yield conn

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold back the record and state writes made inside; apply them all in one transaction at the end.

        A stage run inside leaves either all of its output or none of it, whenever the
        process dies. Reads inside see what was committed before the block (and the
        state values set inside it). If the block raises, nothing of it is written.
        """
        if self._pending is not None:
            raise RuntimeError("Store.deferred blocks do not nest")
        self._pending, self._pending_state = [], {}
        try:
            yield
            writes, self._pending = self._pending, None
            with self._write() as conn:
                for write in writes:
                    write(conn)
        finally:
            self._pending, self._pending_state = None, {}

    @contextmanager
    def exclusive(self, name: str = "analysis") -> Iterator[None]:
        """Hold a lock named ``name`` on this store, across processes, until the block ends.

        A second process waits for the first (a warning says so). The lock dies with
        its process: a SQLite file lock (``<db file>.lock``), or a PostgreSQL
        session advisory lock. A SQLite database in memory needs none.
        """
        if self.dialect == "postgresql":
            with self._pg_lock(name):
                yield
            return
        database = self.engine.url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            yield
            return
        import fcntl

        try:
            fd = os.open(f"{database}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:  # e.g. a read-only folder: go on, as before there was a lock
            logger.warning("cannot create %s.lock (%s): not guarding against a second run at once", database, exc)
            yield
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                logger.warning("another newsweave run is analysing %s: waiting for it to finish", database)
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    @contextmanager
    def _pg_lock(self, name: str) -> Iterator[None]:
        key = _lock_key(name)
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            if not conn.scalar(select(func.pg_try_advisory_lock(key))):
                logger.warning("another newsweave run is analysing %s: waiting for it to finish",
                               self.engine.url.render_as_string(hide_password=True))
                conn.execute(select(func.pg_advisory_lock(key)))
            try:
                yield
            finally:
                conn.execute(select(func.pg_advisory_unlock(key)))

    def _ordered(self, column: Any) -> ColumnElement[Any]:
        """``column`` compared by code point on every backend (SQLite's default; PostgreSQL's "C")."""
        return column.collate("C") if self.dialect == "postgresql" else column

    def _upsert(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert ``rows``, replacing those whose primary key is already there."""
        from sqlalchemy.dialects import postgresql, sqlite

        keys = [c.name for c in table.primary_key.columns]
        stmt = postgresql.insert(table) if self.dialect == "postgresql" else sqlite.insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=keys, set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
        )
        conn.execute(stmt, rows)

    # -- articles ---------------------------------------------------------------------------

    def add_articles(self, batch: Sequence[Article]) -> list[str]:
        """Store the articles not yet stored, in one transaction; returns the ids added.

        Raises:
            StoreValueError: a value of some article cannot be stored: nothing of the
                batch is (store the articles one by one to keep the others).
            StoreError: the database failed.
        """
        if not batch:
            return []
        rows: dict[str, dict[str, Any]] = {}
        for a in batch:
            if a.id not in rows:
                try:
                    rows[a.id] = _article_row(a)
                except StoreValueError as exc:
                    raise StoreValueError(f"article {a.id} from {a.input!r}: {exc.reason}") from None
        try:
            with self._write() as conn:
                ids = list(rows)
                existing: set[str] = set()
                for chunk in _chunks(ids):
                    existing |= set(conn.scalars(select(articles.c.id).where(articles.c.id.in_(chunk))))
                seq = int(conn.scalar(select(func.coalesce(func.max(articles.c.seq), 0))) or 0)
                added = [i for i in ids if i not in existing]
                if added:
                    conn.execute(insert(articles), [{**rows[i], "seq": seq + k} for k, i in enumerate(added, 1)])
        except (SQLAlchemyError, ValueError, TypeError) as exc:
            raise _refused(exc) from exc
        return added

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        """The subset of ``ids`` already stored."""
        found: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in _chunks(list(ids)):
                found |= set(conn.scalars(select(articles.c.id).where(articles.c.id.in_(chunk))))
        return found

    def article(self, article_id: str) -> Article | None:
        """One article by id, or by a unique id prefix."""
        with self.engine.connect() as conn:
            row = conn.execute(select(articles).where(articles.c.id == article_id)).first()
            if row is None and len(article_id) >= 4:
                rows = conn.execute(select(articles).where(articles.c.id.startswith(article_id, autoescape=True))
                                    .limit(2)).all()
                row = rows[0] if len(rows) == 1 else None
        return _article(row) if row is not None else None

    def articles(self, ids: Iterable[str] | None = None) -> list[Article]:
        """Stored articles in ingestion order (all, or those with the given ids)."""
        query = select(articles).order_by(articles.c.seq)
        with self.engine.connect() as conn:
            if ids is None:
                return [_article(r) for r in conn.execute(query)]
            rows = [r for chunk in _chunks(list(ids)) for r in conn.execute(query.where(articles.c.id.in_(chunk)))]
        return [_article(r) for r in sorted(rows, key=lambda r: r.seq)]

    def count_articles(self) -> int:
        """How many articles are stored."""
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(articles)) or 0)

    # -- annotations ------------------------------------------------------------------------

    def put_annotations(self, batch: Sequence[Annotation]) -> None:
        """Store (or replace) annotations, in one transaction."""
        if not batch:
            return
        rows = {a.article_id: {"article_id": a.article_id, "model": a.model, "data": a.to_dict()} for a in batch}
        with self._write() as conn:
            self._upsert(conn, annotation_table, list(rows.values()))

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
        with self.engine.connect() as conn:
            if ids is None:
                found = list(conn.scalars(query))
            else:
                found = [d for chunk in _chunks(list(ids))
                         for d in conn.scalars(query.where(annotation_table.c.article_id.in_(chunk)))]
        return {d["article_id"]: Annotation.from_dict(d) for d in found}

    def annotated_ids(self) -> list[str]:
        """Ids of the annotated articles, sorted."""
        with self.engine.connect() as conn:
            return sorted(conn.scalars(select(annotation_table.c.article_id)))

    def count_annotations(self) -> int:
        """How many articles are annotated."""
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(annotation_table)) or 0)

    # -- records ----------------------------------------------------------------------------

    def replace_records(
        self, kind: str, items: Iterable[tuple[str, dict[str, Any], Iterable[str]]], scope: str = "",
        conn: Connection | None = None,
    ) -> int:
        """Replace all records of ``kind`` in ``scope`` with ``items`` in one transaction.

        The typed rows of those records (:mod:`newsweave.store.typed`) are replaced in the
        same transaction, so they always match the JSON.

        Args:
            kind: record kind ("story", "entity", "quote", ...).
            items: ``(record id, JSON payload, cited article ids)``.
            scope: a partition (e.g. a story id) so that one story's records can be
                replaced without touching the others; "" for corpus-wide kinds.
            conn: an open transaction (:meth:`transaction`) to join; default: a new one
                (inside :meth:`deferred`: the block's).

        Returns:
            The number of records written.
        """
        rows = [(rid, payload, sorted(set(aids))) for rid, payload, aids in items]
        typed = typed_rows(kind, ((rid, payload) for rid, payload, _ in rows))

        def write(c: Connection) -> None:
            old = select(records.c.id).where(records.c.kind == kind, records.c.scope == scope)
            delete_typed(c, kind, scope)
            c.execute(delete(record_articles).where(
                record_articles.c.kind == kind, record_articles.c.record_id.in_(old)))
            c.execute(delete(records).where(records.c.kind == kind, records.c.scope == scope))
            _insert_records(c, kind, scope, rows, typed)

        self._apply(write, conn)
        return len(rows)

    def records(self, kind: str, scope: str | None = None) -> list[dict[str, Any]]:
        """Payloads of all records of ``kind`` (optionally one scope), in (scope, id) order by code point."""
        query = (select(records.c.payload).where(records.c.kind == kind)
                 .order_by(self._ordered(records.c.scope), self._ordered(records.c.id)))
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

    def update_records(
        self, kind: str, items: Iterable[tuple[str, dict[str, Any], Iterable[str]]], drop: Iterable[str] = (),
        drop_citing: Iterable[str] = (), scope: str = "", conn: Connection | None = None,
    ) -> int:
        """Write some records of ``kind`` and delete others, leaving the rest as they are (one transaction).

        Unlike :meth:`replace_records`, which rewrites a whole scope, this touches only the records named.

        Args:
            kind: record kind.
            items: ``(record id, JSON payload, cited article ids)`` to write (each replaces the record
                of that id, whatever its scope).
            drop: ids of records to delete.
            drop_citing: article ids: the records of ``kind`` that cite one of them are deleted.
            scope: the scope of the records written.
            conn: an open transaction to join, as for :meth:`replace_records`.

        Returns:
            The number of records written.
        """
        rows = [(rid, payload, sorted(set(aids))) for rid, payload, aids in items]
        typed = typed_rows(kind, ((rid, payload) for rid, payload, _ in rows))
        drop_ids = {*drop, *(rid for rid, _, _ in rows)}
        citing = list(dict.fromkeys(drop_citing))
        tables = list(dict.fromkeys(t.table for t in TYPED_KINDS.get(kind, ())))

        def write(c: Connection) -> None:
            gone = set(drop_ids)
            for chunk in _chunks(citing):
                gone.update(c.scalars(select(record_articles.c.record_id).where(
                    record_articles.c.kind == kind, record_articles.c.article_id.in_(chunk))))
            for chunk in _chunks(sorted(gone)):
                for table in tables:
                    stmt = delete(table).where(table.c.record_id.in_(chunk))
                    c.execute(stmt.where(table.c.record_kind == kind) if "record_kind" in table.c else stmt)
                c.execute(delete(record_articles).where(record_articles.c.kind == kind,
                                                        record_articles.c.record_id.in_(chunk)))
                c.execute(delete(records).where(records.c.kind == kind, records.c.id.in_(chunk)))
            _insert_records(c, kind, scope, rows, typed)

        self._apply(write, conn)
        return len(rows)

    # -- embeddings -------------------------------------------------------------------------

    def embeddings(self, encoder: str, keys: Iterable[bytes]) -> dict[bytes, np.ndarray]:
        """Cached vectors of ``encoder`` by text key (SHA-256 of the text); missing keys are left out.

        A row that does not hold a whole vector of finite numbers (which no writer of
        this store makes) is left out with a warning, so it is encoded again and replaced.
        """
        found: dict[bytes, np.ndarray] = {}
        query = select(embeddings.c.text_sha256, embeddings.c.dim, embeddings.c.vector)
        with self.engine.connect() as conn:
            for chunk in _chunks(list(dict.fromkeys(keys))):
                rows = conn.execute(query.where(embeddings.c.encoder == encoder,
                                                embeddings.c.text_sha256.in_(chunk)))
                for key, dim, blob in rows:
                    blob = bytes(blob)
                    vec = np.frombuffer(blob, dtype=VECTOR_DTYPE) if dim and len(blob) == dim * 4 else None
                    if vec is None or not np.all(np.isfinite(vec)):
                        logger.warning("cached %s vector %s is damaged; it will be encoded again",
                                       encoder, bytes(key).hex()[:12])
                        continue
                    found[bytes(key)] = vec.astype(np.float32)
        return found

    def put_embeddings(self, encoder: str, items: Iterable[tuple[bytes, Any]]) -> int:
        """Cache vectors of ``encoder`` by text key, replacing any stored under the same key.

        Committed at once in one transaction of its own, also inside :meth:`deferred`
        (a vector belongs to its text, not to the stage that asked for it). Do not call
        it while this process holds a :meth:`transaction` open: it would wait for it.

        Returns:
            The number of vectors written.
        """
        rows = list({key: _vector_row(encoder, key, vec) for key, vec in items}.values())
        if rows:
            with self._write() as conn:
                for k in range(0, len(rows), IN_CHUNK):
                    self._upsert(conn, embeddings, rows[k : k + IN_CHUNK])
        return len(rows)

    def count_embeddings(self, encoder: str | None = None) -> int:
        """How many vectors are cached (of one encoder, or of all)."""
        query = select(func.count()).select_from(embeddings)
        if encoder is not None:
            query = query.where(embeddings.c.encoder == encoder)
        with self.engine.connect() as conn:
            return int(conn.scalar(query) or 0)

    # -- state ------------------------------------------------------------------------------

    def get_state(self, key: str) -> Any:
        """A stored JSON value, or ``None``."""
        if key in self._pending_state:
            return self._pending_state[key]
        with self.engine.connect() as conn:
            return conn.scalar(select(state.c.value).where(state.c.key == key))

    def set_state(self, key: str, value: Any, conn: Connection | None = None) -> None:
        """Store a JSON value under ``key``."""
        if self._pending is not None:
            self._pending_state[key] = value
        self._apply(lambda c: self._upsert(c, state, [{"key": key, "value": value}]), conn)

    def iter_article_ids(self) -> Iterator[str]:
        """All article ids in ingestion order."""
        with self.engine.connect() as conn:
            yield from conn.scalars(select(articles.c.id).order_by(articles.c.seq))


def _insert_records(c: Connection, kind: str, scope: str, rows: list[tuple[str, dict[str, Any], list[str]]],
                    typed: list[tuple[Table, list[dict[str, Any]]]]) -> None:
    """Insert records of ``kind`` in ``scope`` (``(id, payload, cited article ids)``), their article links and
    their typed rows (``typed``, from :func:`typed_rows`)."""
    if not rows:
        return
    c.execute(insert(records), [{"kind": kind, "id": rid, "scope": scope, "payload": payload}
                                for rid, payload, _ in rows])
    links = [{"kind": kind, "record_id": rid, "article_id": aid} for rid, _, aids in rows for aid in aids]
    if links:
        c.execute(insert(record_articles), links)
    insert_typed(c, typed)


def head_revision() -> str:
    """The newest migration's revision id: what :class:`Store` upgrades every store it opens to."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return str(ScriptDirectory.from_config(cfg).get_current_head())
