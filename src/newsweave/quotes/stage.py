"""Quotes stage: quotes with cue, speaker and medium per article (extracted once), grouped across the outlets
of each story (regrouped only when the story changed)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from newsweave.config import Settings
from newsweave.entities.link import entity_index
from newsweave.models import AnnotatedArticle
from newsweave.steps import ArticleExtractions, Stage, article_ids, fingerprint
from newsweave.store import Store
from newsweave.stories.stage import top_stories

if TYPE_CHECKING:
    from newsweave.quotes.group import QuoteGroup
    from newsweave.quotes.model import Quote

#: Bump when linking or grouping changes (every story's groups are then redone from the stored extractions);
#: bump :data:`newsweave.quotes.extract.EXTRACT_VERSION` when extraction changes.
#: 7: statements join groups in ingestion order (was article id order); a story's stored groups are kept and
#: new articles' statements join them; wording scored with blocking
QUOTES_VERSION = "quotes/7"
#: state: ``{"extract": EXTRACT_VERSION, "articles": [ids of the articles with a current extraction]}``
_ARTICLES_KEY = "quotes:articles"
#: state: story id -> ``{"fp": fingerprint of what its groups were built from, "version": QUOTES_VERSION,
#: "articles": {article id: [digest of its quotes, fingerprint of their speakers, the run (0, 1, ...) its
#: statements joined in]}}``; groups were founded in (run, ingestion order, start) order
_STORIES_KEY = "quotes:stories"


def run_quotes(store: Store, settings: Settings) -> str:
    """Quotes with cue, speaker (linked to entities) and medium, grouped across the outlets of each story.

    Extraction runs once per article and :data:`~newsweave.quotes.extract.EXTRACT_VERSION` (``quote_raw``
    records, scoped by article, without entity ids); speakers are linked to the current entities on every run
    (a lookup per quote). Statements are grouped within the story users read (storyline, else event): a
    story's ``quote`` records (scoped by story) change only when its articles, their quotes or their
    speakers' entities changed. A story that only gained articles keeps its groups and the new articles'
    statements join them (:func:`~newsweave.quotes.group.add_to_groups`); one that lost an article, or
    where an article's quotes or speakers changed (other than new ids for the same speakers), is grouped from
    scratch. Statements join groups in ingestion order, so adding the statements of articles ingested after
    the story's others gives the groups of grouping them all at once; an older article that joins a story (moved
    from another) is added all the same, and the groups may then differ a little from a regrouping. Grouping is
    by wording, with the embedding fallback read from the store's embedding cache where a statement was encoded
    before.
    """
    from newsweave.annotate.embeddings import CachedEncoder, english_sentences
    from newsweave.annotate.nlp import load_nlp
    from newsweave.quotes.extract import EXTRACT_VERSION, extract_quotes, link_speakers
    from newsweave.quotes.group import add_to_groups, group_quotes
    from newsweave.quotes.model import Quote

    order = article_ids(store)
    state = store.get_state(_ARTICLES_KEY) or {}
    done = set(state.get("articles", [])) if state.get("extract") == EXTRACT_VERSION else set()
    nlp: Any = None

    def extract(doc: AnnotatedArticle) -> dict[str, Any]:
        nonlocal nlp
        if nlp is None:
            nlp = load_nlp(settings.spacy_model)
        rows = [q.to_dict() for q in extract_quotes(doc, nlp)]
        return {"article_id": doc.article.id, "version": EXTRACT_VERSION, "digest": fingerprint(rows),
                "quotes": rows}

    ext = ArticleExtractions(store, "quote_raw")
    live = ext.update(order, set(store.annotated_ids()), done, extract)
    store.set_state(_ARTICLES_KEY, {"extract": EXTRACT_VERSION, "articles": live})
    ext.load(live)
    # speakers linked to the entities as they are now (entity resolution may have changed since extraction)
    linker = entity_index(store)
    quotes_of: dict[str, list[Quote]] = {}
    for aid in live:
        qs = [Quote.from_dict(d) for d in ext.raw[aid]["quotes"]]
        link_speakers(qs, linker)
        quotes_of[aid] = qs
    stories = top_stories(store)
    built: dict[str, Any] = store.get_state(_STORIES_KEY) or {}
    now: dict[str, Any] = {}
    redo: dict[str, dict[str, list[Any]]] = {}  # story -> the articles its stored groups were made from
    for sid, ids in stories.items():
        arts = {a: [ext.raw[a]["digest"], fingerprint([q.speaker_entity_id for q in quotes_of[a]])]
                for a in sorted(ids) if a in quotes_of}
        prev = built.get(sid)
        fp = fingerprint(QUOTES_VERSION, sorted(arts.items()))
        if isinstance(prev, dict) and prev.get("fp") == fp:
            now[sid] = prev
            continue
        redo[sid] = old = _kept(prev, arts)
        batch = 1 + max((b for _, _, b in old.values()), default=-1)
        now[sid] = {"fp": fp, "version": QUOTES_VERSION,
                    "articles": {a: [*f, old[a][2] if a in old else batch] for a, f in arts.items()}}
    store.drop_scopes("quote", store.record_scopes("quote") - set(stories))  # gone stories; "" of quotes/5
    # Statements embedded in an earlier run (or by another stage) are read back, not encoded again.
    encoder = english_sentences(store if settings.embedding_cache else None)
    rank = {a: k for k, a in enumerate(order)}  # statements join groups in ingestion order
    n_quotes = n_groups = shared = n_added = 0
    for sid, old in redo.items():
        arrival = {a: b for a, (_, _, b) in now[sid]["articles"].items()}
        groups = _stored_groups(store, sid, old, quotes_of) if old else None
        if groups is None:  # grouped from scratch: every article's statements are new
            old, groups = {}, []
        old_quotes = [q for a in old for q in quotes_of[a]]
        new_quotes = [q for a in arrival if a not in old for q in quotes_of[a]]
        texts = {a.id: a.text for a in store.articles(sorted({q.article_id for q in new_quotes}))} if new_quotes else {}
        if old:  # the story only gained articles: their statements join its stored groups
            groups.sort(key=lambda g: (arrival.get(g.variants[0].article_id, 0), rank.get(g.variants[0].article_id, 0),
                                       g.variants[0].article_id, g.variants[0].start, g.variants[0].end))  # founded
            rows = [g.to_dict() for g in add_to_groups(groups, old_quotes, new_quotes, texts, encoder=encoder,
                                                       order=rank)]
            n_added += 1
        else:
            for a in arrival:
                now[sid]["articles"][a][2] = 0
            rows = ([g.to_dict() for g in group_quotes(new_quotes, texts, encoder=encoder, order=rank)]
                    if new_quotes else [])
        store.replace_records("quote", [(q["id"], q, q["article_ids"]) for q in rows], scope=sid)
        n_quotes, n_groups = n_quotes + len(old_quotes) + len(new_quotes), n_groups + len(rows)
        shared += sum(1 for q in rows if len(q["article_ids"]) > 1)
    store.set_state(_STORIES_KEY, now)
    said = (f"extracted {len(ext.fresh)} new articles, reused {len(live) - len(ext.fresh)}; "
            f"{len(redo)} of {len(stories)} stories grouped again ({n_added} by adding to their stored groups): "
            f"{n_quotes} quotes in {n_groups} statements, {shared} told by several articles")
    return f"{said} ({encoder.said()})" if isinstance(encoder, CachedEncoder) and redo else said


def _kept(prev: Any, arts: dict[str, list[str]]) -> dict[str, list[Any]]:
    """The articles a story's stored groups were made from (``[digest, speakers, run]``), when the new
    articles' statements may join those groups: same version, no article gone, none of their quotes changed.
    Otherwise none (the story is grouped from scratch)."""
    if not isinstance(prev, dict) or prev.get("version") != QUOTES_VERSION:
        return {}
    had: dict[str, list[Any]] = prev.get("articles", {})
    if any(a not in arts or arts[a][0] != digest for a, (digest, _, _) in had.items()):
        return {}
    return had


def _stored_groups(store: Store, sid: str, old: dict[str, list[Any]], quotes_of: dict[str, list[Quote]],
                   ) -> list[QuoteGroup] | None:
    """A story's stored groups with their speakers' entities as linked now; None when the entities changed
    otherwise than by new ids for the same speakers (one old id for one new id, none gained or lost), which
    could change which statements match."""
    from newsweave.quotes.group import QuoteGroup

    groups = [QuoteGroup.from_dict(r) for r in store.records("quote", scope=sid)]
    if all(old[a][1] == fingerprint([q.speaker_entity_id for q in quotes_of[a]]) for a in old):
        return groups
    linked = {q.id: q.speaker_entity_id for a in old for q in quotes_of[a]}
    to_new: dict[str | None, str | None] = {}
    to_old: dict[str | None, str | None] = {}
    for g in groups:
        for v in g.variants:
            new = linked.get(v.quote_id, v.speaker_entity_id)
            if to_new.setdefault(v.speaker_entity_id, new) != new or to_old.setdefault(new, v.speaker_entity_id) != \
                    v.speaker_entity_id or (new is None) != (v.speaker_entity_id is None):
                return None
            v.speaker_entity_id = new
    return groups


def inputs_quotes(store: Store) -> str:
    """Articles, stories, and the entity of every name, demonym and pronoun/nominal reference (speakers given as
    "he", "the official"): read from the typed ``mentions`` rows, not the records' JSON, plus what the entities
    stage last ran on (its fingerprint covers the rest of what it wrote, such as a reference's confidence)."""
    from newsweave.quotes.extract import EXTRACT_VERSION

    return fingerprint(QUOTES_VERSION, EXTRACT_VERSION, article_ids(store), sorted(top_stories(store).items()),
                       store.get_state("stage:entities"), _links_digest(store))


def _links_digest(store: Store) -> str:
    """A digest of which entity each stored mention span (name, demonym, reference) is linked to."""
    from sqlalchemy import select

    from newsweave.store.schema import mentions

    digest = hashlib.sha256()
    query = (select(mentions.c.record_kind, mentions.c.record_id, mentions.c.entity_id)
             .order_by(mentions.c.record_kind, mentions.c.record_id))
    with store.engine.connect() as conn:
        for kind, rid, eid in conn.execute(query):
            digest.update(f"{kind}\t{rid}\t{eid}\n".encode())
    return digest.hexdigest()


#: the quotes stage, in the order of :data:`newsweave.stages.STAGES`
STAGE = Stage("quotes", run_quotes, inputs_quotes)
