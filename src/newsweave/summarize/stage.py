"""Summary stage: a cited extractive summary per storyline; only changed stories are redone."""

from __future__ import annotations

from newsweave.config import Settings
from newsweave.reuse.stage import origin_map
from newsweave.steps import Stage, fingerprint, load_annotated
from newsweave.store import Store
from newsweave.stories.stage import top_stories

#: bumped whenever the summary of the same articles changes (2: block-wise similarity, candidate pool, one
#: caption rule; 3: lexical sentence vectors by default; 4: in-this-photo captions, newsletter offers)
SUMMARY_VERSION = "summary/4"


def run_summary(store: Store, settings: Settings) -> str:
    """A cited, redundancy-aware extractive summary per storyline; only changed stories are redone."""
    from newsweave.annotate.embeddings import CachedEncoder, Encoder, english_sentences
    from newsweave.summarize.extractive import summarize_story
    from newsweave.summarize.lexical import LexicalEncoder

    if settings.summary_vectors not in ("lexical", "minilm"):
        raise ValueError(f"summary_vectors={settings.summary_vectors!r}: expected 'lexical' or 'minilm'")
    origins = origin_map(store)
    encoder: Encoder | LexicalEncoder | None = None  # loaded for the first story that changed
    done = 0
    stories = top_stories(store)
    for story_id, ids in stories.items():
        key = fingerprint(SUMMARY_VERSION, settings.summary_vectors, sorted(ids),
                          sorted((a, origins[a]) for a in ids if a in origins))
        if store.get_state(f"summary:{story_id}") == key:
            continue
        docs = [d for d in load_annotated(store, ids) if d.annotation is not None]
        if docs and encoder is None and settings.summary_vectors == "lexical":
            encoder = LexicalEncoder()
        elif docs and encoder is None:
            # Sentences embedded in an earlier run are read back: a changed story encodes only its new ones.
            encoder = english_sentences(store if settings.embedding_cache else None)
        sents = summarize_story(docs, origin_of=origins, story_id=story_id, encoder=encoder) if docs else []
        store.replace_records("summary", [(f"{story_id}:{k:02d}", s.to_dict(), s.article_ids)
                                          for k, s in enumerate(sents)], scope=story_id)
        store.set_state(f"summary:{story_id}", key)
        done += 1
    store.drop_scopes("summary", store.record_scopes("summary") - set(stories))
    said = f"{done} of {len(stories)} story summaries (re)written"
    return f"{said} ({encoder.said()})" if isinstance(encoder, CachedEncoder) else said


def inputs_summary(store: Store) -> str:
    """Stories and reuse links."""
    return fingerprint(SUMMARY_VERSION, sorted(top_stories(store).items()), sorted(origin_map(store).items()))


#: the summary stage, in the order of :data:`newsweave.stages.STAGES`
STAGE = Stage("summary", run_summary, inputs_summary)
