"""Span -> stored entity lookup, shared by the stages that link actors, targets and speakers."""

from __future__ import annotations

from newsweave.store import Store


class EntityLinker:
    """Maps a span (an actor, a target, a speaker) to a stored entity.

    A span that starts on a name or on a title tied to a name takes that entity
    (so "Jose Luis Silva, the military attaché at the Venezuelan Embassy" is Silva,
    not the embassy); a pronoun or a nominal ("he", "the colonel") takes the entity the
    entities stage linked it to (``reference`` records, :mod:`newsweave.entities.nominal`),
    when its confidence is at least ``min_confidence``; otherwise the entity that overlaps the
    span most.
    """

    def __init__(self, store: Store, min_confidence: float = 0.5) -> None:
        from newsweave.entities.resolve import SpanIndex

        names = {"mentions": store.records("mention"), "demonyms": store.records("demonym")}
        self.index = SpanIndex.from_records(names)
        self.refs = SpanIndex((r["article_id"], r["start"], r["end"], r["entity_id"], 0)
                              for r in store.records("reference")
                              if r.get("entity_id") and float(r.get("confidence", 0)) >= min_confidence)

    def __call__(self, article_id: str, start: int, end: int) -> str | None:
        """The entity id at a span, or None."""
        return (self.index.entity_at(article_id, start, start + 1) or self.refs.entity_at(article_id, start, end)
                or self.index.entity_at(article_id, start, end))


def entity_index(store: Store) -> EntityLinker:
    """Span -> entity lookup rebuilt from the stored resolution."""
    return EntityLinker(store)
