"""A cache of sentence embeddings: one vector per encoder and exact text.

The quotes and summary stages embed every statement and sentence; with this table
each text is encoded once (per encoder) and read back on every later run. The
vector is stored as ``dim`` little-endian float32 values (1,536 bytes for 384
dimensions), so a stored vector equals the encoder's output bit for bit.
An existing store gains the empty table; nothing else changes.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the embeddings table."""
    op.create_table(
        "embeddings",
        sa.Column("encoder", sa.Text, primary_key=True),
        sa.Column("text_sha256", sa.LargeBinary, primary_key=True),
        sa.Column("dim", sa.Integer, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    """Drop the embeddings table."""
    op.drop_table("embeddings")
