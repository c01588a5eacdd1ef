"""The reuse stage's persistent index: which articles hold each 8-gram, furniture line and LSH band key.

One row per (kind, key, article); the reuse stage (:mod:`newsweave.reuse.index`) adds the
keys of each new article and finds, by key, the articles a new one may share text with,
instead of reading every stored article. On SQLite the table is ``WITHOUT ROWID`` (the
primary key is the whole row). An existing store gains the empty table; the reuse
stage fills it from the stored articles on its next run.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the reuse_index table."""
    op.create_table(
        "reuse_index",
        sa.Column("kind", sa.Integer, primary_key=True),
        sa.Column("key", sa.BigInteger, primary_key=True),
        sa.Column("article_id", sa.String(64), primary_key=True),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    """Drop the reuse_index table."""
    op.drop_table("reuse_index")
