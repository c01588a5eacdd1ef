"""What a story page orders and filters by, in columns: links by article and kind, claims' support, reuse links.

A story page asks for the records of one kind that cite the story's articles, a page of them in
order. Before this revision that meant reading each link's row for its kind (the article index
held the article only) and parsing every candidate's JSON payload to order by it (a claim's
``independent_sources``, a reuse link's ``share``, the copy's article id): on a story of 191
articles, several thousand payloads of up to 50 KB per request.

- ``ix_record_articles_article_kind`` (article_id, kind, record_id) answers "the records of this
  kind citing these articles" from the index alone; it replaces the article-only index, whose
  look-ups its first column serves.
- ``claims.independent_sources``: a page of claims is ordered by it.
- ``reuse_links`` (record kind ``reuse``): copy, origin and share of each link, indexed by copy.

The new columns and table are filled from the stored records here (:func:`newsweave.store.typed.rebuild`).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the index, the column and the table, and fill them from the stored records."""
    from newsweave.store.typed import rebuild

    op.create_index("ix_record_articles_article_kind", "record_articles", ["article_id", "kind", "record_id"])
    op.drop_index("ix_record_articles_article", "record_articles")
    op.add_column("claims", sa.Column("independent_sources", sa.Integer))
    op.create_table("reuse_links", sa.Column("record_id", sa.Text, primary_key=True),
                    sa.Column("copy_article_id", sa.Text), sa.Column("origin_article_id", sa.Text),
                    sa.Column("share", sa.Float))
    op.create_index("ix_reuse_links_copy", "reuse_links", ["copy_article_id"])
    rebuild(op.get_bind(), ["claim", "reuse"])


def downgrade() -> None:
    """Back to revision 0007 (the records keep everything)."""
    op.drop_index("ix_reuse_links_copy", "reuse_links")
    op.drop_table("reuse_links")
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("independent_sources")
    op.create_index("ix_record_articles_article", "record_articles", ["article_id"])
    op.drop_index("ix_record_articles_article_kind", "record_articles")
