"""SQLAlchemy Core tables. Migrations (``migrations/versions``) create and change them.

Articles and their annotations have tables of their own. Every later record kind
(stories, reuse links, entities, quotes, events, claims, discrepancies, summary
sentences) is stored in ``records`` as its JSON form, keyed by kind and a
content-derived id, with ``record_articles`` linking each record to the articles
it cites so that records can be found and invalidated by article.

Text columns have no length limit (revision 0002): PostgreSQL enforces one, SQLite
never does, and both must store the same rows.

``embeddings`` (revision 0003) caches sentence vectors: one row per encoder and exact
text (its SHA-256), the vector as little-endian float32 bytes, so that a text is
encoded once however many runs and stages ask for it.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

articles = Table(
    "articles",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("input", Text, nullable=False),
    Column("source", Text),
    Column("url", Text),
    Column("title", Text),
    Column("published", Text),
    Column("published_from", Text),
    Column("language", Text),
    Column("author", Text),
    Column("text", Text, nullable=False),
    Column("meta", JSON, nullable=False),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
)

annotation_table = Table(
    "annotations",
    metadata,
    Column("article_id", String(64), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("model", Text, nullable=False),
    Column("data", JSON, nullable=False),
)

records = Table(
    "records",
    metadata,
    Column("kind", Text, primary_key=True),
    Column("id", Text, primary_key=True),
    Column("scope", Text, nullable=False, default=""),
    Column("payload", JSON, nullable=False),
)
Index("ix_records_scope", records.c.kind, records.c.scope)

record_articles = Table(
    "record_articles",
    metadata,
    Column("kind", Text, primary_key=True),
    Column("record_id", Text, primary_key=True),
    Column("article_id", String(64), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
)
Index("ix_record_articles_article", record_articles.c.article_id)

state = Table(
    "state",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", JSON, nullable=False),
)

embeddings = Table(
    "embeddings",
    metadata,
    Column("encoder", Text, primary_key=True),  # which model and settings made the vector
    Column("text_sha256", LargeBinary, primary_key=True),  # SHA-256 of the exact text (32 bytes)
    Column("dim", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False),  # ``dim`` little-endian float32 values
)
