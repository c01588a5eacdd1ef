"""ECB+ event clustering: newsweave's online clusterer against two baselines.

All 772 dev documents are clustered together in one stream (the system is not told
topics). Gold: ``gold_stories.json`` (event = topic x sub-topic); storyline level
is scored against the topic.

The system is evaluated by cross-fitting over topics: topics are split into
``--folds`` folds; for each fold a model is fitted (logistic join decisions plus
thresholds tuned on the training folds' stream) without that fold's topics, and
in the single stream of all documents each article's decision uses the model of
its own fold, so no decision is made by a model that saw labels of its topic.
Arrival order: dated articles in date order, undated ones at random positions
(``--orders`` seeds; mean and spread reported).

Baselines, on the same texts: TF-IDF + average-link agglomerative clustering
(cosine distance threshold: the best threshold on all data, i.e. an oracle, and a
threshold chosen by the same cross-validation) and MiniLM embeddings + HDBSCAN
(best of a small grid: oracle).

The ECB+ ``ecbplus`` files start with the page URL as their first line; it is
removed from the text for every system (a real article body has no URL line).

Usage: python bench/bench_stories.py --data ../shared/data/ecbplus --out /tmp/stories
       [--write-model src/newsweave/data/stories_model.json]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from newsweave.models import AnnotatedArticle, Annotation, Article
from newsweave.stories import StoryFeatures, StoryModel, story_features
from newsweave.stories_fit import CONSOLIDATE_EVERY, fit_model, run_crossfit


def load(data: Path) -> tuple[list[Article], dict[str, str], dict[str, str]]:
    """Articles (URL line removed), gold event per article, gold topic per event."""
    arts = []
    for line in (data / "articles.jsonl").read_text("utf-8").splitlines():
        r = json.loads(line)
        text = r["text"]
        if r.get("url"):
            first, _, rest = text.partition("\n")
            if first.strip() == r["url"].strip():
                text = rest
        arts.append(
            Article(
                id=r["id"],
                text=text,
                input=str(data),
                title=r.get("title"),
                published=r.get("published"),
                language="en",
                meta=r.get("meta", {}),
            )
        )
    gold = json.loads((data / "gold_stories.json").read_text("utf-8"))
    topic = {g: g.split("_")[0] for g in set(gold.values())}
    return arts, gold, topic


def annotations(arts: list[Article], cache: Path) -> dict[str, Annotation]:
    """spaCy annotations, cached in ``cache``."""
    if cache.exists():
        out = {}
        for line in cache.read_text("utf-8").splitlines():
            a = Annotation.from_dict(json.loads(line))
            out[a.article_id] = a
        if set(out) == {a.id for a in arts}:
            return out
    from newsweave.annotate import annotate, load_nlp

    out = {}
    with cache.open("w", encoding="utf-8") as fh:
        for a in annotate(arts, load_nlp()):
            out[a.article_id] = a
            fh.write(json.dumps(a.to_dict()) + "\n")
    return out


def embeddings(arts: list[Article], cache: Path) -> np.ndarray:
    """MiniLM embeddings of the article texts, cached in ``cache``."""
    if cache.exists():
        e = np.load(cache)
        if e.shape[0] == len(arts):
            return e
    from newsweave.embeddings import english_encoder

    e = english_encoder().encode([a.text for a in arts])
    np.save(cache, e)
    return e


def arrival_order(arts: list[Article], seed: int) -> list[int]:
    """Dated articles in date order, undated ones at random positions."""
    rng = random.Random(seed)
    idx = list(range(len(arts)))
    rng.shuffle(idx)
    dated_slots = [k for k, i in enumerate(idx) if arts[i].published]
    dated = sorted((i for i in idx if arts[i].published), key=lambda i: (arts[i].published, arts[i].id))
    for k, i in zip(dated_slots, dated, strict=True):
        idx[k] = i
    return idx


def score(data: Path, pred: dict[str, Any], path: Path) -> dict[str, Any]:
    """Write predictions and score them with the shared score.py."""
    with path.open("w", encoding="utf-8") as fh:
        for k, v in pred.items():
            fh.write(json.dumps({"id": k, "cluster": v}) + "\n")
    scorer = data.resolve().parent.parent / "eval" / "score.py"
    res = subprocess.run(
        [sys.executable, str(scorer), "clustering", "--gold", str(data), "--pred", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(res.stdout))


def topic_scores(metrics: Any, gold_topic: dict[str, str], pred: dict[str, Any]) -> dict[str, Any]:
    """Storyline-level B-cubed against topics, with the shared metrics module."""
    return dict(metrics.bcubed(gold_topic, pred))


def crossfit(
    feats: dict[str, StoryFeatures],
    arts: list[Article],
    gold: dict[str, str],
    topic_of: dict[str, str],
    folds: int,
    orders: list[list[int]],
    uses_emb: bool,
) -> tuple[list[tuple[dict[str, str], dict[str, str]]], list[dict[str, Any]]]:
    """Cross-fitted online clustering of all articles in each arrival order."""
    topics = sorted({topic_of[g] for g in gold.values()}, key=int)
    rng = random.Random(13)
    rng.shuffle(topics)
    fold_of_topic = {t: k % folds for k, t in enumerate(topics)}
    fold_of = {a.id: fold_of_topic[topic_of[gold[a.id]]] for a in arts}
    models: dict[int, StoryModel] = {}
    metas = []
    base_order = orders[0]
    for k in range(folds):
        train = [feats[arts[i].id] for i in base_order if fold_of[arts[i].id] != k]
        models[k] = fit_model(train, gold, topic_of, uses_emb)
        metas.append(
            {
                "fold": k,
                **models[k].meta,
                "event_threshold": models[k].event_threshold,
                "storyline_threshold": models[k].storyline_threshold,
                "split_threshold": models[k].split_threshold,
                "consolidate_every": CONSOLIDATE_EVERY,
                "split_min_part": models[k].split_min_part,
                "reassign_threshold": models[k].reassign_threshold,
            }
        )
    runs = []
    for order in orders:
        stream = [feats[arts[i].id] for i in order]
        runs.append(run_crossfit(models, fold_of, stream))
    return runs, metas


def tfidf_agglomerative(arts: list[Article], thresholds: list[float]) -> dict[float, dict[str, int]]:
    """TF-IDF + average-link agglomerative clustering at each cosine-distance threshold."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1).fit_transform([a.text for a in arts])
    dense = x.toarray()
    out = {}
    for t in thresholds:
        lab = AgglomerativeClustering(
            n_clusters=None, distance_threshold=t, metric="cosine", linkage="average"
        ).fit_predict(dense)
        out[t] = {a.id: int(c) for a, c in zip(arts, lab, strict=True)}
    return out


