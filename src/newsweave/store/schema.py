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

The typed tables (revision 0004) hold, for the main record kinds, the columns that
queries select and join on, with indexes by story, entity, article and date. They
are derived from the JSON payloads (:mod:`newsweave.store.typed` says how) and
written in the same transaction as them, so the JSON stays the source of truth and
the two never disagree. Every typed row carries its record's id (``record_id``, and
``record_kind`` where several kinds share a table) to read the payload back.
Dates are TIMEX3 values as written (``date``) plus the calendar days they span
(``day_first``/``day_last``, ISO ``YYYY-MM-DD``; NULL when the value or its
precision is unknown), so that a date range is an index range.
Story membership is not copied into quotes, events or mentions: stories change
without those records changing, so queries by story join through ``story_articles``.

Full-text search (revision 0005) is backend-specific and so is not declared here: SQLite
has an FTS5 table ``articles_fts`` kept current by triggers on ``articles``, PostgreSQL a
generated ``tsvector`` column ``articles.search`` with a GIN index (the column is left out
of :data:`articles`, so that ``select(articles)`` reads the same columns on both);
:mod:`newsweave.service.search` queries them. ``articles.source`` gains an index.

``reuse_index`` (revision 0006) is the reuse stage's persistent index: one row per key kind,
key and article (8-gram hashes, outlet lines, MinHash LSH bands), so that a new article's
candidates are found by key instead of by reading every stored article.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
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
Index("ix_articles_published", articles.c.published)
Index("ix_articles_source", articles.c.source)

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
Index("ix_record_articles_article_kind", record_articles.c.article_id, record_articles.c.kind,
      record_articles.c.record_id)

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


# -- typed tables (revision 0004), one row per record or per part of one -------------------------

#: Stories of both levels (record kind ``story``).
stories = Table(
    "stories",
    metadata,
    Column("record_id", Text, primary_key=True),  # the story id
    Column("level", Text),  # "event" or "storyline"
    Column("parent_id", Text),  # an event's storyline
    Column("first_date", Text),
    Column("last_date", Text),
)
Index("ix_stories_parent", stories.c.parent_id)
Index("ix_stories_dates", stories.c.first_date, stories.c.last_date)

#: Which articles a story holds (one row per story and article).
story_articles = Table(
    "story_articles",
    metadata,
    Column("record_id", Text, primary_key=True),  # the story id
    Column("article_id", Text, primary_key=True),
    Column("level", Text),
)
Index("ix_story_articles_article", story_articles.c.article_id, story_articles.c.level)

#: Cross-document entities (record kind ``entity``).
entities = Table(
    "entities",
    metadata,
    Column("record_id", Text, primary_key=True),  # the entity id
    Column("kind", Text),  # person, organization, place, ...
    Column("name", Text),  # the canonical name
)
Index("ix_entities_kind", entities.c.kind)

#: Every name an entity goes by (the canonical one and each variant), folded for lookup.
entity_names = Table(
    "entity_names",
    metadata,
    Column("record_id", Text, primary_key=True),  # the entity id
    Column("name_key", Text, primary_key=True),  # textutil.fold of the name, spaces collapsed
    Column("name", Text),
)
Index("ix_entity_names_key", entity_names.c.name_key)

#: Mentions in one article: names (``mention``), pronouns and nominals (``reference``), demonyms.
mentions = Table(
    "mentions",
    metadata,
    Column("record_kind", Text, primary_key=True),
    Column("record_id", Text, primary_key=True),  # "<article id>:<start>:<end>"
    Column("article_id", Text),
    Column("start", Integer),
    Column("end", Integer),
    Column("kind", Text),  # person/place/... for a name, pronoun/nominal for a reference
    Column("entity_id", Text),
)
Index("ix_mentions_entity", mentions.c.entity_id, mentions.c.article_id)
Index("ix_mentions_article", mentions.c.article_id, mentions.c.start)

