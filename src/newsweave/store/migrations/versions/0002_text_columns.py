"""Text columns without a length limit, so that PostgreSQL stores what SQLite stores.

SQLite never enforces ``VARCHAR(n)``; PostgreSQL does, so an outlet name longer
than 255 characters (or a profile record keyed by it) was refused there only.
On SQLite this revision changes nothing (its column types are affinities).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: (table, column, old length) for every column whose limit goes.
COLUMNS = [
    ("articles", "source", 255), ("articles", "published", 10), ("articles", "published_from", 16),
    ("articles", "language", 16), ("annotations", "model", 128), ("records", "kind", 32),
    ("records", "id", 128), ("records", "scope", 128), ("record_articles", "kind", 32),
    ("record_articles", "record_id", 128), ("state", "key", 128),
]


def upgrade() -> None:
    """Drop the length limits (PostgreSQL only)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in COLUMNS:
        op.alter_column(table, column, type_=sa.Text(), existing_type=sa.String(length))


def downgrade() -> None:
    """Restore the length limits (PostgreSQL only; fails if a longer value is stored)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in COLUMNS:
        op.alter_column(table, column, type_=sa.String(length), existing_type=sa.Text())