def hdbscan_runs(arts: list[Article], emb: np.ndarray) -> dict[str, dict[str, int]]:
    """MiniLM embeddings + HDBSCAN (scikit-learn) over a small parameter grid; noise -> singletons."""
    from sklearn.cluster import HDBSCAN

    out = {}
    for mcs in (2, 3, 5, 8):
        for ms in (1, 2, 3):
            lab = HDBSCAN(min_cluster_size=mcs, min_samples=ms, metric="euclidean").fit_predict(emb)
            pred = {}
            for a, c in zip(arts, lab, strict=True):
                pred[a.id] = int(c) if c >= 0 else f"noise-{a.id}"
            out[f"min_cluster_size={mcs},min_samples={ms}"] = pred
    return out


def main() -> None:
    """Run the benchmark."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--orders", type=int, default=3, help="random arrival orders (seeds)")
    ap.add_argument("--write-model", type=Path, default=None, help="fit on all dev data and write the model here")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(args.data.resolve().parent.parent / "eval"))
    import metrics  # the shared scorer's metrics module

    t0 = time.time()
    arts, gold, topic_of = load(args.data)
    ann = annotations(arts, args.out / "annotations.jsonl")
    emb = embeddings(arts, args.out / "embeddings.npy")
    feats = {a.id: story_features(AnnotatedArticle(a, ann.get(a.id)), emb[i]) for i, a in enumerate(arts)}
    gold_topic = {a: topic_of[g] for a, g in gold.items()}
    print(f"prepared {len(arts)} articles in {time.time() - t0:.1f}s", flush=True)
    orders = [arrival_order(arts, s) for s in range(args.orders)]
    results: dict[str, Any] = {"system": {}, "baselines": {}}

    for variant, uses_emb in (("newsweave (with MiniLM)", True), ("newsweave (no embeddings)", False)):
        t = time.time()
        runs, metas = crossfit(feats, arts, gold, topic_of, args.folds, orders, uses_emb)
        per = []
        for n, (ev, sl) in enumerate(runs):
            s = score(args.data, ev, args.out / f"pred_{'emb' if uses_emb else 'noemb'}_{n}.jsonl")
            s["storyline_vs_topic"] = topic_scores(metrics, gold_topic, sl)
            s["n_events"] = len(set(ev.values()))
            s["n_storylines"] = len(set(sl.values()))
            per.append(s)
        results["system"][variant] = {"runs": per, "folds": metas, "seconds": round(time.time() - t, 1)}
        f1s = [r["bcubed"]["f1"] for r in per]
        print(f"{variant}: B3 F1 per order {[round(x, 4) for x in f1s]} mean {np.mean(f1s):.4f}", flush=True)

    thresholds = [round(0.30 + 0.025 * i, 3) for i in range(27)]
    agg = tfidf_agglomerative(arts, thresholds)
    agg_scores = {t: score(args.data, p, args.out / "pred_tfidf_agglo.jsonl") for t, p in agg.items()}
    best_t = max(agg_scores, key=lambda t: agg_scores[t]["bcubed"]["f1"])
    # CV threshold: per fold, best threshold on the other folds' articles, applied to the fold
    topics = sorted({topic_of[g] for g in gold.values()}, key=int)
    rng = random.Random(13)
    rng.shuffle(topics)
    fold_of_topic = {t: k % args.folds for k, t in enumerate(topics)}
    cv_pred: dict[str, str] = {}
    chosen = []
    for k in range(args.folds):
        train_ids = {a for a in gold if fold_of_topic[topic_of[gold[a]]] != k}

        def f1_on(t: float, ids: set[str] = train_ids) -> float:
            return float(metrics.bcubed({a: gold[a] for a in ids}, {a: agg[t][a] for a in ids})["f1"])

        tk = max(thresholds, key=f1_on)
        chosen.append(tk)
        for a in gold:
            if fold_of_topic[topic_of[gold[a]]] == k:
                cv_pred[a] = f"{k}-{agg[tk][a]}"
    results["baselines"]["tfidf_agglomerative_oracle"] = {"threshold": best_t, **agg_scores[best_t]}
    results["baselines"]["tfidf_agglomerative_cv"] = {
        "thresholds": chosen,
        **score(args.data, cv_pred, args.out / "pred_tfidf_agglo_cv.jsonl"),
    }
    hd = hdbscan_runs(arts, emb)
    hd_scores = {k: score(args.data, p, args.out / "pred_hdbscan.jsonl") for k, p in hd.items()}
    best_h = max(hd_scores, key=lambda k: hd_scores[k]["bcubed"]["f1"])
    results["baselines"]["minilm_hdbscan_oracle"] = {"params": best_h, **hd_scores[best_h]}
    for name, r in results["baselines"].items():
        print(f"{name}: B3 F1 {r['bcubed']['f1']:.4f} pairwise F1 {r['pairwise']['f1']:.4f}", flush=True)

    if args.write_model:
        base = [feats[arts[i].id] for i in orders[0]]
        payload = {}
        for key, uses_emb in (("with_embeddings", True), ("without_embeddings", False)):
            m = fit_model(base, gold, topic_of, uses_emb)
            m.meta["trained_on"] = "ECB+ dev topics 1-35 (all 772 documents), bench/bench_stories.py"
            payload[key] = m.to_dict()
        args.write_model.parent.mkdir(parents=True, exist_ok=True)
        args.write_model.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.write_model}")
    (args.out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"total {time.time() - t0:.1f}s; results in {args.out / 'results.json'}")


if __name__ == "__main__":
    main()
