"""Quotes stage: quotes with cue, speaker and medium, grouped across outlets."""

from __future__ import annotations

from newsweave.config import Settings
from newsweave.entities.link import entity_index
from newsweave.steps import Stage, article_ids, fingerprint, load_annotated
from newsweave.store import Store


def run_quotes(store: Store, settings: Settings) -> str:
    """Quotes with cue, speaker (linked to entities) and medium, grouped across outlets."""
    from newsweave.annotate.embeddings import CachedEncoder, english_sentences
    from newsweave.annotate.nlp import load_nlp
    from newsweave.quotes import extract_all, group_quotes

    docs = [d for d in load_annotated(store) if d.annotation is not None]
    quotes = extract_all(docs, load_nlp(settings.spacy_model), resolver=entity_index(store))
    # Statements embedded in an earlier run (or by another stage) are read back, not encoded again.
    encoder = english_sentences(store if settings.embedding_cache else None)
    groups = group_quotes(quotes, {d.article.id: d.article.text for d in docs}, encoder=encoder)
    rows = [g.to_dict() for g in groups]
    store.replace_records("quote", [(q["id"], q, q["article_ids"]) for q in rows])
    shared = sum(1 for q in rows if len(q["article_ids"]) > 1)
    said = f"{len(quotes)} quotes in {len(rows)} statements; {shared} told by several articles"
    return f"{said} ({encoder.said()})" if isinstance(encoder, CachedEncoder) else said


def inputs_quotes(store: Store) -> str:
    """Articles, entity mentions and pronoun/nominal references (speakers given as "he", "the official")."""
    return fingerprint("quotes/5", article_ids(store), store.records("mention"), store.records("reference"))


#: the quotes stage, in the order of :data:`newsweave.stages.STAGES`
STAGE = Stage("quotes", run_quotes, inputs_quotes)
