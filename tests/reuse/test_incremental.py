"""The incremental reuse stage (newsweave.reuse.index) gives the records of detect_reuse, however articles arrive."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from newsweave.config import Settings
from newsweave.models import Article
from newsweave.reuse.detect import detect_reuse
from newsweave.reuse.fingerprint import MAX_DF, gram_hashes
from newsweave.reuse.index import FP_KIND, STATE_KEY, update_reuse
from newsweave.reuse.stage import run_reuse
from newsweave.store import Store
from newsweave.store.schema import articles as articles_table
from newsweave.store.schema import reuse_index

KINDS = ("reuse", "article_reuse", "duplicate")
#: a sentence of at least 8 words that more than MAX_DF articles carry (its grams cross MAX_DF as they arrive)
BOILERPLATE = "Readers can reach the newsroom by telephone or by email at any hour of the day."
FURNITURE = ["Share this news on your favourite social network", "Photo: the staff photographer of the paper",
             "Subscribe to our daily newsletter for more stories like this one"]


def _sentence(rng: random.Random, vocab: list[str], lo: int = 6, hi: int = 14) -> str:
    return " ".join(rng.choice(vocab) for _ in range(rng.randint(lo, hi))).capitalize() + "."


def corpus(seed: int, n: int = 80) -> list[Article]:
    """Short synthetic articles: own sentences, shared (sometimes edited) passages, an outlet's repeated
    lines, wire credits, a few (near-)duplicates, and one sentence in more than MAX_DF articles."""
    rng = random.Random(seed)
    vocab = [f"w{k}" for k in range(400)]
    passages = [" ".join(_sentence(rng, vocab, 8, 12) for _ in range(3)) for _ in range(10)]
    outlets = ["Daily Planet", "Wire Service", "The Courier", None]
    dates = ["2020-01-01", "2020-01-02", "2020-01-03", None, None]
    out: list[Article] = []
    for k in range(n):
        source = rng.choice(outlets)
        paras = [" ".join(_sentence(rng, vocab) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 3))]
        for _ in range(rng.randint(0, 2)):
            text = rng.choice(passages)
            if rng.random() < 0.5:  # an edit inside the passage
                ws = text.split()
                ws[rng.randrange(len(ws))] = rng.choice(vocab)
                text = " ".join(ws)
            paras.insert(rng.randrange(len(paras) + 1), text)
        if source == "Daily Planet" and rng.random() < 0.6:
            paras.append(rng.choice(FURNITURE))
        if k % 3:  # two in three: more than MAX_DF of 80, once enough arrived
            paras.append(BOILERPLATE)
        if rng.random() < 0.15:
            paras.append(rng.choice(["Reuters contributed to this report.", "Silva told Reuters he would stay.",
                                     "The plan stalls, reports AP."]))
        if out and rng.random() < 0.08:  # a duplicate or near-duplicate of an earlier article
            earlier = rng.choice(out)
            text = earlier.text if rng.random() < 0.5 else earlier.text.replace("w1 ", "w2 ", 1)
            out.append(Article(id=f"a{seed:04x}{k:012x}", text=text, input=f"in{k}", source=rng.choice(outlets),
                               published=rng.choice(dates), language="en"))
            continue
        out.append(Article(id=f"a{seed:04x}{k:012x}", text="\n".join(paras), input=f"in{k}", source=source,
                           published=rng.choice(dates), language="en"))
    return out


def stored(store: Store) -> dict[str, list[str]]:
    """The stage's records, comparable."""
    return {k: [json.dumps(r, sort_keys=True) for r in store.records(k)] for k in KINDS}


def reference(store: Store) -> dict[str, list[str]]:
    """What detect_reuse finds over the stored articles, as the stage stores it (in record id order)."""
    res = detect_reuse(store.articles()).to_dict()
    ids = {"reuse": lambda r: f"{r['copy_article_id']}<{r['origin_article_id']}",
           "article_reuse": lambda r: r["article_id"], "duplicate": lambda r: f"{r['article_a']}={r['article_b']}"}
    rows = {"reuse": res["reuse"], "article_reuse": res["articles"], "duplicate": res["duplicates"]}
    # through JSON as the store keeps them
    return {k: [json.dumps(json.loads(json.dumps(r)), sort_keys=True) for r in sorted(rows[k], key=ids[k])]
            for k in KINDS}


def run(store: Store) -> str:
    with store.deferred():
        return run_reuse(store, Settings())


def batches(arts: list[Article], rng: random.Random, parts: int) -> list[list[Article]]:
    cuts = sorted(rng.sample(range(1, len(arts)), parts - 1))
    return [arts[a:b] for a, b in zip([0, *cuts], [*cuts, len(arts)], strict=True)]


