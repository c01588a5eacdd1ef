"""The embedding cache in front of an encoder: only missing texts are encoded, and vectors come back bit for bit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from newsweave.annotate.embeddings import CachedEncoder, english_encoder, english_encoder_id, text_key
from newsweave.store import Store

SENTENCES = [
    "The minister said the bridge would reopen on Monday.",
    "Officials said the bridge will reopen Monday.",
    "“We will not negotiate with them,” he told reporters.",
    "A gorilla was fatally shot at an Ohio zoo this weekend after it picked up a young boy who had tumbled "
    "into an exhibit, officials said, in a statement long enough to need a good deal of padding in its batch.",
    "Prices rose.",
    "",
]


class Counting:
    """A deterministic fake encoder that records every call."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        self.calls.append(list(texts))
        rng = [np.random.default_rng(int.from_bytes(text_key(t)[:8], "little")) for t in texts]
        out = np.array([r.standard_normal(8) for r in rng], dtype=np.float32).reshape(len(texts), 8)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_only_missing_texts_are_encoded_once(db_store: Store) -> None:
    inner = Counting()
    loads: list[int] = []

    def load() -> Counting:
        loads.append(1)
        return inner

    enc = CachedEncoder(db_store, "fake/1", load)
    first = enc.encode(["a b", "c d", "a b"])
    assert inner.calls == [["a b", "c d"]]  # one call, each distinct text once
    assert np.array_equal(first, inner.encode(["a b", "c d", "a b"]))
    inner.calls.clear()
    again = CachedEncoder(db_store, "fake/1", load).encode(["c d", "e f", "a b"])  # a later run
    assert inner.calls == [["e f"]]
    assert np.array_equal(again, inner.encode(["c d", "e f", "a b"]))
    inner.calls.clear()
    cached = CachedEncoder(db_store, "fake/1", load)
    assert np.array_equal(cached.encode(["e f", "a b"]), again[1:])
    assert inner.calls == [] and (cached.encoded, cached.cached) == (0, 2)
    assert len(loads) == 2  # the encoder is loaded only by the runs that had something to encode
    assert db_store.count_embeddings("fake/1") == 3
    other = Counting()
    CachedEncoder(db_store, "fake/2", lambda: other).encode(["a b"])  # another encoder: its own vectors
    assert other.calls == [["a b"]]
    assert enc.encode([]).shape == (0, 384)


def test_minilm_vectors_do_not_depend_on_their_batch_and_come_back_the_same(store: Store) -> None:
    """What makes results with the cache equal those without: a text's vector is the same in any batch."""
    model = english_encoder()
    alone = np.vstack([model.encode([s]) for s in SENTENCES])
    together = model.encode(SENTENCES, batch_size=4)
    assert np.array_equal(alone, together)
    enc = CachedEncoder(store, english_encoder_id(), english_encoder)
    assert np.array_equal(enc.encode(SENTENCES[:3]), together[:3])
    assert np.array_equal(enc.encode(SENTENCES), together)  # three read back, three encoded
    assert (enc.encoded, enc.cached) == (6, 3)
    assert "onnxruntime-" in english_encoder_id() and "/max256/" in english_encoder_id()
