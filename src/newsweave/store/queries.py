"""Indexed queries over the typed tables, returning the stored record dicts (mixed into ``Store``).

Each query selects record ids in a typed table through its index and returns the JSON
payloads of those records, as :meth:`Store.records` does, so a caller sees the same
dicts whichever way it asked. "A story" is a story id of either level: a storyline
holds the articles of its events. Dates are ISO days (``"2019-01-27"`` or a
:class:`datetime.date`); an event is "between" two days when every day its date may
mean lies between them, so an event dated only "2019" is not in a week of 2019, and
one dated only by its article's publication (precision "unknown") is in no range.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, or_, select

from newsweave.store.schema import (
    claims,
    discrepancies,
    entity_names,
    events,
    mentions,
    quotes,
    record_articles,
    records,
    stories,
    story_articles,
    timeline_entries,
)
from newsweave.store.typed import name_key

IN_CHUNK = 500  # ids bound in one IN (...), as in the repository

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import Connection
    from sqlalchemy.sql.elements import ColumnElement

    from newsweave.models import Article

Day = str | date


def _day(value: Day) -> str:
    return value.isoformat()[:10] if isinstance(value, date) else value  # a datetime counts as its day


def link_kind(kind: str) -> Any:
    """``record_articles.kind = kind`` written so that SQLite does not drive the query by it.

    SQLite keeps no statistics, and given ``kind = ? AND article_id IN (...)`` it walks every
    link of the kind through the primary key rather than the few links of those articles through
    ``ix_record_articles_article`` (10x slower on a store of 1,000 articles); ``kind || ''`` is
    the same test that no index can serve, so the article index is used. PostgreSQL plans
    from statistics either way.
    """
    return record_articles.c.kind.concat("") == kind


class TypedQueries:
    """Queries by story, entity, article and date (see :mod:`newsweave.store.queries`)."""

    if TYPE_CHECKING:
        engine: Engine

        def articles(self, ids: Iterable[str] | None = None) -> list[Article]: ...

        def _ordered(self, column: Any) -> ColumnElement[Any]: ...

    # -- helpers ------------------------------------------------------------------------------------

    def _fetch(self, query: Select[Any]) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return list(conn.scalars(query))

    def _records_in(self, kind: str, ids: Select[Any]) -> list[dict[str, Any]]:
        """Payloads of the records of ``kind`` whose id ``ids`` selects, by id (code point)."""
        return self._fetch(select(records.c.payload).where(records.c.kind == kind, records.c.id.in_(ids))
                           .order_by(self._ordered(records.c.id)))

    @staticmethod
    def _story_articles(story: str) -> Select[Any]:
        return select(story_articles.c.article_id).where(story_articles.c.record_id == story)

    # -- stories and articles -----------------------------------------------------------------------

    def articles_of_story(self, story: str) -> list[Article]:
        """The articles of a story (either level), in ingestion order."""
        with self.engine.connect() as conn:
            ids = list(conn.scalars(self._story_articles(story)))
        return self.articles(ids)

    def stories_of_article(self, article_id: str) -> list[dict[str, Any]]:
        """The stories (its event and its storyline) that hold an article."""
        return self._records_in("story", select(story_articles.c.record_id)
                                .where(story_articles.c.article_id == article_id))

    def stories_with_entity(self, entity_id: str, since: Day | None = None, until: Day | None = None,
                            level: str | None = None) -> list[dict[str, Any]]:
        """Stories with an article that mentions an entity (by name, pronoun or nominal), oldest first.

        Args:
            since, until: keep the stories whose dates (first to last article) meet this
                range; a story without dates is then left out.
            level: "event" or "storyline"; default both.
        """
        ids = select(story_articles.c.record_id).where(story_articles.c.article_id.in_(
            select(mentions.c.article_id).where(mentions.c.entity_id == entity_id)))
        if level is not None:
            ids = ids.where(story_articles.c.level == level)
        query = (select(records.c.payload)
                 .join(stories, and_(records.c.kind == "story", stories.c.record_id == records.c.id))
                 .where(records.c.id.in_(ids)))
        if since is not None:
            query = query.where(stories.c.last_date >= _day(since))
        if until is not None:
            query = query.where(stories.c.first_date <= _day(until))
        return self._fetch(query.order_by(stories.c.first_date.is_(None), stories.c.first_date,
                                          self._ordered(records.c.id)))

    def records_of_story(self, kind: str, story: str) -> list[dict[str, Any]]:
        """Records of any ``kind`` that cite an article of a story, by id."""
        return self._records_in(kind, select(record_articles.c.record_id).where(
            link_kind(kind), record_articles.c.article_id.in_(self._story_articles(story))))

    # -- entities and mentions ----------------------------------------------------------------------

    def entities_named(self, name: str) -> list[dict[str, Any]]:
        """Entities whose canonical name or a variant is ``name`` (accents, case and spacing aside)."""
        return self._records_in("entity", select(entity_names.c.record_id)
                                .where(entity_names.c.name_key == name_key(name)))

    def mentions_of(self, entity_id: str, article_id: str | None = None) -> list[dict[str, Any]]:
        """Mentions of an entity: names, then pronouns and nominals (``reference``), then demonyms.

        Each kind's records come in id order (article id, then offsets).
        """
        out: list[dict[str, Any]] = []
        for kind in ("mention", "reference", "demonym"):
            ids = select(mentions.c.record_id).where(mentions.c.record_kind == kind, mentions.c.entity_id == entity_id)
            if article_id is not None:
                ids = ids.where(mentions.c.article_id == article_id)
            out += self._records_in(kind, ids)
        return out

    def claims_about(self, entity_id: str, slot: str | None = None) -> list[dict[str, Any]]:
        """Claims whose subject is an entity (optionally one slot: "role", "name", ...)."""
        ids = select(claims.c.record_id).where(claims.c.subject_id == entity_id)
        return self._records_in("claim", ids if slot is None else ids.where(claims.c.slot == slot))

    # -- quotes -------------------------------------------------------------------------------------

    def quotes_by_speaker(self, entity_id: str, story: str | None = None) -> list[dict[str, Any]]:
        """Quote groups with a variant that an article attributes to an entity (optionally in one story)."""
        ids = select(quotes.c.record_id).where(quotes.c.speaker_entity_id == entity_id)
        if story is not None:
            ids = ids.where(quotes.c.article_id.in_(self._story_articles(story)))
        return self._records_in("quote", ids)

    def quotes_of_story(self, story: str) -> list[dict[str, Any]]:
        """Quote groups with a variant in an article of a story."""
        return self._records_in("quote", select(quotes.c.record_id)
                                .where(quotes.c.article_id.in_(self._story_articles(story))))

    def quotes_in_article(self, article_id: str) -> list[dict[str, Any]]:
        """Quote groups with a variant in an article."""
        return self._records_in("quote", select(quotes.c.record_id).where(quotes.c.article_id == article_id))

    # -- events and timelines -----------------------------------------------------------------------

    @staticmethod
    def _payloads(conn: Connection, kind: str, ids: list[str]) -> dict[str, Any]:
        """Record id -> payload of the records of ``kind`` with these ids (by primary key)."""
        return {rid: p for k in range(0, len(ids), IN_CHUNK) for rid, p in conn.execute(
            select(records.c.id, records.c.payload).where(records.c.kind == kind,
                                                          records.c.id.in_(ids[k : k + IN_CHUNK])))}

    def _in_order(self, kind: str, ids: Select[Any]) -> list[dict[str, Any]]:
        """Payloads of the records of ``kind`` in the order ``ids`` selects their ids.

        Two reads, each driven by its own index: the typed table's for the ids and their
        order, the primary key of ``records`` for the payloads (a single join would let
        SQLite, which keeps no statistics, start from every record of the kind).
        """
        with self.engine.connect() as conn:
            wanted = list(dict.fromkeys(conn.scalars(ids)))
            found = self._payloads(conn, kind, wanted)
        return [found[rid] for rid in wanted if rid in found]

    def _by_date(self, query: Select[Any]) -> list[dict[str, Any]]:
        return self._in_order("event", query.order_by(events.c.day_first.is_(None), events.c.day_first,
                                                      events.c.day_last, self._ordered(events.c.record_id)))

    def events_between(self, start: Day | None = None, end: Day | None = None, story: str | None = None,
                       entity: str | None = None) -> list[dict[str, Any]]:
        """Dated events whose date lies within ``start``..``end`` (both included), by date.

        Args:
            story: only events stated in an article of this story.
            entity: only events with this entity as actor or target.
        """
        query = select(events.c.record_id).where(events.c.n == 0, events.c.day_first.is_not(None))
        if start is not None:
            query = query.where(events.c.day_first >= _day(start))
        if end is not None:
            query = query.where(events.c.day_last <= _day(end))
        if entity is not None:
            query = query.where(or_(events.c.actor_entity_id == entity, events.c.target_entity_id == entity))
        if story is not None:
            stated = events.alias("stated")
            query = query.where(events.c.record_id.in_(select(stated.c.record_id).where(
                stated.c.article_id.in_(self._story_articles(story)))))
        return self._by_date(query)

    def events_of_article(self, article_id: str) -> list[dict[str, Any]]:
        """The events an article states, by date (undated ones last)."""
        return self._by_date(select(events.c.record_id).where(events.c.article_id == article_id))

    def timeline_between(self, start: Day | None = None, end: Day | None = None, story: str | None = None,
                         kind: str = "key_timeline") -> list[tuple[str, dict[str, Any]]]:
        """``(story id, entry)`` of timeline entries dated within ``start``..``end``, by date.

        Args:
            story: one story's entries (a storyline for ``key_timeline``, an event for ``timeline``).
            kind: "key_timeline" (key dates per storyline) or "timeline" (every event, per event story).
        """
        query = select(timeline_entries.c.story_id, timeline_entries.c.record_id, timeline_entries.c.n).where(
            timeline_entries.c.record_kind == kind, timeline_entries.c.day_first.is_not(None))
        if story is not None:
            query = query.where(timeline_entries.c.story_id == story)
        if start is not None:
            query = query.where(timeline_entries.c.day_first >= _day(start))
        if end is not None:
            query = query.where(timeline_entries.c.day_last <= _day(end))
        query = query.order_by(timeline_entries.c.day_first, timeline_entries.c.day_last,
                               self._ordered(timeline_entries.c.story_id), timeline_entries.c.n)
        with self.engine.connect() as conn:
            found = conn.execute(query).all()
            payloads = self._payloads(conn, kind, list(dict.fromkeys(rid for _, rid, _ in found)))
        entries = {rid: p.get("entries") or [] for rid, p in payloads.items()}
        return [(sid, entries[rid][n]) for sid, rid, n in found if n < len(entries.get(rid, ()))]

    # -- discrepancies ------------------------------------------------------------------------------

    def discrepancies_of(self, story: str) -> list[dict[str, Any]]:
        """Discrepancies that cite an article of a story (as its dossier page lists them), by id."""
        return self.records_of_story("discrepancy", story)

    def discrepancies_about(self, entity_id: str) -> list[dict[str, Any]]:
        """Discrepancies about an entity (its name, role, quotes, events), by id."""
        return self._records_in("discrepancy", select(discrepancies.c.record_id)
                                .where(discrepancies.c.entity_id == entity_id))