def test_corpus_exercises_every_path() -> None:
    arts = corpus(0)
    df = sum(1 for a in arts if gram_hashes(BOILERPLATE) <= gram_hashes(a.text))
    assert df > MAX_DF
    res = detect_reuse(arts)
    assert res.links and res.duplicates and any(r.furniture for r in res.articles.values())


@pytest.mark.parametrize("seed", [1, 2])
def test_batches_equal_from_scratch(db_store: Store, seed: int) -> None:
    arts = corpus(seed)
    rng = random.Random(seed)
    for batch in batches(arts, rng, 5):
        db_store.add_articles(batch)
        said = run(db_store)
        assert stored(db_store) == reference(db_store), said
    assert "built" not in said
    # one article at a time across the MAX_DF crossing
    more = corpus(seed + 100, 90)[60:]
    for a in more:
        db_store.add_articles([a])
        run(db_store)
    assert stored(db_store) == reference(db_store)


def test_one_batch_and_nothing_new(store: Store) -> None:
    store.add_articles(corpus(3))
    assert "built from all 80" in run(store)
    before = stored(store)
    assert before == reference(store)
    assert run(store).startswith("0 articles fingerprinted, 0 gone; 0 pairs aligned")
    assert stored(store) == before


def test_gone_articles(db_store: Store) -> None:
    arts = corpus(4)
    db_store.add_articles(arts[:50])
    run(db_store)
    db_store.add_articles(arts[50:])
    run(db_store)
    # articles deleted behind the stage's back (no command does it yet): their records go, grams fall back under
    # MAX_DF, lines stop being furniture
    drop = [a.id for a in arts if BOILERPLATE in a.text][::3] + [a.id for a in arts if a.source == "Daily Planet"][:4]
    with db_store.engine.begin() as conn:
        conn.execute(delete(articles_table).where(articles_table.c.id.in_(drop)))
    said = run(db_store)
    assert f"{len(set(drop))} gone" in said
    assert stored(db_store) == reference(db_store)
    with db_store.engine.connect() as conn:
        left = set(conn.scalars(select(reuse_index.c.article_id).distinct()))
    assert not left & set(drop)
    assert not db_store.record_scopes(FP_KIND) & set(drop)


def test_old_store_gets_the_index(store: Store) -> None:
    """A store the previous version made (records in one scope, no index) is indexed once, and says so."""
    arts = corpus(5)
    store.add_articles(arts[:70])
    res = detect_reuse(store.articles()).to_dict()
    old: dict[str, list[tuple[str, dict[str, Any], list[str]]]] = {
        "reuse": [(f"{r['copy_article_id']}<{r['origin_article_id']}", r, [r["copy_article_id"]])
                  for r in res["reuse"]],
        "article_reuse": [(r["article_id"], r, [r["article_id"]]) for r in res["articles"]],
        "duplicate": [(f"{d['article_a']}={d['article_b']}", d, [d["article_a"]]) for d in res["duplicates"]],
    }
    for kind, items in old.items():
        store.replace_records(kind, items)
    store.add_articles(arts[70:])
    assert store.get_state(STATE_KEY) is None
    said = run(store)
    assert "reuse index built from all 80 stored articles" in said
    assert store.record_scopes("reuse") and "" not in store.record_scopes("reuse")
    assert stored(store) == reference(store)
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count(func.distinct(reuse_index.c.article_id)))) == 80


def test_a_failed_run_leaves_the_index_as_it_was(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    arts = corpus(6)
    store.add_articles(arts[:40])
    run(store)
    store.add_articles(arts[40:])
    import newsweave.reuse.index as index

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("killed")

    monkeypatch.setattr(index._Run, "write_duplicates", boom)
    with pytest.raises(RuntimeError):
        run(store)
    monkeypatch.undo()
    assert len(store.record_scopes(FP_KIND)) == 40
    update_reuse_said = run(store)
    assert update_reuse_said.startswith("40 articles fingerprinted")
    assert stored(store) == reference(store)
    assert update_reuse  # the stage's entry point, public


def test_records_come_in_id_order_whatever_the_ids(store: Store) -> None:
    """Scoped per article, the records still read in id order, also with ids of several lengths."""
    shared = " ".join(f"word{k}" for k in range(30))
    arts = [Article(id=aid, text=f"{shared}\nOwn line {n} here.", input=aid, language="en")
            for n, aid in enumerate(["x", "x1", "x-2", "w", "x0a"])]
    store.add_articles(arts)
    run(store)
    for kind in KINDS:
        ids = [json.dumps(r, sort_keys=True) for r in store.records(kind)]
        assert ids == reference(store)[kind]
    assert len(store.records("reuse")) == 10 and store.records("duplicate")
