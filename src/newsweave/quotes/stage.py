"""Quotes stage: quotes with cue, speaker and medium per article (extracted once), grouped across the outlets
of each story (regrouped only when the story changed)."""

from __future__ import annotations

from typing import Any

from newsweave.config import Settings
from newsweave.entities.link import entity_index
from newsweave.models import AnnotatedArticle
from newsweave.steps import ArticleExtractions, Stage, article_ids, fingerprint
from newsweave.store import Store
from newsweave.stories.stage import top_stories

#: Bump when linking or grouping changes (every story's groups are then redone from the stored extractions);
#: bump :data:`newsweave.quotes.extract.EXTRACT_VERSION` when extraction changes.
QUOTES_VERSION = "quotes/6"
#: state: ``{"extract": EXTRACT_VERSION, "articles": [ids of the articles with a current extraction]}``
_ARTICLES_KEY = "quotes:articles"
#: state: story id -> fingerprint of what its quote groups were last built from
_STORIES_KEY = "quotes:stories"


def run_quotes(store: Store, settings: Settings) -> str:
    """Quotes with cue, speaker (linked to entities) and medium, grouped across the outlets of each story.

    Extraction runs once per article and :data:`~newsweave.quotes.extract.EXTRACT_VERSION` (``quote_raw``
    records, scoped by article, without entity ids); speakers are linked to the current entities on every run
    (a lookup per quote). Statements are grouped within the story users read (storyline, else event): a
    story's ``quote`` records (scoped by story) are rebuilt only when its articles, their quotes or their
    speakers' entities changed. Grouping is by wording, with the embedding fallback read from the store's
    embedding cache where a statement was encoded before.
    """
    from newsweave.annotate.embeddings import CachedEncoder, english_sentences
    from newsweave.annotate.nlp import load_nlp
    from newsweave.quotes import group_quotes
    from newsweave.quotes.extract import EXTRACT_VERSION, extract_quotes, link_speakers
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
    built = store.get_state(_STORIES_KEY) or {}
    now: dict[str, str] = {}
    todo: list[str] = []
    for sid, ids in stories.items():
        now[sid] = fingerprint(QUOTES_VERSION, [(a, ext.raw[a]["digest"], [q.speaker_entity_id for q in quotes_of[a]])
                                                for a in ids if a in quotes_of])
        if built.get(sid) != now[sid]:
            todo.append(sid)
    store.drop_scopes("quote", store.record_scopes("quote") - set(stories))  # gone stories; "" of quotes/5
    # Statements embedded in an earlier run (or by another stage) are read back, not encoded again.
    encoder = english_sentences(store if settings.embedding_cache else None)
    n_quotes = n_groups = shared = 0
    for sid in todo:
        quotes = [q for a in stories[sid] for q in quotes_of.get(a, [])]
        texts = {a.id: a.text for a in store.articles(sorted({q.article_id for q in quotes}))} if quotes else {}
        rows = [g.to_dict() for g in group_quotes(quotes, texts, encoder=encoder)] if quotes else []
        store.replace_records("quote", [(q["id"], q, q["article_ids"]) for q in rows], scope=sid)
        n_quotes, n_groups = n_quotes + len(quotes), n_groups + len(rows)
        shared += sum(1 for q in rows if len(q["article_ids"]) > 1)
    store.set_state(_STORIES_KEY, now)
    said = (f"extracted {len(ext.fresh)} new articles, reused {len(live) - len(ext.fresh)}; "
            f"{len(todo)} of {len(stories)} stories grouped again: {n_quotes} quotes in {n_groups} statements, "
            f"{shared} told by several articles")
    return f"{said} ({encoder.said()})" if isinstance(encoder, CachedEncoder) and todo else said


def inputs_quotes(store: Store) -> str:
    """Articles, stories, entity mentions and pronoun/nominal references (speakers given as "he", "the
    official")."""
    from newsweave.quotes.extract import EXTRACT_VERSION

    return fingerprint(QUOTES_VERSION, EXTRACT_VERSION, article_ids(store), sorted(top_stories(store).items()),
                       store.records("mention"), store.records("reference"))


#: the quotes stage, in the order of :data:`newsweave.stages.STAGES`
STAGE = Stage("quotes", run_quotes, inputs_quotes)
