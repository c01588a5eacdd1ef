"""The analysis stages after annotation, wired to the store, in order.

Each stage reads typed records from the store and replaces its own records in
one transaction, so it can be re-run alone over what is stored. A stage's
fingerprint covers what it reads (the stored articles and the upstream records
it uses) plus its version: when that fingerprint is unchanged the pipeline
skips it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from newsweave.config import Settings
from newsweave.models import Article, input_label
from newsweave.pipeline import STAGES, Stage, fingerprint, load_annotated
from newsweave.store import Store

if TYPE_CHECKING:
    from newsweave.stories import StoryClusterer
    from newsweave.stories_model import Move

logger = logging.getLogger(__name__)


def article_label(article: Article) -> str:
    """A short readable name: the input file's stem (plus record), else the title, else the id."""
    return input_label(article.input, (article.title or article.id)[:60])


def _article_ids(store: Store) -> list[str]:
    return list(store.iter_article_ids())


def story_map(store: Store) -> dict[str, str]:
    """Article id -> id of its event-level story (empty before the stories stage ran)."""
    out: dict[str, str] = {}
    for story in store.records("story"):
        if story.get("level") == "event":
            for aid in story["article_ids"]:
                out[aid] = story["id"]
    return out


def origin_map(store: Store) -> dict[str, str]:
    """Article id -> the article it mostly copied (see :class:`newsweave.corroborate.Independence`)."""
    from newsweave.corroborate import Independence

    return Independence(store.records("reuse")).origin_of


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
        from newsweave.entities import SpanIndex

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


# -- reuse ----------------------------------------------------------------------------------

def run_reuse(store: Store, settings: Settings) -> str:
    """Near-duplicates, copied passages with their origin, originality and wire credits."""
    from newsweave.reuse import detect_reuse

    articles = store.articles()
    result = detect_reuse(articles).to_dict()
    store.replace_records("reuse", [(f"{r['copy_article_id']}<{r['origin_article_id']}", r,
                                     [r["copy_article_id"], r["origin_article_id"]]) for r in result["reuse"]])
    store.replace_records("article_reuse", [(r["article_id"], r, [r["article_id"]]) for r in result["articles"]])
    store.replace_records("duplicate", [(f"{d['article_a']}={d['article_b']}", d, [d["article_a"], d["article_b"]])
                                        for d in result["duplicates"]])
    copies = sum(1 for r in result["reuse"] if r["share"] >= 0.5)
    return (f"{len(result['reuse'])} reuse links ({copies} articles mostly copied), "
            f"{len(result['duplicates'])} near-duplicate pairs")


def inputs_reuse(store: Store) -> str:
    """The stored articles."""
    return fingerprint("reuse/1", _article_ids(store))


# -- stories --------------------------------------------------------------------------------

def _arrival_order(docs: list[Any]) -> list[Any]:
    """Publication order for dated articles; an undated one keeps its place in ingestion order."""
    dated = sorted((d for d in docs if d.article.published), key=lambda d: d.article.published)
    out, it = [], iter(dated)
    for d in docs:
        out.append(next(it) if d.article.published else d)
    return out


#: Bump when the clusterer's saved state changes shape: an older state is then rebuilt from the articles.
CLUSTERER_STATE_VERSION = 5  # 5: time window, online idf of entities/numbers, storyline link reasons
#: Sentence embeddings in the join decision: off (on ECB+ dev they did not measurably help, and they cost
#: a model run); the packaged model is fitted without them (bench/RESULTS.md, stories).
STORY_EMBEDDINGS = False


def current_assignments(
    assignments: list[dict[str, Any]], clusterer: StoryClusterer, moves: list[Move]
) -> list[dict[str, Any]]:
    """Assignment records updated to where each article is now, with the reason of any move.

    Args:
        assignments: stored and new assignment records (``Assignment.to_dict`` form).
        clusterer: the clusterer after this run's consolidation.
        moves: the moves that consolidation just made.

    Returns:
        New records: event and storyline ids as the clusterer has them now; a moved
        article's reason gains ``"; later moved: <why>"``.
    """
    moved = {m.article_id: m for m in moves}
    out = []
    for a in assignments:
        a = dict(a)
        ev_id = clusterer.article_event.get(a["article_id"], a["event_id"])
        a["event_id"], a["storyline_id"] = ev_id, clusterer.events[ev_id].parent or a["storyline_id"]
        if a["article_id"] in moved:
            a["reason"] += f"; later moved: {moved[a['article_id']].reason}"
        out.append(a)
    return out