#: Quotes: one row per variant (one article's wording) of a quote group (record kind ``quote``).
quotes = Table(
    "quotes",
    metadata,
    Column("record_id", Text, primary_key=True),  # the group id
    Column("n", Integer, primary_key=True),  # the variant's place in the group
    Column("quote_id", Text),  # the variant's own id
    Column("article_id", Text),
    Column("start", Integer),
    Column("end", Integer),
    Column("kind", Text),  # direct, partial, ...
    Column("speaker_entity_id", Text),
    Column("speaker_text", Text),
)
Index("ix_quotes_speaker", quotes.c.speaker_entity_id)
Index("ix_quotes_article", quotes.c.article_id)

#: Event mentions (record kind ``event``), one row per article that states it.
events = Table(
    "events",
    metadata,
    Column("record_id", Text, primary_key=True),  # the event id
    Column("n", Integer, primary_key=True),
    Column("article_id", Text),
    Column("type", Text),  # PLOVER type
    Column("date", Text),
    Column("date_precision", Text),
    Column("day_first", Text),
    Column("day_last", Text),
    Column("actor_entity_id", Text),
    Column("target_entity_id", Text),
)
Index("ix_events_day", events.c.day_first, events.c.day_last)
Index("ix_events_article", events.c.article_id, events.c.day_first)
Index("ix_events_actor", events.c.actor_entity_id)
Index("ix_events_target", events.c.target_entity_id)

#: Entries of event timelines (``timeline``, per event story) and key timelines (``key_timeline``, per storyline).
timeline_entries = Table(
    "timeline_entries",
    metadata,
    Column("record_kind", Text, primary_key=True),
    Column("record_id", Text, primary_key=True),  # the story id
    Column("n", Integer, primary_key=True),  # the entry's place in its timeline
    Column("story_id", Text),
    Column("entry_id", Text),
    Column("date", Text),
    Column("day_first", Text),
    Column("day_last", Text),
    Column("type", Text),
    Column("background", Boolean),
)
Index("ix_timeline_entries_story", timeline_entries.c.story_id, timeline_entries.c.day_first)
Index("ix_timeline_entries_day", timeline_entries.c.day_first)

#: Claims (subject, slot, value) of the corroborate stage.
claims = Table(
    "claims",
    metadata,
    Column("record_id", Text, primary_key=True),  # the claim id
    Column("subject_id", Text),
    Column("slot", Text),
    Column("independent_sources", Integer),  # a page of claims is ordered by it (revision 0008)
)
Index("ix_claims_subject", claims.c.subject_id, claims.c.slot)

#: Reuse links (record kind ``reuse``): who copied whom and how much (revision 0008).
reuse_links = Table(
    "reuse_links",
    metadata,
    Column("record_id", Text, primary_key=True),  # "<copy><<origin>"
    Column("copy_article_id", Text),
    Column("origin_article_id", Text),
    Column("share", Float),
)
Index("ix_reuse_links_copy", reuse_links.c.copy_article_id)

#: Discrepancies between sources.
discrepancies = Table(
    "discrepancies",
    metadata,
    Column("record_id", Text, primary_key=True),  # the discrepancy id
    Column("kind", Text),
    Column("entity_id", Text),
    Column("story_id", Text),  # an event story
)
Index("ix_discrepancies_story", discrepancies.c.story_id)
Index("ix_discrepancies_entity", discrepancies.c.entity_id)


# -- the reuse stage's near-duplicate index (revision 0006) ---------------------------------------

#: Postings of the reuse stage's persistent index: which articles hold each key of a ``kind``
#: (0: a word 8-gram's CRC-32, 1: an outlet's line, 2: a MinHash LSH band; :mod:`newsweave.reuse.index`).
reuse_index = Table(
    "reuse_index",
    metadata,
    Column("kind", Integer, primary_key=True),
    Column("key", BigInteger, primary_key=True),
    Column("article_id", String(64), primary_key=True),
    sqlite_with_rowid=False,
)
