"""Entities stage: cross-document entity resolution over every annotated article.

Stores ``entity``, ``mention`` (names) and ``demonym`` records, and ``reference`` records: the
pronoun and nominal mentions ("he", "the colonel") linked to an entity, each with a confidence
and a reason (:mod:`newsweave.entities.nominal`), which :mod:`newsweave.entities.link` serves to
the quote and event stages.

What one article alone gives (its mentions, local entities, demonyms and gender/role cues:
:mod:`newsweave.entities.extract`) is extracted once per article and
:data:`~newsweave.entities.extract.EXTRACT_VERSION` (``entity_raw`` records, scoped by article).
Resolution across articles runs each time over those stored local entities (it is cheap, and a
new article may join any entity). An article's pronouns and nominals are linked again (from its
annotation) only when its names, their entities or those entities' facts changed (``reference_raw``
records, scoped by article); the links across a story's articles then run over all of them. Only
the records that differ from the stored ones are written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any

from newsweave.config import Settings
from newsweave.steps import ArticleExtractions, Stage, article_ids, fingerprint
from newsweave.store import Store
from newsweave.stories.stage import story_map

#: Bump when the records made from the same stored extractions change (the input fingerprint).
ENTITIES_VERSION = "entities/3"
#: state: ``{"extract": EXTRACT_VERSION, "entities": {entity id: fingerprint of its record}, "stories": {story
#: id: fingerprint of what its links across articles read}, "articles": {article id: {"extract": digest of
#: its extraction, "link": fingerprint of what its in-article links read, "asked": what they read of the
#: entity facts, "names": fingerprint of its mention and demonym records, "refs": of its reference records,
#: "n_refs": how many}}}``
_STATE_KEY = "entities:articles"
#: the per-article record kinds, each record scoped "" and citing its one article
_ARTICLE_KINDS = ("mention", "demonym", "reference")


def _span_id(r: dict[str, Any]) -> str:
    return f"{r['article_id']}:{r['start']}:{r['end']}"


def run_entities(store: Store, settings: Settings) -> str:
    """Cross-document entity resolution over every annotated article (extracting only new articles,
    linking references again only where their inputs changed, writing only what changed)."""
    from newsweave.entities.extract import (
        EXTRACT_VERSION,
        extract_article,
        read_article,
        read_references,
        references_raw,
    )
    from newsweave.entities.nominal import facts_from_cues, link_article, link_in_stories
    from newsweave.entities.resolve import resolve_local

    order = article_ids(store)
    annotated = set(store.annotated_ids())
    state = store.get_state(_STATE_KEY) or {}
    current = state.get("extract") == EXTRACT_VERSION
    prev: dict[str, dict[str, Any]] = state.get("articles", {}) if current else {}
    # 1. per article: extraction once
    ext = ArticleExtractions(store, "entity_raw")
    live = ext.update(order, annotated, prev, extract_article)
    ext.load(live)
    arts, cues = [], {}
    for aid in live:
        art, c = read_article(ext.raw[aid])
        arts.append(art)
        cues.update(c)
    # 2. across articles: resolution over every article's local entities
    stories = story_map(store) or None
    res = resolve_local(arts, stories, storyline_map(store) or None)
    facts = facts_from_cues(res.mentions, cues)
    names: dict[str, list[Any]] = defaultdict(list)
    for m in res.mentions:
        names[m.article_id].append(m)

    def link_fp(aid: str, asked: Sequence[Collection[str]]) -> str:
        """What the in-article links of ``aid`` read: its extraction, its names' entities, and of those
        entities' facts the kind, gender and the role words and places ``asked``."""
        roles, places = set(asked[0]), set(asked[1])
        ids = sorted({m.entity_id for m in names[aid] if m.entity_id})
        return fingerprint(ENTITIES_VERSION, ext.raw[aid]["digest"], [(m.start, m.end, m.kind, m.entity_id)
                                                                       for m in names[aid]],
                           [(e, facts[e].kind, facts[e].gender, sorted(facts[e].roles & roles),
                             sorted(facts[e].places & places), bool(places) and bool(facts[e].places)) for e in ids])

    # 3. per article: references linked again where what they read changed
    linked = ArticleExtractions(store, "reference_raw")

    def relink(doc: Any) -> dict[str, Any]:
        aid = doc.article.id
        refs, asked = link_article(doc, names[aid], facts)
        return references_raw(aid, link_fp(aid, (asked[0], asked[1])), refs, asked)

    linked.update(live, set(live), {a for a in live if a in prev and prev[a]["link"] == link_fp(a, prev[a]["asked"])},
                  relink)
    now = {a: {"extract": ext.raw[a]["digest"], "link": linked.raw[a]["link"], "asked": linked.raw[a]["asked"]}
           if a in linked.fresh else dict(prev[a]) for a in live}
    # 4. across a story's articles: only in stories where an article's in-article links changed
    members: dict[str, list[str]] = defaultdict(list)
    for a in live:
        members["_all" if stories is None else stories.get(a, "_article:" + a)].append(a)
    story_fp = {sid: fingerprint([(a, now[a]["link"]) for a in ids]) for sid, ids in members.items()}
    full = not current or "entities" not in state or bool(set(prev) - set(live))  # first run, or articles gone
    redo = {sid for sid in members if full or state.get("stories", {}).get(sid) != story_fp[sid]}
    again = {a for sid in redo for a in members[sid]}
    for a in again - set(linked.raw):
        (linked.raw[a],) = store.records("reference_raw", scope=a)
    refs = link_in_stories([r for a in live if a in again for r in read_references(linked.raw[a])],
                           [m for m in res.mentions if m.article_id in again], stories)
    # 5. records: only those that differ from the stored ones
    data = res.to_dict()
    by_article: dict[str, dict[str, list[dict[str, Any]]]] = {a: {k: [] for k in _ARTICLE_KINDS} for a in live}
    for kind, rows in (("mention", data["mentions"]), ("demonym", data["demonyms"]),
                       ("reference", [r.to_dict() for r in refs if r.entity_id])):
        for r in rows:
            by_article[r["article_id"]][kind].append(r)
    for a in live:
        now[a]["names"] = fingerprint(by_article[a]["mention"], by_article[a]["demonym"])
        if a in again:
            now[a]["refs"], now[a]["n_refs"] = fingerprint(by_article[a]["reference"]), len(by_article[a]["reference"])
    ent_fp = {e["id"]: fingerprint(e) for e in data["entities"]}
    if full:
        store.replace_records("entity", [(e["id"], e, e.get("article_ids", [])) for e in data["entities"]])
        for kind in _ARTICLE_KINDS:
            store.replace_records(kind, [(_span_id(r), r, [a]) for a in live for r in by_article[a][kind]])
        n_arts, n_ents = len(live), len(ent_fp)
    else:
        before: dict[str, str] = state["entities"]
        for kind, field in (("mention", "names"), ("demonym", "names"), ("reference", "refs")):
            changed = [a for a in live if prev.get(a, {}).get(field) != now[a][field]]
            store.update_records(kind, [(_span_id(r), r, [a]) for a in changed for r in by_article[a][kind]],
                                 drop_citing=changed)
        ents = [e for e in data["entities"] if before.get(e["id"]) != ent_fp[e["id"]]]
        store.update_records("entity", [(e["id"], e, e.get("article_ids", [])) for e in ents],
                             drop=set(before) - set(ent_fp))
        n_arts = sum(1 for a in live if any(prev.get(a, {}).get(f) != now[a][f] for f in ("names", "refs")))
        n_ents = len(ents) + len(set(before) - set(ent_fp))
    store.set_state(_STATE_KEY, {"extract": EXTRACT_VERSION, "entities": ent_fp, "stories": story_fp,
                                 "articles": now})
    flagged = sum(1 for e in data["entities"] for v in e["variants"] if "likely_misspelling" in v.get("flags", []))
    return (f"{len(data['entities'])} entities from {len(data['mentions'])} mentions, "
            f"{sum(now[a]['n_refs'] for a in live)} pronoun and nominal mentions linked; {flagged} likely "
            f"misspellings; extracted {len(ext.fresh)} articles, linked {len(linked.fresh)} again in the article "
            f"and {len(redo)} of {len(members)} stories across articles; records of {n_arts} articles and "
            f"{n_ents} entities written")


def storyline_map(store: Store) -> dict[str, str]:
    """Article id -> id of the storyline its event belongs to (empty before the stories stage ran)."""
    parent = {s["id"]: s.get("parent_id") for s in store.records("story") if s.get("level") == "event"}
    return {aid: str(parent[sid]) for aid, sid in story_map(store).items() if parent.get(sid)}


def inputs_entities(store: Store) -> str:
    """Articles, story and storyline assignment."""
    from newsweave.entities.extract import EXTRACT_VERSION

    return fingerprint(ENTITIES_VERSION, EXTRACT_VERSION, article_ids(store), sorted(story_map(store).items()),
                       sorted(storyline_map(store).items()))


#: the entities stage, in the order of :data:`newsweave.stages.STAGES`
STAGE = Stage("entities", run_entities, inputs_entities)
