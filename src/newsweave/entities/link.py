"""Span -> stored entity lookup, shared by the stages that link actors, targets and speakers."""

from __future__ import annotations

from newsweave.store import Store

PERSON_PRONOUNS = {"he", "she", "him", "her", "his", "hers"}


class EntityLinker:
    """Maps a span (an actor, a target, a speaker) to a stored entity.

    A span that starts on a name or on a title tied to a name takes that entity
    (so "Jose Luis Silva, the military attaché at the Venezuelan Embassy" is Silva,
    not the embassy); a lone personal pronoun takes the nearest person named
    before it within ``window`` characters of the same article; otherwise the
    entity that overlaps the span most.
    """

    def __init__(self, store: Store, window: int = 400) -> None:
        from newsweave.entities.resolve import SpanIndex

        mentions = store.records("mention")
        self.index = SpanIndex.from_records({"mentions": mentions, "demonyms": store.records("demonym")})
        self.texts = {a.id: a.text for a in store.articles()}
        self.window = window
        self.people: dict[str, list[tuple[int, str]]] = {}
        for m in mentions:
            if m.get("entity_id") and str(m.get("kind", "")).lower() in ("person", "per"):
                self.people.setdefault(m["article_id"], []).append((m["start"], m["entity_id"]))
        for rows in self.people.values():
            rows.sort()

    def __call__(self, article_id: str, start: int, end: int) -> str | None:
        """The entity id at a span, or None."""
        word = self.texts.get(article_id, "")[start:end].strip().lower()
        if word in PERSON_PRONOUNS:
            before = [eid for pos, eid in self.people.get(article_id, []) if start - self.window <= pos < start]
            return before[-1] if before else None
        return self.index.entity_at(article_id, start, start + 1) or self.index.entity_at(article_id, start, end)


def entity_index(store: Store) -> EntityLinker:
    """Span -> entity lookup rebuilt from the stored resolution."""
    return EntityLinker(store)