def run_stories(store: Store, settings: Settings) -> str:
    """Online clustering: new articles join existing events and storylines (state kept in the store)."""
    from newsweave.stories import StoryClusterer, StoryFeatures, load_model, story_features

    saved = store.get_state("stories:clusterer")
    rebuilt = ""
    if saved and saved.get("version") == CLUSTERER_STATE_VERSION:
        clusterer = StoryClusterer.from_dict(saved["state"])
        previous = store.records("story_assignment")
    else:
        if saved:
            rebuilt = "; clusterer state of an older version rebuilt from all articles"
        clusterer = StoryClusterer(load_model())
        previous = []
    seen = {a["article_id"] for a in previous}
    docs = {d.article.id: d for d in load_annotated(store)}
    new = _arrival_order([d for d in docs.values() if d.article.id not in seen])
    encoder = None
    if STORY_EMBEDDINGS:
        from newsweave.embeddings import english_encoder

        encoder = english_encoder()
    cache: dict[str, StoryFeatures] = {}

    def features(article_id: str) -> StoryFeatures | None:
        """An article's clustering features (computed once per run; ``None`` if not stored)."""
        if article_id not in cache:
            d = docs.get(article_id)
            if d is None:
                return None
            vec = encoder.encode([d.article.text])[0] if encoder is not None and d.annotation is not None else None
            cache[article_id] = story_features(d, vec)
        return cache[article_id]

    if encoder is not None:  # one batched model run for the new articles
        english = [d for d in new if d.annotation is not None]
        if english:
            vectors = encoder.encode([d.article.text for d in english])
            for k, d in enumerate(english):
                cache[d.article.id] = story_features(d, vectors[k])
    assigned = [clusterer.add(f).to_dict() for f in (features(d.article.id) for d in new) if f is not None]
    moves = clusterer.consolidate(features)
    records = current_assignments([*previous, *assigned], clusterer, moves)
    stories = [s.to_dict() for s in clusterer.stories()]
    with store.transaction() as conn:  # the clusterer's state and its output land together
        store.set_state(
            "stories:clusterer", {"version": CLUSTERER_STATE_VERSION, "state": clusterer.to_dict()}, conn=conn
        )
        store.replace_records("story", [(s["id"], s, s["article_ids"]) for s in stories], conn=conn)
        store.replace_records(
            "story_assignment", [(a["article_id"], a, [a["article_id"]]) for a in records], conn=conn
        )
    events = sum(1 for s in stories if s["level"] == "event")
    return (
        f"{len(new)} articles placed, {len(moves)} moved by consolidation; "
        f"{events} events in {len(stories) - events} storylines{rebuilt}"
    )


def inputs_stories(store: Store) -> str:
    """The stored articles."""
    return fingerprint(f"stories/{CLUSTERER_STATE_VERSION}", _article_ids(store))


# -- entities -------------------------------------------------------------------------------

def run_entities(store: Store, settings: Settings) -> str:
    """Cross-document entity resolution over every annotated article."""
    from newsweave.entities import resolve_entities

    docs = [d for d in load_annotated(store) if d.annotation is not None]
    res = resolve_entities(docs, story_map(store) or None)
    data = res.to_dict()
    store.replace_records("entity", [(e["id"], e, e.get("article_ids", [])) for e in data["entities"]])
    store.replace_records("mention", [(f"{m['article_id']}:{m['start']}:{m['end']}", m, [m["article_id"]])
                                      for m in data["mentions"]])
    store.replace_records("demonym", [(f"{d['article_id']}:{d['start']}:{d['end']}", d, [d["article_id"]])
                                      for d in data["demonyms"]])
    flagged = sum(1 for e in data["entities"] for v in e["variants"] if "likely_misspelling" in v.get("flags", []))
    return f"{len(data['entities'])} entities from {len(data['mentions'])} mentions; {flagged} likely misspellings"


def inputs_entities(store: Store) -> str:
    """Articles and story assignment."""
    return fingerprint("entities/1", _article_ids(store), sorted(story_map(store).items()))


# -- quotes ---------------------------------------------------------------------------------

def run_quotes(store: Store, settings: Settings) -> str:
    """Quotes with cue, speaker (linked to entities) and medium, grouped across outlets."""
    from newsweave.annotate import load_nlp
    from newsweave.quotes import extract_all, group_quotes

    docs = [d for d in load_annotated(store) if d.annotation is not None]
    quotes = extract_all(docs, load_nlp(settings.spacy_model), resolver=entity_index(store))
    groups = group_quotes(quotes, {d.article.id: d.article.text for d in docs})
    rows = [g.to_dict() for g in groups]
    store.replace_records("quote", [(q["id"], q, q["article_ids"]) for q in rows])
    shared = sum(1 for q in rows if len(q["article_ids"]) > 1)
    return f"{len(quotes)} quotes in {len(rows)} statements; {shared} told by several articles"


def inputs_quotes(store: Store) -> str:
    """Articles and entity mentions."""
    return fingerprint("quotes/1", _article_ids(store), store.records("mention"))


# -- events and timelines -------------------------------------------------------------------

