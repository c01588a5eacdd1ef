"""Lexical sentence vectors for the summary: TF-IDF over one story's sentences, reduced by LSA.

The summary needs, for every candidate sentence of a story, a unit vector whose cosine says how
central a sentence is (to the story centroid) and how close two sentences are. MiniLM embeddings
(:mod:`newsweave.annotate.embeddings`) cost about 30 ms of CPU per sentence, most of a first run's
summary stage; these vectors cost a TF-IDF fit and a truncated SVD per story (milliseconds per
sentence). ``bench/bench_summary.py --encoder lexical`` scores both on the same NeuS roundups, in the
same run; the pipeline uses what that comparison supports (see ``bench/RESULTS.md``).

The space is fitted on the texts of the story (:meth:`LexicalEncoder.for_story`), so IDF weights
reflect what is common *in this story*, as the centroid does; scikit-learn does the work
(``TfidfVectorizer`` with sublinear tf and English stop words, ``TruncatedSVD`` with a fixed seed,
so a rerun gives the same vectors).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: dimensions kept by the SVD (fewer when the story has fewer sentences or words)
DIMS = 256


class _Fitted:
    """The vector space of one story: transform texts into unit vectors."""

    def __init__(self, texts: Sequence[str]) -> None:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32)
        try:
            x = self.tfidf.fit_transform(list(texts))
        except ValueError:  # no word left (only stop words or symbols): every vector is zero
            self.tfidf = None
            return
        k = min(DIMS, x.shape[0] - 1, x.shape[1] - 1)
        self.svd = TruncatedSVD(n_components=k, random_state=0).fit(x) if k >= 2 else None

    def encode(self, texts: Sequence[str], batch_size: int = 0) -> np.ndarray:
        """Unit vectors (zero for a text without a known word)."""
        if self.tfidf is None or not texts:
            return np.zeros((len(texts), 1), dtype=np.float32)
        x = self.tfidf.transform(list(texts))
        v = np.asarray(self.svd.transform(x) if self.svd is not None else x.toarray(), dtype=np.float32)
        norms = np.linalg.norm(v, axis=1, keepdims=True)
        return v / np.maximum(norms, 1e-12)


class LexicalEncoder:
    """An encoder for :func:`newsweave.summarize.extractive.summarize_story` whose space is fitted per story."""

    name = "tfidf-lsa"

    def for_story(self, texts: Sequence[str]) -> _Fitted:
        """The vector space of one story's texts (its sentences and, when used, its headlines)."""
        return _Fitted(texts)

    def encode(self, texts: Sequence[str], batch_size: int = 0) -> np.ndarray:
        """Vectors of ``texts`` in a space fitted on ``texts`` themselves."""
        return _Fitted(texts).encode(texts)
