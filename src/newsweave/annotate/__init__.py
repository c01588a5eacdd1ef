"""Annotation: spaCy analysis of each article (:mod:`.nlp`) and sentence embeddings (:mod:`.embeddings`).

Per-article work only; the result of :mod:`.nlp` is stored once per article by the pipeline.
"""

from __future__ import annotations

from newsweave.annotate.nlp import annotate, load_nlp, to_doc

__all__ = ["annotate", "load_nlp", "to_doc"]
