"""Entities stage: cross-document entity resolution over every annotated article.

Stores ``entity``, ``mention`` (names) and ``demonym`` records, and ``reference`` records: the
pronoun and nominal mentions ("he", "the colonel") linked to an entity, each with a confidence
and a reason (:mod:`newsweave.entities.nominal`), which :mod:`newsweave.entities.link` serves to
the quote and event stages.
"""

from __future__ import annotations

from newsweave.config import Settings
from newsweave.steps import Stage, article_ids, fingerprint, load_annotated
from newsweave.store import Store
from newsweave.stories.stage import story_map


def run_entities(store: Store, settings: Settings) -> str:
    """Cross-document entity resolution over every annotated article."""
    from newsweave.entities.nominal import link_references
    from newsweave.entities.resolve import resolve_entities

    docs = [d for d in load_annotated(store) if d.annotation is not None]
    stories = story_map(store) or None
    res = resolve_entities(docs, stories, storyline_map(store) or None)
    data = res.to_dict()
    refs = [r.to_dict() for r in link_references(docs, res.mentions, stories) if r.entity_id]
    store.replace_records("entity", [(e["id"], e, e.get("article_ids", [])) for e in data["entities"]])
    store.replace_records("mention", [(f"{m['article_id']}:{m['start']}:{m['end']}", m, [m["article_id"]])
                                      for m in data["mentions"]])
    store.replace_records("demonym", [(f"{d['article_id']}:{d['start']}:{d['end']}", d, [d["article_id"]])
                                      for d in data["demonyms"]])
    store.replace_records("reference", [(f"{r['article_id']}:{r['start']}:{r['end']}", r, [r["article_id"]])
                                        for r in refs])
    flagged = sum(1 for e in data["entities"] for v in e["variants"] if "likely_misspelling" in v.get("flags", []))
    return (f"{len(data['entities'])} entities from {len(data['mentions'])} mentions, {len(refs)} pronoun and "
            f"nominal mentions linked; {flagged} likely misspellings")


def storyline_map(store: Store) -> dict[str, str]:
    """Article id -> id of the storyline its event belongs to (empty before the stories stage ran)."""
    parent = {s["id"]: s.get("parent_id") for s in store.records("story") if s.get("level") == "event"}
    return {aid: str(parent[sid]) for aid, sid in story_map(store).items() if parent.get(sid)}


def inputs_entities(store: Store) -> str:
    """Articles, story and storyline assignment."""
    return fingerprint("entities/3", article_ids(store), sorted(story_map(store).items()),
                       sorted(storyline_map(store).items()))


#: the entities stage, in the order of :data:`newsweave.stages.STAGES`
STAGE = Stage("entities", run_entities, inputs_entities)