def run_events(store: Store, settings: Settings) -> str:
    """PLOVER events per article (with polarity and modality), and one merged timeline per story."""
    from newsweave.events import extract_events
    from newsweave.timeline import build_timeline

    docs = [d for d in load_annotated(store) if d.annotation is not None]
    texts = {d.article.id: d.article.text for d in docs}
    index = entity_index(store)
    events = extract_events(docs, entity_of=index)
    store.replace_records("event", [(e.id, e.to_dict(texts[e.article_id]), [e.article_id]) for e in events])
    smap = story_map(store)
    origins = origin_map(store)
    by_story: dict[str, list[Any]] = {}
    for e in events:
        by_story.setdefault(smap.get(e.article_id, "all"), []).append(e)
    timelines = []
    for story_id, evs in sorted(by_story.items()):
        entries = [t.to_dict(texts) for t in build_timeline(evs, origin_of=origins)]
        timelines.append((story_id, {"story_id": story_id, "entries": entries},
                          sorted({a for t in entries for a in t["article_ids"]})))
    store.replace_records("timeline", timelines)
    n_entries = sum(len(t[1]["entries"]) for t in timelines)
    return f"{len(events)} event mentions; {n_entries} timeline entries in {len(timelines)} stories"


def inputs_events(store: Store) -> str:
    """Articles, stories, entity mentions and reuse links."""
    return fingerprint("events/3", _article_ids(store), sorted(story_map(store).items()),
                       store.records("mention"), sorted(origin_map(store).items()))


# -- summaries ------------------------------------------------------------------------------

def _stories_for_summary(store: Store) -> dict[str, list[str]]:
    """Story id -> article ids: storylines (else events), or one story "all" before clustering."""
    recs = store.records("story")
    tops = [s for s in recs if s.get("level") == "storyline"] or [s for s in recs if s.get("level") == "event"]
    if not tops:
        return {"all": list(store.iter_article_ids())}
    return {s["id"]: list(s["article_ids"]) for s in tops}


def run_summary(store: Store, settings: Settings) -> str:
    """A cited, redundancy-aware extractive summary per storyline; only changed stories are redone."""
    from newsweave.summarize import summarize_story

    origins = origin_map(store)
    done = 0
    stories = _stories_for_summary(store)
    for story_id, ids in stories.items():
        key = fingerprint("summary/1", sorted(ids), sorted((a, origins[a]) for a in ids if a in origins))
        if store.get_state(f"summary:{story_id}") == key:
            continue
        docs = [d for d in load_annotated(store, ids) if d.annotation is not None]
        sents = summarize_story(docs, origin_of=origins, story_id=story_id) if docs else []
        store.replace_records("summary", [(f"{story_id}:{k:02d}", s.to_dict(), s.article_ids)
                                          for k, s in enumerate(sents)], scope=story_id)
        store.set_state(f"summary:{story_id}", key)
        done += 1
    store.drop_scopes("summary", store.record_scopes("summary") - set(stories))
    return f"{done} of {len(stories)} story summaries (re)written"


def inputs_summary(store: Store) -> str:
    """Stories and reuse links."""
    return fingerprint("summary/1", sorted(_stories_for_summary(store).items()), sorted(origin_map(store).items()))


# -- corroboration and source profiles -------------------------------------------------------

def run_corroborate(store: Store, settings: Settings) -> str:
    """Claims, discrepancies and source profiles from the stored records."""
    from newsweave.corroborate import claims, find_discrepancies
    from newsweave.profiles import build_profiles

    entities, quotes = store.records("entity"), store.records("quote")
    events, reuse = store.records("event"), store.records("reuse")
    articles = store.articles()
    found = find_discrepancies(entities, quotes, events, reuse, {a.id: article_label(a) for a in articles})
    smap = story_map(store)
    for d in found:
        stories = {smap.get(a) for a in d.article_ids()} - {None}
        d.story_id = next(iter(stories)) if len(stories) == 1 else None
    all_claims = claims(entities, events, quotes, reuse)
    store.replace_records("claim", [(c.id, c.to_dict(), c.article_ids) for c in all_claims])
    store.replace_records("discrepancy", [(d.id, d.to_dict(), d.article_ids()) for d in found])
    article_reuse = {r["article_id"]: r for r in store.records("article_reuse")}
    profiles = build_profiles(articles, store.annotations(), article_reuse, all_claims, found, smap)
    store.replace_records("profile", [(p.outlet, p.to_dict(), p.article_ids) for p in profiles])
    return f"{len(all_claims)} claims, {len(found)} discrepancies, {len(profiles)} source profiles"


def inputs_corroborate(store: Store) -> str:
    """Every upstream record kind."""
    return fingerprint("corroborate/6", _article_ids(store),
                       *(store.records(k) for k in ("entity", "quote", "event", "reuse", "story", "article_reuse")))


STAGES[:] = [
    Stage("reuse", run_reuse, inputs_reuse),
    Stage("stories", run_stories, inputs_stories),
    Stage("entities", run_entities, inputs_entities),
    Stage("quotes", run_quotes, inputs_quotes),
    Stage("events", run_events, inputs_events),
    Stage("corroborate", run_corroborate, inputs_corroborate),
    Stage("summary", run_summary, inputs_summary),
]
