"""Grouping scales with long stories: wording is scored only between statements that share words (blocking),
statements of new articles join a story's stored groups, and the stage's input fingerprint reads no JSON."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from newsweave.models import Span
from newsweave.quotes import Quote, QuoteGroup, add_to_groups, group_quotes
from newsweave.quotes import group as qgroup
from newsweave.quotes.group import BLOCK_SHARE, _WordBlocks

_VOCAB = [f"w{k}" for k in range(60)] + ["the", "a", "of", "we", "will", "not", "said", "is", "to", "and"]


def _story(n_articles: int, seed: int = 7) -> tuple[list[Quote], dict[str, str]]:
    """Articles of one story quoting from a pool of statements, some verbatim, some with a word changed, some
    cut short, some reworded, and each article's own statements; one indirect quote per sentence."""
    rng = random.Random(seed)
    pool = [" ".join(rng.choice(_VOCAB) for _ in range(rng.randint(3, 14))) for _ in range(40)]
    quotes: list[Quote] = []
    texts: dict[str, str] = {}
    for k in range(n_articles):
        aid = f"a{rng.randrange(10**6):06d}{k}"
        sents = []
        for _ in range(rng.randint(2, 8)):
            words = rng.choice(pool).split() if rng.random() < 0.6 else [rng.choice(_VOCAB) for _ in range(6)]
            roll = rng.random()
            if roll < 0.3 and len(words) > 3:
                words[rng.randrange(len(words))] = rng.choice(_VOCAB)
            elif roll < 0.4 and len(words) > 7:
                words = words[: len(words) - 2]
            elif roll < 0.5:  # reworded: the same words in another order
                rng.shuffle(words)
            sents.append(" ".join(words).capitalize() + ".")
        text = ""
        for s in sents:
            start = len(text)
            text += s + " "
            sp = Span(start, start + len(s))
            speaker = rng.choice(["Ann Berg", "Tom Reyes", None])
            quotes.append(Quote(article_id=aid, kind="indirect", content=sp, parts=[sp], outer=sp, text=s,
                                speaker_kind="named" if speaker else "unknown", speaker_text=speaker))
        texts[aid] = text
    return quotes, texts


def _dicts(groups: list[QuoteGroup]) -> list[dict[str, Any]]:
    return [g.to_dict() for g in groups]


def _partition(groups: list[QuoteGroup]) -> set[frozenset[tuple[str, int, int]]]:
    return {frozenset((v.article_id, v.start, v.end) for v in g.variants) for g in groups}


