"""Why merged events stay merged: a diagnosis of the cross-fitted ECB+ run (session 3).

Fits the five cross-fitted models as ``bench/bench_stories.py`` does (cached in
``--out/models.json``), replays one arrival order with consolidation, and for every event that
mixes two gold events (at least 3 articles each) prints the mean cross join probability of the
gold split and of each candidate bisection the split check would consider. With ``--pair A B``
it prints, for the first articles of gold event B against a scratch event of gold event A, the
join probability and the largest terms of the model's linear score (features and their
pairwise products).

Usage::

    python bench/experiments/stories_diagnose.py --data ../shared/data/ecbplus --out /tmp/diag --order 2
    python bench/experiments/stories_diagnose.py --data ../shared/data/ecbplus --out /tmp/diag \\
        --pair 35_ecbplus 4_ecbplus

The numbers quoted in ``bench/results/stories.md`` ("Session 3", diagnosis) were printed on the
session-2 clusterer (``git checkout b82c5c5 -- src/newsweave/stories.py``).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench_stories
from newsweave.models import AnnotatedArticle
from newsweave.stories.cluster import StoryClusterer, StoryFeatures, StoryModel, story_features
from newsweave.stories.fit import bcubed_f1, fit_model, replay_crossfit
from newsweave.stories.model import EVENT_FEATURES, expand


def cross_probability(clf: StoryClusterer, fs: list[StoryFeatures], assign: list[int]) -> float:
    """Mean join probability of each half's (most recent) members to the other half, as the split check scores it."""
    vecs = [clf._vectors(f) for f in fs]
    halves = [[(f, v) for f, v, g in zip(fs, vecs, assign, strict=True) if g == k] for k in (0, 1)]
    cross = [q for half in clf._cross_join(halves)[1] for q in half]
    return sum(cross) / len(cross)


def main() -> None:
    """Print the diagnosis."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--order", type=int, default=0)
    ap.add_argument("--pair", nargs=2, metavar=("GOLD_A", "GOLD_B"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    arts, gold, topic_of = bench_stories.load(args.data)
    ann = bench_stories.annotations(arts, args.out / "annotations.jsonl")
    feats = {a.id: story_features(AnnotatedArticle(a, ann.get(a.id))) for a in arts}
    orders = [bench_stories.arrival_order(arts, s) for s in range(args.order + 1)]
    # the same topic folds as bench_stories.crossfit
    topics = sorted({topic_of[g] for g in gold.values()}, key=int)
    random.Random(13).shuffle(topics)
    fold_of_topic = {t: k % 5 for k, t in enumerate(topics)}
    fold_of = {a.id: fold_of_topic[topic_of[gold[a.id]]] for a in arts}
    cache = args.out / "models.json"
    if cache.exists():
        models = {int(k): StoryModel.from_dict(v) for k, v in json.loads(cache.read_text()).items()}
    else:
        models = {
            k: fit_model([feats[arts[i].id] for i in orders[0] if fold_of[arts[i].id] != k], gold, topic_of, False)
            for k in range(5)
        }
        cache.write_text(json.dumps({k: m.to_dict() for k, m in models.items()}))
    if args.pair:
        ga, gb = args.pair
        m = models[fold_of_topic[ga.split("_")[0]]]
        clf = StoryClusterer(m)
        part = clf._part([(feats[a], clf._vectors(feats[a])) for a in gold if gold[a] == ga])
        n = len(EVENT_FEATURES)
        names = list(EVENT_FEATURES) + [
            f"{EVENT_FEATURES[i]} x {EVENT_FEATURES[j]}" for i, j in zip(*np.triu_indices(n, 1), strict=True)
        ]
        for a in [a for a in gold if gold[a] == gb][:3]:
            tv, ev = clf._vectors(feats[a])
            x = clf.pair_features(feats[a], tv, ev, [part], "event")
            contrib = np.asarray(m.event_coef) * expand(x, m.quadratic)[0]
            print(a, f"p={clf._join_probability(feats[a], (tv, ev), part):.3f}", f"intercept {m.event_intercept:.2f}")
            for k in np.argsort(-np.abs(contrib))[:8]:
                print(f"   {names[k]:45s} weight {m.event_coef[k]:+.2f}  contribution {contrib[k]:+.2f}")
        return
    stream = [feats[arts[i].id] for i in orders[args.order]]
    clf = replay_crossfit(models, fold_of, stream)
    print("B-cubed P/R/F1", [round(v, 4) for v in bcubed_f1(gold, clf.article_event)])
    for e in clf.events.values():
        counts = collections.Counter(gold[a] for a in e.article_ids)
        if len(counts) < 2 or sorted(counts.values())[-2] < 3:
            continue
        clf.model = models[fold_of[e.article_ids[0]]]
        fs = [feats[a] for a in e.article_ids]
        top = counts.most_common(1)[0][0]
        p = cross_probability(clf, fs, [0 if gold[a] == top else 1 for a in e.article_ids])
        print(
            e.id,
            dict(counts),
            f"checked at {e.checked} of {e.size}; gold split p={p:.3f};",
            f"split threshold {clf.model.split_threshold}, min part {clf.model.split_min_part}",
        )
        sub = fs[-clf.split_cap :]
        for assign in clf._bisections(sub, [clf._vectors(f) for f in sub]):
            mix = collections.Counter((gold[f.article_id], g) for f, g in zip(sub, assign, strict=True))
            print(f"   bisection p={cross_probability(clf, sub, assign):.3f}", dict(mix))


if __name__ == "__main__":
    main()
