"""Stories stage: online clustering into events and storylines, its state kept in the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsweave.config import Settings
from newsweave.steps import Stage, article_ids, fingerprint, load_annotated
from newsweave.store import Store

if TYPE_CHECKING:
    from newsweave.stories.cluster import StoryClusterer
    from newsweave.stories.model import Move



def story_map(store: Store) -> dict[str, str]:
    """Article id -> id of its event-level story (empty before the stories stage ran)."""
    out: dict[str, str] = {}
    for story in store.records("story"):
        if story.get("level") == "event":
            for aid in story["article_ids"]:
                out[aid] = story["id"]
    return out


def top_stories(store: Store) -> dict[str, list[str]]:
    """Story id -> article ids at the level users read: storylines (else events), or one story "all"
    before clustering."""
    recs = store.records("story")
    tops = [s for s in recs if s.get("level") == "storyline"] or [s for s in recs if s.get("level") == "event"]
    if not tops:
        return {"all": list(store.iter_article_ids())}
    return {s["id"]: list(s["article_ids"]) for s in tops}


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
    from newsweave.stories.cluster import StoryClusterer, StoryFeatures, load_model, story_features

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
        from newsweave.annotate.embeddings import english_encoder

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
    return fingerprint(f"stories/{CLUSTERER_STATE_VERSION}", article_ids(store))


#: the stories stage, in the order of :data:`newsweave.stages.STAGES`
STAGE = Stage("stories", run_stories, inputs_stories)