@pytest.fixture
def exhaustive(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocking off: every earlier statement is a candidate (the grouping before blocking)."""
    monkeypatch.setattr(_WordBlocks, "candidates", lambda self, i: list(range(i)))


def test_blocking_finds_every_pair_sharing_enough_words() -> None:
    rng = random.Random(3)
    norms = [" ".join(rng.choice(_VOCAB) for _ in range(rng.randint(1, 12))) for _ in range(300)]
    norms += norms[:20]  # identical statements
    blocks = _WordBlocks(norms, BLOCK_SHARE)
    for i in range(len(norms)):
        found = blocks.candidates(i)
        for j in range(i):
            a, b = set(norms[i].split()), set(norms[j].split())
            if len(a & b) >= BLOCK_SHARE * min(len(a), len(b)):
                assert j in found, (norms[i], norms[j])
        blocks.add(i)


def test_blocking_never_misses_an_identical_statement() -> None:
    """An identical statement (even of the commonest words only) always joins its first rendering."""
    quotes, texts = _story(60)
    common = "We will not said the of a to and is."
    for aid in sorted(texts)[::7]:
        start = len(texts[aid])
        texts[aid] += common
        sp = Span(start, start + len(common))
        quotes.append(Quote(article_id=aid, kind="indirect", content=sp, parts=[sp], outer=sp, text=common))
    groups = group_quotes(quotes, texts, encoder=False)
    by_norm: dict[str, set[str]] = {}
    for g in groups:
        for v in g.variants:
            by_norm.setdefault(qgroup.normalize(v.text), set()).add(g.id)
    assert all(len(ids) == 1 for ids in by_norm.values())
    assert len(by_norm[qgroup.normalize(common)]) == 1


def test_blocking_gives_the_grouping_of_all_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    quotes, texts = _story(80)
    blocked = _dicts(group_quotes(quotes, texts, encoder=False))
    monkeypatch.setattr(_WordBlocks, "candidates", lambda self, i: list(range(i)))
    assert _dicts(group_quotes(quotes, texts, encoder=False)) == blocked
    assert any(len(g["article_ids"]) > 2 for g in blocked)


def _add_in_batches(quotes: list[Quote], texts: dict[str, str], batches: list[list[str]]) -> list[QuoteGroup]:
    """Group the articles batch after batch as the stage does: the groups read back from their records, in
    the order they were founded, and the next batch's statements added."""
    arrival = {a: k for k, batch in enumerate(batches) for a in batch}
    groups: list[QuoteGroup] = []
    done: list[Quote] = []
    for batch in batches:
        new = [q for q in quotes if q.article_id in set(batch)]
        groups = [QuoteGroup.from_dict(g.to_dict()) for g in groups]
        groups.sort(key=lambda g: (arrival[g.variants[0].article_id], g.variants[0].article_id, g.variants[0].start))
        groups = add_to_groups(groups, done, new, texts, encoder=False)
        done += new
    return groups


@pytest.mark.parametrize("batches", [2, 5])
def test_adding_in_id_order_equals_grouping_at_once(batches: int) -> None:
    """New articles whose ids sort after the old ones: adding their statements gives exactly the groups made
    from scratch (which groups statements in (article id, start) order)."""
    quotes, texts = _story(70)
    ids = sorted(texts)
    size = -(-len(ids) // batches)
    got = _add_in_batches(quotes, texts, [ids[k : k + size] for k in range(0, len(ids), size)])
    assert _dicts(got) == _dicts(group_quotes(quotes, texts, encoder=False))


@pytest.mark.parametrize("batches", [2, 5])
def test_adding_out_of_id_order_groups_nearly_alike(batches: int) -> None:
    """Articles arriving out of id order: statements join groups in arrival order, so a few may group
    differently than from scratch."""
    quotes, texts = _story(70)
    ids = sorted(texts)
    got = _partition(_add_in_batches(quotes, texts, [ids[k::batches] for k in range(batches)]))
    full = _partition(group_quotes(quotes, texts, encoder=False))
    moved = sum(len(p) for p in got - full)
    assert moved <= 0.05 * sum(len(p) for p in full)


def test_adding_later_articles_equals_grouping_at_once() -> None:
    quotes, texts = _story(70)
    ids = sorted(texts)
    old, new = set(ids[:50]), set(ids[50:])
    first = group_quotes([q for q in quotes if q.article_id in old], texts, encoder=False)
    first.sort(key=lambda g: (g.variants[0].article_id, g.variants[0].start))
    added = add_to_groups([QuoteGroup.from_dict(g.to_dict()) for g in first],
                          [q for q in quotes if q.article_id in old], [q for q in quotes if q.article_id in new],
                          {a: texts[a] for a in new}, encoder=False)
    assert _dicts(added) == _dicts(group_quotes(quotes, texts, encoder=False))


class _Words:
    """A stand-in encoder: bag-of-words unit vectors (so that rewordings match on embeddings)."""

    def encode(self, texts: Any) -> Any:
        import numpy as np

        out = np.zeros((len(texts), len(_VOCAB)), dtype=np.float32)
        for k, t in enumerate(texts):
            for w in qgroup.normalize(t).split():
                if w in _VOCAB:
                    out[k, _VOCAB.index(w)] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def test_adding_with_embeddings_equals_grouping_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    quotes, texts = _story(40, seed=11)
    ids = sorted(texts)
    old = set(ids[:30])
    first = group_quotes([q for q in quotes if q.article_id in old], texts, encoder=_Words())
    first.sort(key=lambda g: (g.variants[0].article_id, g.variants[0].start))
    added = add_to_groups([QuoteGroup.from_dict(g.to_dict()) for g in first],
                          [q for q in quotes if q.article_id in old], [q for q in quotes if q.article_id not in old],
                          texts, encoder=_Words())
    full = group_quotes(quotes, texts, encoder=_Words())
    assert _dicts(added) == _dicts(full)
    assert any(v.similarity < 0.86 for g in full for v in g.variants)  # some joined on embeddings
    # and the blocked grouping is that of all pairs, with embeddings too
    monkeypatch.setattr(_WordBlocks, "candidates", lambda self, i: list(range(i)))
    assert _dicts(group_quotes(quotes, texts, encoder=_Words())) == _dicts(full)


def test_block_rows_bound_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Embedding scores are computed a few rows at a time: the result does not depend on the block size."""
    quotes, texts = _story(30, seed=5)
    full = _dicts(group_quotes(quotes, texts, encoder=_Words()))
    monkeypatch.setattr(qgroup, "_ROWS", 3)
    assert _dicts(group_quotes(quotes, texts, encoder=_Words())) == full


def test_candidates_grow_with_shared_words_not_story() -> None:
    """Statements with rare words of their own have few candidates, however long the story."""
    rng = random.Random(1)
    norms = [" ".join(["the", "minister", "said"] + [f"u{k}x{j}" for j in range(4)]) for k in range(2000)]
    rng.shuffle(norms)
    blocks = _WordBlocks(norms, BLOCK_SHARE)
    sizes = []
    for i in range(len(norms)):
        sizes.append(len(blocks.candidates(i)))
        blocks.add(i)
    assert max(sizes) == 0
    assert list(itertools.islice(sizes, 5)) == [0] * 5


def test_adding_in_the_given_order_equals_grouping_at_once() -> None:
    """With ``order`` (the stage passes ingestion order), articles added after the others in that order give
    exactly the groups made at once, whatever their ids."""
    quotes, texts = _story(60, seed=9)
    ranked = sorted(texts, key=lambda a: a[::-1])  # an order unrelated to the ids
    rank = {a: k for k, a in enumerate(ranked)}
    old = set(ranked[:45])
    first = group_quotes([q for q in quotes if q.article_id in old], texts, encoder=_Words(), order=rank)
    first.sort(key=lambda g: (rank[g.variants[0].article_id], g.variants[0].start))
    added = add_to_groups([QuoteGroup.from_dict(g.to_dict()) for g in first],
                          [q for q in quotes if q.article_id in old], [q for q in quotes if q.article_id not in old],
                          texts, encoder=_Words(), order=rank)
    assert _dicts(added) == _dicts(group_quotes(quotes, texts, encoder=_Words(), order=rank))
