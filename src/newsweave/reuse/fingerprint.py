"""What the reuse stage takes from one article alone: normalized words, 8-gram hashes, furniture line keys,
word shingles and their MinHash signature and LSH band keys.

These depend on nothing but the article, so :mod:`newsweave.reuse.index` computes them once per
article and keeps them; :mod:`newsweave.reuse.detect` computes them on the fly from scratch.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache

import numpy as np
from datasketch import MinHash, MinHashLSH

from newsweave.models import Article
from newsweave.textutil import fold

_WORD = re.compile(r"\w+", re.UNICODE)

#: :func:`fold` of one word, cached: words repeat, and folding is most of tokenizing
_fold_word = lru_cache(maxsize=1 << 16)(fold)


@lru_cache(maxsize=512)
def _words(text: str) -> tuple[tuple[str, int, int], ...]:
    """:func:`words`, cached: a run tokenizes each article for every pair it is aligned in."""
    return tuple((_fold_word(m.group()), m.start(), m.end()) for m in _WORD.finditer(text))


def words(text: str) -> list[tuple[str, int, int]]:
    """Normalized word tokens with their character offsets."""
    return list(_words(text))


def shingles(text: str, k: int = 5) -> set[str]:
    """Word k-shingles of normalized text."""
    toks = [w for w, _, _ in words(text)]
    if len(toks) < k:
        return {" ".join(toks)} if toks else set()
    return {" ".join(toks[i : i + k]) for i in range(len(toks) - k + 1)}


def key64(text: str) -> int:
    """A stable signed 64-bit hash of a string (an index key that fits a BIGINT column)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


def minhash_values(text: str, num_perm: int = 128) -> list[int] | None:
    """The MinHash signature (datasketch, default seed) of the text's word 5-shingles; ``None`` without words."""
    sh = shingles(text)
    if not sh:
        return None
    mh = MinHash(num_perm=num_perm)
    mh.update_batch([s.encode("utf-8") for s in sh])
    return [int(v) for v in mh.hashvalues]


@cache
def _hashranges(threshold: float, num_perm: int) -> list[tuple[int, int]]:
    """The band ranges datasketch's :class:`MinHashLSH` picks for ``threshold`` and ``num_perm``."""
    return list(MinHashLSH(threshold=threshold, num_perm=num_perm).hashranges)


def band_keys(values: Sequence[int], threshold: float = 0.8, num_perm: int = 128) -> list[int]:
    """One key per LSH band of a signature: two signatures are LSH candidates iff they share a key.

    A band's key hashes its index and the band's bytes as :class:`MinHashLSH` stores them, so the
    candidates are those of datasketch's LSH (but for a 64-bit hash collision) and can live in a table.
    """
    arr = np.asarray(values, dtype=np.uint64)
    return [key64(f"{i}:" + bytes(arr[a:b].byteswap().data).hex())
            for i, (a, b) in enumerate(_hashranges(threshold, num_perm))]


def _lines(text: str) -> Iterable[tuple[int, int]]:
    """Non-empty line spans (stripped)."""
    pos = 0
    for line in text.split("\n"):
        s = len(line) - len(line.lstrip())
        e = len(line.rstrip())
        if e > s:
            yield pos + s, pos + e
        pos += len(line) + 1


def outlet_of(art: Article) -> str | None:
    """The outlet whose articles' repeated lines are furniture (``None``: the article has no source)."""
    return art.source.strip().lower() if art.source else None


def line_keys(text: str, outlet: str | None) -> list[tuple[int, int, int]]:
    """``(key, start, end)`` of each line with words; the key hashes the outlet and the line's normalized words."""
    if outlet is None:
        return []
    toks, n, out = _words(text), 0, []
    for s, e in _lines(text):
        # a line's span is stripped, so the text's words inside it are the line's own words
        while n < len(toks) and toks[n][1] < s:
            n += 1
        line = []
        while n < len(toks) and toks[n][2] <= e:
            line.append(toks[n][0])
            n += 1
        if line:
            out.append((key64(f"{outlet}\n{' '.join(line)}"), s, e))
    return out


#: words per gram of :func:`gram_hashes`; grams in more than :data:`MAX_DF` articles make no candidates
GRAM, MAX_DF = 8, 50


def gram_hashes(text: str, seed: int = GRAM) -> set[int]:
    """CRC-32 of each word ``seed``-gram of the normalized text."""
    toks = [w for w, _, _ in words(text)]
    return {zlib.crc32(" ".join(toks[i : i + seed]).encode()) for i in range(len(toks) - seed + 1)}
