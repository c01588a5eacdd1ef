"""Typed tables of the main record kinds, with indexes by story, entity, article and date.

Stories and their articles, entities and their names, mentions, quotes (one row
per variant), events, timeline entries, claims and discrepancies get tables of
their own beside the JSON in ``records`` (which stays the source of truth; the
store writes both in one transaction). An existing store's records are copied
into them here, so an upgraded store answers the typed queries at once.
``articles.published`` gains an index.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: Column types by suffix: ``name`` text, ``name:int``, ``name:bool``; ``*`` marks the primary key.
TYPES = {"": sa.Text, "int": sa.Integer, "bool": sa.Boolean}

#: (table, its columns, its indexes {name: columns}), as in ``schema.py`` at this revision.
TABLES = [
    ("stories", "record_id* level parent_id first_date last_date",
     {"ix_stories_parent": "parent_id", "ix_stories_dates": "first_date last_date"}),
    ("story_articles", "record_id* article_id* level", {"ix_story_articles_article": "article_id level"}),
    ("entities", "record_id* kind name", {"ix_entities_kind": "kind"}),
    ("entity_names", "record_id* name_key* name", {"ix_entity_names_key": "name_key"}),
    ("mentions", "record_kind* record_id* article_id start:int end:int kind entity_id",
     {"ix_mentions_entity": "entity_id article_id", "ix_mentions_article": "article_id start"}),
    ("quotes", "record_id* n:int* quote_id article_id start:int end:int kind speaker_entity_id speaker_text",
     {"ix_quotes_speaker": "speaker_entity_id", "ix_quotes_article": "article_id"}),
    ("events", "record_id* n:int* article_id type date date_precision day_first day_last actor_entity_id "
               "target_entity_id",
     {"ix_events_day": "day_first day_last", "ix_events_article": "article_id day_first",
      "ix_events_actor": "actor_entity_id", "ix_events_target": "target_entity_id"}),
    ("timeline_entries", "record_kind* record_id* n:int* story_id entry_id date day_first day_last type "
                         "background:bool",
     {"ix_timeline_entries_story": "story_id day_first", "ix_timeline_entries_day": "day_first"}),
    ("claims", "record_id* subject_id slot", {"ix_claims_subject": "subject_id slot"}),
    ("discrepancies", "record_id* kind entity_id story_id",
     {"ix_discrepancies_story": "story_id", "ix_discrepancies_entity": "entity_id"}),
]


def _column(spec: str) -> sa.Column:
    name, _, kind = spec.rstrip("*").partition(":")
    return sa.Column(name, TYPES[kind], primary_key=spec.endswith("*"), autoincrement=False)


def upgrade() -> None:
    """Create the typed tables and their indexes, then fill them from the stored records."""
    from newsweave.store.typed import rebuild

    for name, columns, indexes in TABLES:
        op.create_table(name, *[_column(c) for c in columns.split()])
        for index, on in indexes.items():
            op.create_index(index, name, on.split())
    op.create_index("ix_articles_published", "articles", ["published"])
    rebuild(op.get_bind())


def downgrade() -> None:
    """Drop the typed tables (the records keep everything they held)."""
    op.drop_index("ix_articles_published", "articles")
    for name, _, _ in reversed(TABLES):
        op.drop_table(name)
