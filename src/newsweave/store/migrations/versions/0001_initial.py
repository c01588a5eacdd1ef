"""Initial schema: articles, annotations, records, record_articles, state.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the first tables."""
    op.create_table(
        "articles",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False, unique=True),
        sa.Column("input", sa.Text, nullable=False),
        sa.Column("source", sa.String(255)),
        sa.Column("url", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("published", sa.String(10)),
        sa.Column("published_from", sa.String(16)),
        sa.Column("language", sa.String(16)),
        sa.Column("author", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "annotations",
        sa.Column("article_id", sa.String(64), sa.ForeignKey("articles.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_table(
        "records",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("scope", sa.String(128), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
    )
    op.create_index("ix_records_scope", "records", ["kind", "scope"])
    op.create_table(
        "record_articles",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("record_id", sa.String(128), primary_key=True),
        sa.Column("article_id", sa.String(64), sa.ForeignKey("articles.id", ondelete="CASCADE"),
                  primary_key=True),
    )
    op.create_index("ix_record_articles_article", "record_articles", ["article_id"])
    op.create_table(
        "state",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    """Drop everything."""
    for name in ("state", "record_articles", "records", "annotations", "articles"):
        op.drop_table(name)
