"""Summary stage: a cited extractive summary per storyline; only changed stories are redone."""

from __future__ import annotations

from typing import Any

from newsweave.config import Settings
from newsweave.reuse.stage import origin_map
from newsweave.steps import Stage, StoryExtractions, fingerprint
from newsweave.store import Store
from newsweave.stories.stage import top_stories

#: bumped whenever the summary of the same articles changes (2: block-wise similarity, candidate pool, one
#: caption rule; 3: lexical sentence vectors by default; 4: in-this-photo captions, newsletter offers)
SUMMARY_VERSION = "summary/4"
#: Bump when what is kept of one article for its story's summary changes (its candidate sentences,
#: :func:`newsweave.summarize.extractive.candidate_rows`): every member article is read again.
CANDIDATES_VERSION = "summary_candidates/2"


def _extract(doc: Any) -> dict[str, Any]:
    """The ``summary_raw`` payload of one annotated article: its candidate sentences."""
    from newsweave.summarize.extractive import candidate_rows

    return {"article_id": doc.article.id, "candidates": candidate_rows(doc)}


def run_summary(store: Store, settings: Settings) -> str:
    """A cited, redundancy-aware extractive summary per storyline; only changed stories are redone.

    An article's candidate sentences (which need its annotation) are made once per article and
    :data:`CANDIDATES_VERSION` (``summary_raw`` records, scoped by article); a changed story reads them back
    and only its new articles' annotations.
    """
    from newsweave.annotate.embeddings import CachedEncoder, Encoder, english_sentences
    from newsweave.summarize.extractive import candidates_from_rows, summarize_candidates
    from newsweave.summarize.lexical import LexicalEncoder

    if settings.summary_vectors not in ("lexical", "minilm"):
        raise ValueError(f"summary_vectors={settings.summary_vectors!r}: expected 'lexical' or 'minilm'")
    origins = origin_map(store)
    encoder: Encoder | LexicalEncoder | None = None  # loaded for the first story that changed
    stories = top_stories(store)
    work = StoryExtractions(store, stories, origins, "summary", "summary_raw", _extract,
                            SUMMARY_VERSION, settings.summary_vectors, CANDIDATES_VERSION)
    for story_id, arts, raws in work.redo():
        cands = [c for k, (art, raw) in enumerate(zip(arts, raws, strict=True))
                 for c in candidates_from_rows(art, k, raw["candidates"])]
        if arts and encoder is None and settings.summary_vectors == "lexical":
            encoder = LexicalEncoder()
        elif arts and encoder is None:
            # Sentences embedded in an earlier run are read back: a changed story encodes only its new ones.
            encoder = english_sentences(store if settings.embedding_cache else None)
        sents = summarize_candidates(cands, arts, origin_of=origins, story_id=story_id, encoder=encoder) if arts else []
        store.replace_records("summary", [(f"{story_id}:{k:02d}", s.to_dict(), s.article_ids)
                                          for k, s in enumerate(sents)], scope=story_id)
    store.drop_scopes("summary", store.record_scopes("summary") - set(stories))
    said = (f"{len(work.todo)} of {len(stories)} story summaries (re)written; "
            f"candidates read from {len(work.ext.fresh)} new articles")
    return f"{said} ({encoder.said()})" if isinstance(encoder, CachedEncoder) else said


def inputs_summary(store: Store) -> str:
    """Stories and reuse links."""
    return fingerprint(SUMMARY_VERSION, CANDIDATES_VERSION, sorted(top_stories(store).items()),
                       sorted(origin_map(store).items()))


#: the summary stage, in the order of :data:`newsweave.stages.STAGES`
STAGE = Stage("summary", run_summary, inputs_summary)
