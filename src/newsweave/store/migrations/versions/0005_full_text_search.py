"""Full-text search over article titles and texts, kept current by the database itself.

SQLite: an external-content FTS5 table ``articles_fts`` (title, text; Porter stemmer over
``unicode61`` with accents removed) whose rows are the articles' ``seq``, filled here from
the stored articles and kept current by triggers on ``articles`` (insert, update, delete),
so :meth:`Store.add_articles` indexes each article in its own transaction without a
change. PostgreSQL: a stored generated column ``articles.search`` (``tsvector``, English
configuration, the title weighted above the text) with a GIN index; PostgreSQL computes
it for existing rows when the column is added and for every later insert or update.
Only the first 500,000 characters of a text are indexed on PostgreSQL (a ``tsvector``
holds at most 1 MB). Both: an index on ``articles.source`` for filters by outlet.

A later SQLite migration that rebuilds ``articles`` (Alembic's batch mode copies the
table) must create these triggers again.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', content_rowid='seq', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
    "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, title, text) VALUES (new.seq, new.title, new.text); END",
    "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.seq, old.title, old.text); END",
    "CREATE TRIGGER articles_fts_update AFTER UPDATE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.seq, old.title, old.text); "
    "INSERT INTO articles_fts(rowid, title, text) VALUES (new.seq, new.title, new.text); END",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS articles_fts_update", "DROP TRIGGER IF EXISTS articles_fts_delete",
               "DROP TRIGGER IF EXISTS articles_fts_insert", "DROP TABLE IF EXISTS articles_fts"]
POSTGRES_UP = [
    "ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, left(text, 500000)), 'B')) STORED",
    "CREATE INDEX ix_articles_search ON articles USING gin (search)",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_articles_search", "ALTER TABLE articles DROP COLUMN IF EXISTS search"]


def upgrade() -> None:
    """Build the full-text index of the stored articles and what keeps it current; index outlets."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for sql in SQLITE_UP if sqlite else POSTGRES_UP:
        op.execute(sql)
    op.create_index("ix_articles_source", "articles", ["source"])


def downgrade() -> None:
    """Drop the full-text index and the outlet index (the articles keep everything)."""
    op.drop_index("ix_articles_source", "articles")
    for sql in SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN:
        op.execute(sql)
